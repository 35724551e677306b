#include "appbench.h"

#include "appsettings.h"
#include "appsetup.h"
#include "conversationlistmodel.h"
#include "firstframereporter.h"
#include "session.h"
#include "synccontroller.h"

#include "base/securebuffer.h"
#include "crypto/keyvault.h"
#include "platform/keystore.h"
#include "platform/keystoreblocking.h"
#include "platform/networkmonitor.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QRandomGenerator>
#include <QTest>
#include <QThread>
#include <QtQml/QQmlExtensionPlugin>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::bench {

namespace {

// The generated store's passphrase: benchmark data, nothing secret in it.
constexpr const char *kPassphrase = "fieldnotes app bench passphrase";
constexpr int kBatch = 1000; // records per putMany transaction

qint64 steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void progress(const QString &line)
{
    std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto rank = size_t(std::ceil(p * double(values.size()))); // nearest rank
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

double rounded(double value, int decimals = 1)
{
    const double scale = std::pow(10.0, decimals);
    return std::round(value * scale) / scale;
}

QString loadAverage()
{
    QFile file(u"/proc/loadavg"_s);
    if (!file.open(QIODevice::ReadOnly))
        return QString();
    return QString::fromLatin1(file.readAll().trimmed());
}

/// VmHWM (peak resident set) of a process in KiB, from /proc; -1 when it cannot be read.
qint64 peakRssKib(qint64 pid)
{
    QFile file(pid > 0 ? u"/proc/%1/status"_s.arg(pid) : u"/proc/self/status"_s);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

// ---- the generated store ----

// clang-format off (word lists, one screen wide)
constexpr const char *kWords[] = {
    "customer",
    "team",
    "pricing",
    "onboarding",
    "export",
    "report",
    "dashboard",
    "integration",
    "contract",
    "renewal",
    "support",
    "feature",
    "workflow",
    "budget",
    "manager",
    "sales",
    "marketing",
    "product",
    "roadmap",
    "feedback",
    "meeting",
    "demo",
    "trial",
    "license",
    "invoice",
    "billing",
    "security",
    "compliance",
    "audit",
    "migration",
    "spreadsheet",
    "approval",
    "deadline",
    "quarter",
    "forecast",
    "pipeline",
    "partner",
    "vendor",
    "competitor",
    "alternative",
    "switching",
    "churn",
    "retention",
    "adoption",
    "usage",
    "training",
    "documentation",
    "webinar",
    "conference",
    "survey",
    "interview",
    "quote",
    "proposal",
    "discount",
    "negotiation",
    "procurement",
    "legal",
    "deployment",
    "installation",
    "configuration",
    "permissions",
    "roles",
    "admin",
    "login",
    "authentication",
    "sso",
    "api",
    "webhook",
    "sync",
    "offline",
    "mobile",
    "tablet",
    "notification",
    "email",
    "calendar",
    "reminder",
    "search",
    "filter",
    "tags",
    "notes",
    "recording",
    "transcript",
    "translation",
    "timezone",
    "latency",
    "performance",
    "crash",
    "outage",
    "backup",
    "storage",
    "upload",
    "attachment",
    "photo",
    "scanner",
    "barcode",
    "warehouse",
    "inventory",
    "shipping",
    "delivery",
    "logistics",
    "fleet",
    "driver",
    "route",
    "factory",
    "maintenance",
    "inspection",
    "checklist",
    "safety",
    "incident",
    "ticket",
    "escalation",
    "priority",
    "satisfaction",
    "rating",
    "review",
    "referral",
    "champion",
    "sponsor",
    "executive",
    "engineer",
    "analyst",
    "consultant",
    "reseller",
    "hospital",
    "school",
    "insurance",
    "energy",
    "utility",
    "government",
    "enterprise",
    "expansion",
    "hiring",
    "merger",
    "funding",
    "growth",
    "revenue",
    "margin",
    "savings",
    "efficiency",
    "automation",
    "paper",
    "legacy",
    "excel",
    "salesforce",
    "hubspot",
    "privacy",
    "gdpr",
    "consent",
    "encryption",
    "network",
    "coverage",
    "rural",
    "remote",
    "technician",
    "visit",
    "appointment",
    "schedule",
    "dispatch",
    "tracking",
    "analytics",
    "kpi",
    "quota",
    "pilot",
    "rollout",
    "release",
    "upgrade",
    "cancellation",
    "refund",
    "complaint",
    "frustration",
    "reliability",
    "accessibility",
    "keyboard",
    "template",
    "import",
    "duplicate",
    "history",
    "archive",
};
constexpr const char *kFiller[] = {
    "the",
    "and",
    "of",
    "to",
    "a",
    "in",
    "for",
    "is",
    "that",
    "with",
    "on",
    "they",
    "we",
    "it",
    "was",
    "their",
    "our",
    "but",
    "not",
    "more",
    "when",
    "about",
    "because",
    "still",
    "very",
    "too",
    "every",
    "need",
    "want",
    "said",
};
constexpr const char *kNamePrefixes[]
    = {"Nord", "Alpen", "Blue", "Rhein", "Summit", "Harbor", "Granite", "Cedar", "Polar", "Meridian", "Atlas", "Orbit",
        "Keystone", "Silver", "Northwind", "Lakeside", "Redwood", "Falcon", "Beacon", "Vista"};
constexpr const char *kNameNouns[]
    = {"Logistics", "Energy", "Clinics", "Bank", "Foods", "Retail", "Machines", "Insurance", "Telecom", "Pharma"};
constexpr const char *kSegments[] = {"enterprise", "midmarket", "smb", "public sector"};
constexpr const char *kChannels[] = {"in_person", "phone", "video", "event", "other"};
constexpr const char *kKinds[] = {"need", "pain", "delight", "value", "competitor", "trend", "request"};
constexpr const char *kFirstNames[] = {"Anna", "Ben", "Chiara", "David", "Elif", "Femi", "Greta", "Hiro", "Ines",
    "Jonas", "Kira", "Luis", "Maya", "Noah", "Olga", "Pavel"};
constexpr const char *kLastNames[] = {"Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito",
    "Jansen", "Kowalski", "Lopez", "Meyer", "Novak", "Okafor", "Peters", "Rossi"};
// clang-format on

template<typename T, size_t N> QString pick(QRandomGenerator &random, const T (&list)[N])
{
    return QString::fromLatin1(list[random.bounded(int(N))]);
}

/** Text as people write it in notes: a few common words, many rare ones (Zipf, s = 1), fillers between them. */
class TextGenerator
{
public:
    explicit TextGenerator(quint32 seed)
        : m_random(seed)
    {
        double sum = 0;
        for (size_t i = 0; i < std::size(kWords); ++i)
            m_cumulative.push_back(sum += 1.0 / double(i + 1));
        for (double &c : m_cumulative)
            c /= sum;
    }

    QRandomGenerator &random() { return m_random; }

    QString word()
    {
        if (m_random.bounded(100) >= 55)
            return pick(m_random, kFiller);
        const auto it = std::lower_bound(m_cumulative.begin(), m_cumulative.end(), m_random.generateDouble());
        return QString::fromLatin1(kWords[std::min<size_t>(size_t(it - m_cumulative.begin()), std::size(kWords) - 1)]);
    }

    QString words(int minWords, int maxWords)
    {
        const int count = minWords + int(m_random.bounded(maxWords - minWords + 1));
        QString text;
        for (int i = 0; i < count; ++i)
            text += (i ? u" "_s : QString()) + word();
        text[0] = text[0].toUpper();
        return text;
    }

    /// Sentences until at least `minChars`, cut at a word boundary before `maxChars`.
    QString text(int minChars, int maxChars, QStringView paragraphBreak = {})
    {
        const int target = minChars + int(m_random.bounded(maxChars - minChars + 1));
        QString out;
        while (out.size() < target) {
            if (!out.isEmpty())
                out += (!paragraphBreak.isEmpty() && m_random.bounded(5) == 0) ? paragraphBreak.toString() : u" "_s;
            out += words(6, 20) + u'.';
        }
        if (out.size() > maxChars) {
            out.truncate(maxChars - 1);
            out.truncate(std::max<qsizetype>(minChars, out.lastIndexOf(u' ')));
            out += u'.';
        }
        return out;
    }

private:
    QRandomGenerator m_random;
    std::vector<double> m_cumulative;
};

QJsonObject generationParams(const AppBenchOptions &options)
{
    return {{u"insights"_s, options.insights}, {u"conversations"_s, options.conversations},
        {u"accounts"_s, options.accounts}, {u"tags"_s, options.tags}, {u"seed"_s, qint64(options.seed)},
        {u"generator"_s, 1}};
}

/// putMany in one transaction, then acknowledges the outbox as a server would: the store looks synced.
Result<QStringList> putSynced(Store &store, const QList<Store::PutItem> &items)
{
    auto ids = store.putMany(items);
    if (!ids)
        return ids.error();
    for (;;) {
        auto pending = store.pendingMutations(5000);
        if (!pending)
            return pending.error();
        if (pending->isEmpty())
            break;
        QList<PushAck> acks;
        for (const OutboxEntry &entry : std::as_const(*pending))
            acks << PushAck {entry.mutationId, PushAck::Status::Applied, {}, {}};
        if (auto r = store.acknowledge(acks); !r)
            return r.error();
    }
    return ids;
}

Result<QStringList> putAllSynced(Store &store, const QList<Store::PutItem> &items, const QString &what)
{
    QStringList ids;
    for (qsizetype at = 0; at < items.size(); at += kBatch) {
        auto batch = putSynced(store, items.mid(at, kBatch));
        if (!batch)
            return batch.error();
        ids += *batch;
        if (!what.isEmpty() && (at / kBatch) % 10 == 9)
            progress(u"  %1: %2 of %3"_s.arg(what).arg(ids.size()).arg(items.size()));
    }
    return ids;
}

Result<void> generateStore(const AppBenchOptions &options, const QString &dir)
{
    ensureSodiumInitialized();
    auto key
        = StoreDirectory::initialize(dir, SecureBuffer::fromByteArray(QByteArray(kPassphrase)), KdfParams::standard());
    if (!key)
        return key.error();
    auto opened = Store::open(dir, *key);
    if (!opened)
        return opened.error();
    Store &store = **opened;
    TextGenerator gen(options.seed);
    QRandomGenerator &random = gen.random();

    // One interview guide, so the app does not write its default one on the first start.
    QList<Store::PutItem> items {{Entity::Guide, {},
        {{u"title"_s, u"Open interview"_s}, {u"questions"_s, QJsonArray {u"What do you need?"_s}}}}};
    if (auto r = putSynced(store, items); !r)
        return r.error();

    items.clear();
    for (int i = 0; i < options.tags; ++i) {
        items << Store::PutItem {Entity::Tag, {},
            {{u"name"_s, u"%1-%2"_s.arg(QString::fromLatin1(kWords[i % int(std::size(kWords))])).arg(i)},
                {u"color"_s, u"#%1"_s.arg(random.bounded(0x1000000), 6, 16, QChar(u'0')).toUpper()}}};
    }
    auto tagIds = putAllSynced(store, items, u"tags"_s);
    if (!tagIds)
        return tagIds.error();

    items.clear();
    QStringList domains;
    for (int i = 0; i < options.accounts; ++i) {
        const int prefixes = int(std::size(kNamePrefixes));
        const int nouns = int(std::size(kNameNouns));
        QString name = QString::fromLatin1(kNamePrefixes[i % prefixes]) + u' '
            + QString::fromLatin1(kNameNouns[(i / prefixes) % nouns]);
        if (i >= prefixes * nouns)
            name += u" %1"_s.arg(i / (prefixes * nouns) + 1);
        const QString domain = name.toLower().replace(u' ', u'-') + u".example.com"_s;
        domains << domain;
        items << Store::PutItem {Entity::Account, {},
            {{u"name"_s, name}, {u"domain"_s, domain}, {u"segment"_s, pick(random, kSegments)},
                {u"owner_email"_s, u"owner%1@fieldnotes.example.com"_s.arg(i % 15)}}};
    }
    auto accountIds = putAllSynced(store, items, u"accounts"_s);
    if (!accountIds)
        return accountIds.error();

    items.clear();
    for (int i = 0; i < options.accounts * 2; ++i) {
        const QString first = pick(random, kFirstNames);
        const QString last = pick(random, kLastNames);
        items << Store::PutItem {Entity::Contact, {},
            {{u"account_id"_s, accountIds->at(i / 2)}, {u"name"_s, first + u' ' + last}, {u"title"_s, gen.words(1, 3)},
                {u"email"_s, (first + u'.' + last).toLower() + u'@' + domains.at(i / 2)}}};
    }
    auto contactIds = putAllSynced(store, items, u"contacts"_s);
    if (!contactIds)
        return contactIds.error();

    // Conversations over the last three years, each with a few KB of notes.
    items.clear();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<int> accountOf;
    for (int i = 0; i < options.conversations; ++i) {
        const int account = int(random.bounded(options.accounts));
        accountOf << account;
        const QDateTime at = now.addSecs(-qint64(random.bounded(3 * 365 * 24 * 3600)));
        items << Store::PutItem {Entity::Conversation, {},
            {{u"account_id"_s, accountIds->at(account)},
                {u"contact_ids"_s, QJsonArray {contactIds->at(account * 2 + int(random.bounded(2)))}},
                {u"title"_s, gen.words(3, 8)}, {u"occurred_at"_s, at.toString(u"yyyy-MM-ddTHH:mm:ssZ"_s)},
                {u"channel"_s, pick(random, kChannels)}, {u"consent"_s, true},
                {u"notes"_s, gen.text(1000, 4000, u"\n\n")},
                {u"status"_s, random.bounded(10) == 0 ? u"draft"_s : u"final"_s}}};
    }
    auto conversationIds = putAllSynced(store, items, u"conversations"_s);
    if (!conversationIds)
        return conversationIds.error();

    items.clear();
    for (int i = 0; i < options.insights; ++i) {
        const int conversation = int(random.bounded(options.conversations));
        QJsonArray tags;
        for (int t = int(random.bounded(4)); t > 0; --t) {
            const QString tag = tagIds->at(int(random.bounded(options.tags)));
            if (!tags.contains(tag))
                tags << tag;
        }
        QJsonObject fields {{u"conversation_id"_s, conversationIds->at(conversation)},
            {u"account_id"_s, accountIds->at(accountOf.at(conversation))}, {u"kind"_s, pick(random, kKinds)},
            {u"text"_s, gen.text(200, 500)}, {u"importance"_s, 1 + int(random.bounded(5))}, {u"tags"_s, tags},
            {u"published"_s, random.bounded(2) == 0}};
        if (random.bounded(10) < 6)
            fields.insert(u"quote"_s, u"\u201C"_s + gen.text(40, 160) + u"\u201D"_s);
        items << Store::PutItem {Entity::Insight, {}, fields};
        if (items.size() == 10 * kBatch || i + 1 == options.insights) {
            if (auto r = putAllSynced(store, items, QString()); !r)
                return r.error();
            progress(u"  insights: %1 of %2"_s.arg(i + 1).arg(options.insights));
            items.clear();
        }
    }
    return {};
}

/// The cached store in `cacheDir/store`, generated unless it exists with the same parameters.
Result<QJsonObject> ensureStore(const AppBenchOptions &options)
{
    const QDir cache(options.cacheDir);
    const QString storeDir = cache.filePath(u"store"_s);
    const QString paramsPath = cache.filePath(u"params.json"_s);
    const QJsonObject wanted = generationParams(options);
    QFile paramsFile(paramsPath);
    bool reuse = !options.regenerate && StoreDirectory::exists(storeDir) && paramsFile.open(QIODevice::ReadOnly)
        && QJsonDocument(QJsonDocument::fromJson(paramsFile.readAll()).object()).toJson()
            == QJsonDocument(wanted).toJson();
    paramsFile.close();
    double seconds = 0;
    if (!reuse) {
        if (!QDir().mkpath(options.cacheDir))
            return makeError(ErrorCode::Io, u"Cannot create %1."_s.arg(options.cacheDir));
        QFile::remove(paramsPath);
        if (QFileInfo::exists(storeDir) && !QDir(storeDir).removeRecursively())
            return makeError(ErrorCode::Io, u"Cannot remove the old store in %1."_s.arg(storeDir));
        progress(u"app bench: generating %1 insights, %2 conversations, %3 accounts in %4 (once; --regenerate to "
                 u"redo)"_s.arg(options.insights)
                     .arg(options.conversations)
                     .arg(options.accounts)
                     .arg(storeDir));
        QElapsedTimer timer;
        timer.start();
        if (auto r = generateStore(options, storeDir); !r)
            return r.error();
        seconds = double(timer.elapsed()) / 1000;
        if (!paramsFile.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return makeError(ErrorCode::Io, u"Cannot write %1."_s.arg(paramsPath));
        paramsFile.write(QJsonDocument(wanted).toJson());
        progress(u"app bench: generated in %1 s"_s.arg(seconds, 0, 'f', 1));
    }
    qint64 bytes = 0;
    for (const QString &file : Store::databaseFiles(storeDir))
        bytes += QFileInfo(file).size();
    QJsonObject info = wanted;
    info.remove(u"generator"_s);
    info.insert(u"db_mb"_s, rounded(double(bytes) / (1024 * 1024)));
    info.insert(u"generated_now"_s, !reuse);
    if (!reuse)
        info.insert(u"generate_s"_s, rounded(seconds));
    return info;
}

// ---- the processes ----

/** An X server for `--platform xcb`, on a display number nobody uses. */
class Xvfb
{
public:
    ~Xvfb()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            m_process.waitForFinished(3000);
        }
    }
    Result<QString> start()
    {
        for (int display = 90 + int(QCoreApplication::applicationPid() % 50); display < 200; ++display) {
            if (QFileInfo::exists(u"/tmp/.X11-unix/X%1"_s.arg(display))
                || QFileInfo::exists(u"/tmp/.X%1-lock"_s.arg(display)))
                continue;
            m_process.start(
                u"Xvfb"_s, {u":%1"_s.arg(display), u"-screen"_s, u"0"_s, u"1920x1200x24"_s, u"-nolisten"_s, u"tcp"_s});
            if (!m_process.waitForStarted(5000))
                return makeError(ErrorCode::Unavailable, u"Xvfb does not start."_s);
            for (int i = 0; i < 100 && !QFileInfo::exists(u"/tmp/.X11-unix/X%1"_s.arg(display)); ++i)
                QThread::msleep(50);
            if (m_process.state() == QProcess::Running)
                return u":%1"_s.arg(display);
        }
        return makeError(ErrorCode::Unavailable, u"No free X display for Xvfb."_s);
    }

private:
    QProcess m_process;
};

struct StartRun
{
    double firstFrameMs = 0;
    int rows = 0;
    qint64 peakRssKib = 0;
};

void stop(QProcess &process)
{
    process.terminate();
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

/// One start of the real app: from fork to the first frame swapped with the conversations list filled.
Result<StartRun> timeStart(
    const AppBenchOptions &options, const QString &storeDir, const QProcessEnvironment &environment)
{
    QProcess app;
    app.setProcessEnvironment(environment);
    app.setProgram(options.appProgram);
    app.setArguments({u"--data-dir"_s, storeDir, u"--report-first-frame"_s});
    const qint64 startNs = steadyNs();
    app.start(QIODevice::ReadOnly);
    if (!app.waitForStarted(10000))
        return makeError(ErrorCode::Unavailable, u"%1 does not start."_s.arg(options.appProgram));
    QElapsedTimer deadline;
    deadline.start();
    std::optional<app::FirstFrameReporter::Line> line;
    while (!line && deadline.elapsed() < 60000 && app.state() == QProcess::Running) {
        if (!app.canReadLine() && !app.waitForReadyRead(1000))
            continue;
        while (app.canReadLine() && !line)
            line = app::FirstFrameReporter::parseLine(app.readLine());
    }
    StartRun run;
    run.peakRssKib = peakRssKib(app.processId());
    if (!line) {
        const QByteArray errors = app.readAllStandardError();
        stop(app);
        return makeError(ErrorCode::Unavailable,
            u"The app showed no conversations within 60 s; its stderr: %1"_s.arg(
                QString::fromLocal8Bit(errors.right(2000))));
    }
    stop(app);
    run.firstFrameMs = double(line->swappedNs - startNs) / 1e6;
    run.rows = line->rows;
    return run;
}

QJsonObject summary(const std::vector<double> &values, const QString &prefix)
{
    return {{prefix + u"_p50_ms"_s, rounded(percentile(values, 0.5))},
        {prefix + u"_p95_ms"_s, rounded(percentile(values, 0.95))},
        {prefix + u"_max_ms"_s, rounded(values.empty() ? 0 : *std::max_element(values.begin(), values.end()))}};
}

} // namespace

QJsonObject runAppBench(const AppBenchOptions &options, QString *error)
{
    if (qEnvironmentVariable("FIELDNOTES_TEST_KEYRING") != u"1"_s) {
        *error = u"run it inside tests/platform/with-keyring.sh: it writes the store's key to the OS keystore, which "
                 u"must be that private one."_s;
        return {};
    }
    QJsonObject result {{u"load_at_start"_s, loadAverage()}, {u"platform"_s, options.platform}};
    auto storeInfo = ensureStore(options);
    if (!storeInfo) {
        *error = storeInfo.error().message;
        return {};
    }
    result.insert(u"store"_s, *storeInfo);
    const QString storeDir = QDir(options.cacheDir).filePath(u"store"_s);

    // The key into the keystore, where the app finds it: Argon2id runs here, once, outside every timing.
    {
        auto vault = KeyVault::load(storeDir);
        if (!vault) {
            *error = vault.error().message;
            return {};
        }
        auto key = vault->unlock(SecureBuffer::fromByteArray(QByteArray(kPassphrase)));
        if (!key) {
            *error = key.error().message;
            return {};
        }
        std::unique_ptr<KeyStore> keyStore = createPlatformKeyStore();
        if (auto r = writeSecretBlocking(*keyStore, StoreDirectory::keystoreEntry(storeDir), *key); !r) {
            *error = u"keystore: "_s + r.error().message;
            return {};
        }
        if (auto r = StoreDirectory::setRememberedInKeystore(storeDir, true); !r) {
            *error = r.error().message;
            return {};
        }
    }

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"QT_QPA_PLATFORM"_s, options.platform);
    Xvfb xvfb;
    if (options.platform == u"xcb"_s) {
        auto display = xvfb.start();
        if (!display) {
            *error = display.error().message;
            return {};
        }
        environment.insert(u"DISPLAY"_s, *display);
    }

    // Start to first frame: one untimed start (page cache, fontconfig cache), then the timed ones.
    std::vector<double> firstFrames;
    qint64 startPeakKib = 0;
    int rows = 0;
    for (int i = 0; i <= options.runs; ++i) {
        auto run = timeStart(options, storeDir, environment);
        if (!run) {
            *error = run.error().message;
            return {};
        }
        progress(u"app bench: start %1: first frame after %2 ms (%3 rows), VmHWM %4 MiB%5"_s.arg(i)
                     .arg(run->firstFrameMs, 0, 'f', 1)
                     .arg(run->rows)
                     .arg(double(run->peakRssKib) / 1024, 0, 'f', 1)
                     .arg(i == 0 ? u" (untimed)"_s : QString()));
        if (i == 0)
            continue;
        firstFrames.push_back(run->firstFrameMs);
        startPeakKib = std::max(startPeakKib, run->peakRssKib);
        rows = run->rows;
    }
    result.insert(u"first_frame_ms"_s, rounded(percentile(firstFrames, 0.5)));
    result.insert(u"first_frame_min_ms"_s, rounded(*std::min_element(firstFrames.begin(), firstFrames.end())));
    result.insert(u"first_frame_max_ms"_s, rounded(*std::max_element(firstFrames.begin(), firstFrames.end())));
    result.insert(u"first_frame_runs"_s, int(firstFrames.size()));
    result.insert(u"first_frame_rows"_s, rows);
    result.insert(u"peak_rss_start_mb"_s, rounded(double(startPeakKib) / 1024));

    // Search as you type: the real page in a child that composes the app as main() does.
    QProcess child;
    child.setProcessEnvironment(environment);
    child.start(options.benchProgram,
        {u"app-ui"_s, u"--data-dir"_s, storeDir, u"--interval-ms"_s, QString::number(options.typingIntervalMs),
            u"--queries"_s, options.queries.join(u'|')});
    if (!child.waitForStarted(10000) || !child.waitForFinished(600000) || child.exitCode() != 0) {
        *error = u"the search child failed: "_s + QString::fromLocal8Bit(child.readAllStandardError().right(3000));
        stop(child);
        return {};
    }
    std::fputs(child.readAllStandardError().constData(), stderr);
    const QJsonObject ui = QJsonDocument::fromJson(child.readAllStandardOutput()).object();
    if (ui.isEmpty()) {
        *error = u"the search child printed no result."_s;
        return {};
    }
    std::vector<double> toFrame;
    std::vector<double> toModel;
    std::vector<double> inStore;
    for (const QJsonValue &key : ui.value(u"keystrokes"_s).toArray()) {
        toFrame.push_back(key.toObject().value(u"frame_ms"_s).toDouble());
        toModel.push_back(key.toObject().value(u"model_ms"_s).toDouble());
        inStore.push_back(key.toObject().value(u"store_ms"_s).toDouble());
    }
    const QJsonObject frame = summary(toFrame, u"search_keystroke"_s);
    for (auto it = frame.begin(); it != frame.end(); ++it)
        result.insert(it.key(), it.value());
    const QJsonObject model = summary(toModel, u"search_model"_s);
    for (auto it = model.begin(); it != model.end(); ++it)
        result.insert(it.key(), it.value());
    const QJsonObject store = summary(inStore, u"search_store"_s);
    for (auto it = store.begin(); it != store.end(); ++it)
        result.insert(it.key(), it.value());
    result.insert(u"search_keystrokes"_s, int(toFrame.size()));
    result.insert(u"search_queries"_s, QJsonArray::fromStringList(options.queries));
    result.insert(u"search_per_keystroke"_s, ui.value(u"keystrokes"_s));
    const double searchPeakMb = ui.value(u"peak_rss_kib"_s).toDouble() / 1024;
    result.insert(u"peak_rss_search_mb"_s, rounded(searchPeakMb));
    result.insert(u"peak_rss_mb"_s, rounded(std::max(searchPeakMb, double(startPeakKib) / 1024)));
    result.insert(u"search_child_first_frame_ms"_s, ui.value(u"first_frame_ms"_s));
    result.insert(u"budgets"_s,
        QJsonObject {{u"first_frame_ms"_s, 600}, {u"search_keystroke_p95_ms"_s, 50}, {u"peak_rss_mb"_s, 200}});
    result.insert(u"load_at_end"_s, loadAverage());
    return result;
}

// ---- the search child ----

int runAppUi(int argc, char *argv[])
{
    const qint64 startNs = steadyNs();
    disableCoreDumps();
    QGuiApplication application(argc, argv);
    QCoreApplication::setOrganizationName(u"Fieldnotes"_s); // as main(): the same settings and keystore names
    QCoreApplication::setApplicationName(u"fieldnotes"_s);
    QCommandLineParser parser;
    const QCommandLineOption dataDir(u"data-dir"_s, u"The store."_s, u"DIR"_s);
    const QCommandLineOption queries(u"queries"_s, u"Queries, separated by |."_s, u"Q"_s);
    const QCommandLineOption interval(u"interval-ms"_s, u"Pause between keystrokes."_s, u"MS"_s, u"150"_s);
    parser.addOptions({dataDir, queries, interval});
    QStringList arguments = QCoreApplication::arguments();
    arguments.removeAt(1); // "app-ui"
    parser.process(arguments);
    const int pauseMs = parser.value(interval).toInt();
    const auto fail = [](const QString &message) {
        std::fprintf(stderr, "app-ui: %s\n", message.toLocal8Bit().constData());
        return 1;
    };

    // What main() composes, in the same order.
    std::unique_ptr<KeyStore> keyStore = createPlatformKeyStore();
    app::AppSettings settings;
    app::Session session(parser.value(dataDir), keyStore.get());
    app::AppSetup::useMaterialStyle();
    NetworkMonitor network;
    app::SyncController sync(&session, keyStore.get(), &network);
    app::AppSetup::registerSingletons(&session, &settings, &sync);
    QQmlApplicationEngine engine;
    app::AppSetup::configureEngine(engine);
    engine.load(QUrl(u"qrc:/qt/qml/Fieldnotes/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return fail(u"Main.qml did not load."_s);
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (!window)
        return fail(u"Main.qml has no window."_s);
    qint64 firstFrameNs = 0;
    app::FirstFrameReporter reporter(window, u"conversationList"_s, [&](qint64 ns, int) { firstFrameNs = ns; });
    if (session.state() == app::Session::State::Locked && session.remembered())
        session.unlockWithKeystore();
    if (!QTest::qWaitFor([&] { return firstFrameNs != 0; }, 60000))
        return fail(u"no conversations on screen within 60 s: "_s + session.errorMessage());

    // QTest::keyClick() processes events after the press: a frame may be rendered, with the new result, before it
    // returns. So the times are taken where they happen: when the model holds the result for the text typed (it
    // emits searchTextChanged() after its rows are updated), and the first frame swapped after that.
    std::atomic<qint64> modelNs = 0;
    std::atomic<qint64> swapNs = 0;
    QObject::connect(
        window, &QQuickWindow::frameSwapped, window,
        [&] {
            if (modelNs.load() != 0 && swapNs.load() == 0)
                swapNs.store(steadyNs());
        },
        Qt::DirectConnection);
    auto *root = window->contentItem();
    QQuickItem *field = nullptr;
    QQuickItem *list = nullptr;
    std::function<void(QQuickItem *)> walk = [&](QQuickItem *item) {
        if (item->objectName() == u"conversationSearchField"_s)
            field = item;
        else if (item->objectName() == u"conversationList"_s)
            list = item;
        for (QQuickItem *child : item->childItems())
            walk(child);
    };
    walk(root);
    auto *model
        = list ? qobject_cast<app::ConversationListModel *>(list->property("model").value<QObject *>()) : nullptr;
    if (!field || !model)
        return fail(u"no conversationSearchField or ConversationListModel in the page."_s);
    QString typed;
    QObject::connect(model, &app::ConversationListModel::searchTextChanged, model, [&] {
        if (model->searchText() == typed && modelNs.load() == 0)
            modelNs.store(steadyNs());
    });
    window->requestActivate();
    field->forceActiveFocus();
    if (!QTest::qWaitFor([&] { return field->hasActiveFocus(); }, 5000))
        return fail(u"the search field does not take the focus."_s);

    QJsonArray keystrokes;
    for (const QString &query : parser.value(queries).split(u'|', Qt::SkipEmptyParts)) {
        typed.clear();
        field->setProperty("text", QString());
        QTest::qWait(pauseMs * 2);
        for (QChar c : query) {
            typed += c;
            modelNs.store(0);
            swapNs.store(0);
            const qint64 t0 = steadyNs();
            QTest::keyClick(window, c.toLatin1());
            // The page sets searchText from onTextChanged and the model reloads at once; wait if it did not.
            if (!QTest::qWaitFor([&] { return modelNs.load() != 0; }, 5000))
                return fail(u"the model did not get \"%1\"."_s.arg(typed));
            const qint64 t1 = modelNs.load();
            if (!QTest::qWaitFor([&] { return swapNs.load() != 0; }, 5000))
                return fail(u"no frame after \"%1\"."_s.arg(typed));
            const qint64 t2 = swapNs.load();
            // The store's share, the same two queries again (so with a warm cache): the rest is the page and model.
            const qint64 s0 = steadyNs();
            if (auto hits = session.store()->searchConversations(typed, app::ConversationListModel::kSearchLimit)) {
                Store::ConversationFilter byIds;
                byIds.ids = QStringList();
                for (const Store::ConversationHit &hit : std::as_const(*hits))
                    *byIds.ids << hit.conversationId;
                (void)session.store()->conversationSummaries(byIds);
            }
            const qint64 s1 = steadyNs();
            keystrokes << QJsonObject {{u"text"_s, typed}, {u"model_ms"_s, rounded(double(t1 - t0) / 1e6, 2)},
                {u"frame_ms"_s, rounded(double(t2 - t0) / 1e6, 2)}, {u"store_ms"_s, rounded(double(s1 - s0) / 1e6, 2)},
                {u"rows"_s, model->rowCount()}};
            std::fprintf(stderr, "app-ui: \"%s\": model %.1f ms, frame %.1f ms (store again: %.1f ms), %d rows\n",
                qPrintable(typed), double(t1 - t0) / 1e6, double(t2 - t0) / 1e6, double(s1 - s0) / 1e6,
                model->rowCount());
            QTest::qWait(pauseMs);
        }
    }
    const QJsonObject out {{u"keystrokes"_s, keystrokes},
        {u"first_frame_ms"_s, rounded(double(firstFrameNs - startNs) / 1e6)}, {u"peak_rss_kib"_s, peakRssKib(0)}};
    const QByteArray text = QJsonDocument(out).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fflush(stdout);
    session.lock();
    return 0;
}

} // namespace fieldnotes::bench
