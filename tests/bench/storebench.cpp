#include "storebench.h"

#include "base/securebuffer.h"
#include "store/sqlite.h"
#include "records/recordid.h"
#include "store/store.h"

#if __has_include("crypto/keyvault.h")
#include "crypto/keyvault.h"
#define FIELDNOTES_BENCH_HAS_KEYVAULT 1
#endif

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <sys/resource.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::bench {

namespace {

// The vocabulary of field notes. Content words are drawn with a Zipf distribution (s = 1): a few are very common
// ("customer", "team", "pricing" appear in most insights), most are rare, as in real text. Queries pick content
// words uniformly, so most queries are selective and some hit half the corpus: that tail is what p95 measures.
constexpr const char *kContentWords[] = {
    "customer", "team", "pricing", "onboarding", "export", "report", "dashboard", "integration", "contract", "renewal",
    "support", "feature", "workflow", "budget", "manager", "sales", "marketing", "product", "roadmap", "feedback",
    "meeting", "demo", "trial", "license", "invoice", "billing", "security", "compliance", "audit", "migration",
    "spreadsheet", "approval", "deadline", "quarter", "forecast", "pipeline", "lead", "account", "partner", "vendor",
    "competitor", "alternative", "switching", "churn", "retention", "adoption", "usage", "training", "documentation",
    "tutorial", "webinar", "conference", "event", "booth", "survey", "interview", "quote", "proposal", "discount",
    "negotiation", "procurement", "legal", "signature", "deployment", "installation", "configuration", "settings",
    "permissions", "roles", "admin", "login", "password", "authentication", "sso", "api", "webhook", "sync", "offline",
    "mobile", "tablet", "desktop", "browser", "notification", "email", "calendar", "reminder", "search", "filter",
    "sorting", "tags", "labels", "notes", "insight", "recording", "transcript", "translation", "language", "german",
    "french", "spanish", "japanese", "timezone", "latency", "performance", "speed", "slow", "crash", "bug", "error",
    "outage", "downtime", "uptime", "backup", "restore", "storage", "upload", "download", "attachment", "photo",
    "scanner", "barcode", "warehouse", "inventory", "shipping", "delivery", "logistics", "fleet", "driver", "route",
    "factory", "maintenance", "inspection", "checklist", "safety", "incident", "ticket", "escalation", "priority",
    "severity", "sla", "response", "resolution", "satisfaction", "nps", "rating", "review", "testimonial", "referral",
    "champion", "sponsor", "executive", "director", "engineer", "developer", "analyst", "consultant", "agency",
    "reseller", "distributor", "retail", "hospital", "clinic", "school", "university", "bank", "insurance", "energy",
    "utility", "telecom", "government", "nonprofit", "startup", "enterprise", "midmarket", "europe", "america", "asia",
    "expansion", "headcount", "hiring", "layoffs", "reorganisation", "merger", "acquisition", "investment", "funding",
    "growth", "revenue", "margin", "cost", "savings", "efficiency", "automation", "manual", "paper", "fax", "legacy",
    "excel", "salesforce", "hubspot", "sap", "oracle", "microsoft", "google", "slack", "teams", "zoom", "jira",
    "confluence", "notion", "airtable", "zapier", "privacy", "gdpr", "consent", "retention", "encryption", "vpn",
    "firewall", "network", "wifi", "coverage", "rural", "remote", "hybrid", "office", "field", "technician", "visit",
    "appointment", "schedule", "planning", "dispatch", "tracking", "gps", "map", "analytics", "chart", "kpi", "metric",
    "goal", "target", "quota", "commission", "incentive", "bonus", "pilot", "rollout", "launch", "beta", "release",
    "version", "upgrade", "downgrade", "cancellation", "refund", "complaint", "delight", "frustration", "confusion",
    "clarity", "simplicity", "flexibility", "reliability", "scalability", "accessibility", "dark", "theme", "font",
    "keyboard", "shortcut", "template", "import", "duplicate", "merge", "history", "undo", "archive", "trash",
};
constexpr const char *kFillerWords[] = {
    "the", "and", "of", "to", "a", "in", "for", "is", "that", "with", "on", "they", "we", "it", "was", "their",
    "our", "but", "not", "more", "when", "about", "because", "still", "very", "too", "every", "need", "want", "said",
};
constexpr const char *kKinds[] = {"need", "pain", "delight", "value", "competitor", "trend", "request"};

constexpr int kContentCount = int(std::size(kContentWords));
constexpr int kFillerCount = int(std::size(kFillerWords));

class Generator
{
public:
    explicit Generator(quint32 seed) : m_random(seed)
    {
        double sum = 0;
        for (int i = 0; i < kContentCount; ++i) {
            sum += 1.0 / (i + 1);
            m_cumulative.push_back(sum);
        }
        for (double &c : m_cumulative)
            c /= sum;
    }

    QString contentWord()
    {
        const double u = m_random.generateDouble();
        const auto it = std::lower_bound(m_cumulative.begin(), m_cumulative.end(), u);
        return QString::fromLatin1(kContentWords[std::min<int>(int(it - m_cumulative.begin()), kContentCount - 1)]);
    }

    QString sentence(int minWords, int maxWords)
    {
        const int words = minWords + int(m_random.bounded(maxWords - minWords + 1));
        QStringList out;
        for (int i = 0; i < words; ++i) {
            out << (m_random.bounded(100) < 55 ? contentWord()
                                               : QString::fromLatin1(kFillerWords[m_random.bounded(kFillerCount)]));
        }
        QString text = out.join(u' ');
        text[0] = text[0].toUpper();
        return text + u'.';
    }

    QJsonObject insight()
    {
        QString text = sentence(8, 22);
        if (m_random.bounded(3) == 0)
            text += u' ' + sentence(6, 16);
        QJsonObject fields{{u"kind"_s, QString::fromLatin1(kKinds[m_random.bounded(int(std::size(kKinds)))])},
                           {u"text"_s, text},
                           {u"importance"_s, 1 + int(m_random.bounded(5))}};
        if (m_random.bounded(100) < 70)
            fields.insert(u"quote"_s, u"\u201C"_s + sentence(5, 14) + u"\u201D"_s);
        return fields;
    }

    // 1-2 words; about a third end in a 3-5 letter prefix of a word (search-as-you-type).
    QString query()
    {
        const auto word = [&] { return QString::fromLatin1(kContentWords[m_random.bounded(kContentCount)]); };
        QString last = word();
        if (m_random.bounded(3) == 0 && last.size() > 3)
            last = last.left(3 + int(m_random.bounded(std::min<int>(3, int(last.size()) - 3))));
        return m_random.bounded(2) == 0 ? last : word() + u' ' + last;
    }

    quint32 bounded(quint32 n) { return m_random.bounded(n); }

private:
    QRandomGenerator m_random;
    std::vector<double> m_cumulative;
};

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    // Nearest rank: the smallest value with at least p of the samples at or below it.
    const auto rank = size_t(std::ceil(p * double(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

double rounded(double value, int decimals = 3)
{
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

void progress(const QString &line)
{
    std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

// Seconds to insert every item in batches of `batch` insights per putMany transaction.
double insertAll(Store &store, const QList<QJsonObject> &items, int batch, QString *error)
{
    QElapsedTimer timer;
    timer.start();
    for (qsizetype at = 0; at < items.size(); at += batch) {
        QList<Store::PutItem> chunk;
        chunk.reserve(batch);
        for (qsizetype i = at; i < std::min<qsizetype>(items.size(), at + batch); ++i)
            chunk << Store::PutItem{Entity::Insight, {}, items.at(i)};
        auto ids = store.putMany(chunk);
        if (!ids) {
            *error = ids.error().message;
            return -1;
        }
    }
    // The checkpoints these writes left to the store's background thread are part of their cost (SQLite made them
    // in the commits before decision 0022); and searches are timed without them running.
    store.waitForCheckpoints();
    return double(timer.nsecsElapsed()) / 1e9;
}

// Milliseconds per query, after a few untimed warm-up queries. `cacheMisses`: the pages the timed queries read from the
// file (and decrypted) because they were not in the connection's page cache.
std::vector<double> timeSearches(Store &store, const QStringList &queries, QString *error, qint64 *totalHits,
                                 qint64 *cacheMisses = nullptr)
{
    for (int i = 0; i < std::min<int>(10, int(queries.size())); ++i)
        (void)store.search(queries.at(i));
    const qint64 missesBefore = store.pageCacheCounters().misses;
    std::vector<double> ms;
    ms.reserve(size_t(queries.size()));
    for (const QString &query : queries) {
        QElapsedTimer timer;
        timer.start();
        auto hits = store.search(query);
        const double elapsed = double(timer.nsecsElapsed()) / 1e6;
        if (!hits) {
            *error = hits.error().message;
            return {};
        }
        *totalHits += hits->size();
        ms.push_back(elapsed);
    }
    if (cacheMisses)
        *cacheMisses = store.pageCacheCounters().misses - missesBefore;
    return ms;
}

double kdfMilliseconds(QString *how)
{
    ensureSodiumInitialized();
#ifdef FIELDNOTES_BENCH_HAS_KEYVAULT
    const KdfParams params = KdfParams::standard();
    const unsigned long long ops = params.opsLimit;
    const size_t mem = params.memLimit;
    *how = u"KdfParams::standard(): opslimit %1, memlimit %2 MiB"_s.arg(ops).arg(mem / (1024 * 1024));
#else
    const unsigned long long ops = crypto_pwhash_OPSLIMIT_MODERATE;
    const size_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
    *how = u"crypto/keyvault.h missing: libsodium OPSLIMIT_MODERATE/MEMLIMIT_MODERATE"_s;
#endif
    static const char passphrase[] = "correct horse battery staple";
    unsigned char salt[crypto_pwhash_SALTBYTES];
    randombytes_buf(salt, sizeof salt);
    SecureBuffer out(32);
    std::vector<double> runs;
    for (int i = 0; i < 3; ++i) {
        QElapsedTimer timer;
        timer.start();
        if (crypto_pwhash(out.data(), out.size(), passphrase, sizeof passphrase - 1, salt, ops, mem,
                          crypto_pwhash_ALG_ARGON2ID13)
            != 0)
            return -1;
        runs.push_back(double(timer.nsecsElapsed()) / 1e6);
    }
    return percentile(runs, 0.5);
}

} // namespace

QJsonObject runStoreBench(const StoreBenchOptions &options, QString *error)
{
    ensureSodiumInitialized();
    Generator generator(options.seed);
    QList<QJsonObject> items;
    items.reserve(options.records);
    for (int i = 0; i < options.records; ++i)
        items << generator.insight();
    QStringList queries;
    for (int i = 0; i < options.queries; ++i)
        queries << generator.query();
    progress(u"store bench: %1 insights, %2 queries, %3 per transaction"_s.arg(options.records).arg(options.queries).arg(
        options.batch));

    QTemporaryDir keyedDir;
    QTemporaryDir plainDir;
    if (!keyedDir.isValid() || !plainDir.isValid()) {
        *error = u"Cannot create temporary directories."_s;
        return {};
    }
    const SecureBuffer key = SecureBuffer::random(32);

    // Keyed store: insert, then search.
    double keyedSeconds = 0;
    std::vector<double> searchMs;
    qint64 keyedHits = 0;
    qint64 keyedMisses = 0;
    {
        auto store = Store::create(keyedDir.path(), key);
        if (!store) {
            *error = store.error().message;
            return {};
        }
        keyedSeconds = insertAll(**store, items, options.batch, error);
        if (keyedSeconds < 0)
            return {};
        progress(u"  keyed insert: %1 s"_s.arg(keyedSeconds, 0, 'f', 2));
        searchMs = timeSearches(**store, queries, error, &keyedHits, &keyedMisses);
        if (!error->isEmpty())
            return {};
    }

    // The same workload without a key.
    double plainSeconds = 0;
    std::vector<double> plainSearchMs;
    qint64 plainHits = 0;
    {
        auto store = Store::createUnencryptedForBenchmark(plainDir.path());
        if (!store) {
            *error = store.error().message;
            return {};
        }
        plainSeconds = insertAll(**store, items, options.batch, error);
        if (plainSeconds < 0)
            return {};
        progress(u"  plain insert: %1 s"_s.arg(plainSeconds, 0, 'f', 2));
        plainSearchMs = timeSearches(**store, queries, error, &plainHits);
        if (!error->isEmpty())
            return {};
    }

    // Open and unlock with the raw key (what follows the Argon2id derivation or the keystore read).
    std::vector<double> openMs;
    for (int i = 0; i < 7; ++i) {
        QElapsedTimer timer;
        timer.start();
        auto store = Store::open(keyedDir.path(), key);
        const double elapsed = double(timer.nsecsElapsed()) / 1e6;
        if (!store) {
            *error = store.error().message;
            return {};
        }
        openMs.push_back(elapsed);
    }

    // The library and its memory setting, read on a keyed connection of our own.
    QString version;
    QJsonValue memorySecurity;
    {
        auto db = Database::open(Store::databaseFiles(keyedDir.path()).constFirst(), key, Database::OpenMode::Existing);
        if (!db) {
            *error = db.error().message;
            return {};
        }
        auto v = db->scalar("PRAGMA cipher_version");
        auto m = db->scalar("PRAGMA cipher_memory_security");
        if (!v || !m) {
            *error = (!v ? v.error() : m.error()).message;
            return {};
        }
        version = v->toString();
        memorySecurity = m->isNull() ? QJsonValue() : QJsonValue(m->toString().toInt());
    }

    // cipher_memory_security (process-wide in SQLCipher 4.5+) wipes and locks every buffer SQLCipher frees;
    // the same searches with it on say what it would cost (decision 0007).
    std::vector<double> securedSearchMs;
    {
        auto db = Database::open(Store::databaseFiles(keyedDir.path()).constFirst(), key, Database::OpenMode::Existing);
        if (!db || !db->exec("PRAGMA cipher_memory_security = ON").ok()) {
            *error = u"Cannot switch cipher_memory_security on."_s;
            return {};
        }
        auto store = Store::open(keyedDir.path(), key);
        if (!store) {
            *error = store.error().message;
            return {};
        }
        qint64 securedHits = 0;
        securedSearchMs = timeSearches(**store, queries, error, &securedHits);
        if (!error->isEmpty())
            return {};
        (void)db->exec("PRAGMA cipher_memory_security = OFF");
    }

    QString kdfHow;
    const double kdfMs = kdfMilliseconds(&kdfHow);
    progress(u"  kdf: %1 ms (%2)"_s.arg(kdfMs, 0, 'f', 0).arg(kdfHow));
    progress(u"  search keyed p50/p95/max: %1 / %2 / %3 ms (%4 hits, %7 page cache misses); plain p50/p95: %5 / %6 ms"_s
                 .arg(percentile(searchMs, 0.5), 0, 'f', 2)
                 .arg(percentile(searchMs, 0.95), 0, 'f', 2)
                 .arg(percentile(searchMs, 1.0), 0, 'f', 2)
                 .arg(keyedHits)
                 .arg(percentile(plainSearchMs, 0.5), 0, 'f', 2)
                 .arg(percentile(plainSearchMs, 0.95), 0, 'f', 2)
                 .arg(keyedMisses));
    progress(u"  open: median %1 ms, max %2 ms"_s.arg(percentile(openMs, 0.5), 0, 'f', 2).arg(percentile(openMs, 1.0), 0, 'f', 2));

    // The slowest queries name where p95 goes.
    std::vector<std::pair<double, QString>> slow;
    for (size_t i = 0; i < searchMs.size(); ++i)
        slow.emplace_back(searchMs[i], queries.at(qsizetype(i)));
    std::sort(slow.begin(), slow.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    QStringList slowest;
    for (size_t i = 0; i < std::min<size_t>(8, slow.size()); ++i)
        slowest << u"\"%1\" %2 ms"_s.arg(slow[i].second).arg(slow[i].first, 0, 'f', 1);
    progress(u"  slowest queries: "_s + slowest.join(u", "_s));

    return QJsonObject{
        {u"records"_s, options.records},
        {u"queries"_s, options.queries},
        {u"insert_100k_s"_s, rounded(keyedSeconds)},
        {u"insert_100k_plain_s"_s, rounded(plainSeconds)},
        {u"insert_ratio"_s, rounded(keyedSeconds / plainSeconds)},
        {u"search_p50_ms"_s, rounded(percentile(searchMs, 0.5))},
        {u"search_p95_ms"_s, rounded(percentile(searchMs, 0.95))},
        {u"search_page_cache_misses"_s, keyedMisses},
        {u"open_ms"_s, rounded(percentile(openMs, 0.5))},
        {u"kdf_ms"_s, rounded(kdfMs, 1)},
        {u"sqlcipher_version"_s, version},
        {u"cipher_memory_security"_s, memorySecurity},
        {u"search_p50_memory_security_ms"_s, rounded(percentile(securedSearchMs, 0.5))},
        {u"search_p95_memory_security_ms"_s, rounded(percentile(securedSearchMs, 0.95))},
        {u"search_plain_p95_ms"_s, rounded(percentile(plainSearchMs, 0.95))},
    };
}

QJsonObject runApplyBench(const ApplyBenchOptions &options, QString *error)
{
    Generator generator(options.seed);
    QList<QList<RemoteChange>> pages;
    const QString hlc = u"2026-11-28T10:00:00.000Z-0000-0123456789abcdef0123456789abcdef"_s;
    for (int first = 0; first < options.records; first += options.page) {
        QList<RemoteChange> page;
        for (int i = first; i < std::min(options.records, first + options.page); ++i) {
            RemoteChange change;
            change.entity = Entity::Insight;
            change.id = newRecordId();
            change.hlc = hlc;
            change.fields = generator.insight();
            change.fields.insert(u"published"_s, true);
            for (auto it = change.fields.begin(); it != change.fields.end(); ++it)
                change.fieldHlcs.insert(it.key(), hlc);
            page << change;
        }
        pages << page;
    }
    QTemporaryDir dir;
    if (!dir.isValid()) {
        *error = u"Cannot create a temporary directory."_s;
        return {};
    }
    auto store = Store::create(dir.path(), SecureBuffer::random(32));
    if (!store) {
        *error = store.error().message;
        return {};
    }
    const auto cpuSeconds = [] {
        rusage usage {};
        getrusage(RUSAGE_SELF, &usage);
        return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    };
    QElapsedTimer timer;
    timer.start();
    const double cpuBefore = cpuSeconds();
    for (qsizetype i = 0; i < pages.size(); ++i) {
        auto applied = (*store)->applyPull(pages.at(i), u"cursor-%1"_s.arg(i), -1);
        if (!applied) {
            *error = applied.error().message;
            return {};
        }
    }
    (*store)->waitForCheckpoints(); // the work the pull left to the background thread counts
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    const double cpu = cpuSeconds() - cpuBefore;
    const qint64 walBytes = QFileInfo(Store::databaseFiles(dir.path()).at(1)).size();
    return QJsonObject {
        {u"records"_s, options.records},
        {u"page"_s, options.page},
        {u"apply_s"_s, rounded(seconds)},
        {u"apply_records_per_s"_s, rounded(options.records / seconds, 0)},
        {u"cpu_s"_s, rounded(cpu)},
        {u"wal_mb_at_end"_s, rounded(double(walBytes) / 1e6, 1)},
        {u"checkpoints_in_background"_s, (*store)->checkpointsInBackground()},
    };
}

} // namespace fieldnotes::bench
