// fieldnotes-bench sync: the sync engine's budgets (push 10k, fresh pull 100k, incremental 100) with the real engine
// in this process and the real fieldnotes-server (SQLite) on loopback, as a device would see them.

#include "syncbench.h"

#include "../sync/server/api/serverprocess.h"
#include "base/securebuffer.h"
#include "platform/memorykeystore.h"
#include "store/store.h"
#include "sync/client/syncengine.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::bench {

namespace {

void progress(const QString &text)
{
    std::fprintf(stderr, "%s\n", text.toLocal8Bit().constData());
}

/** One device: encrypted store in a temporary directory and the engine as the app configures it. */
struct Device
{
    QTemporaryDir dir;
    SecureBuffer key = SecureBuffer::random(32);
    std::unique_ptr<Store> store;
    MemoryKeyStore keys;
    std::unique_ptr<sync::SyncEngine> engine;

    QString open(quint16 port, const QString &email)
    {
        auto created = Store::create(dir.path(), key);
        if (!created)
            return created.error().message;
        store = std::move(*created);
        sync::SyncOptions options; // the app's defaults, without its timers
        options.automatic = false;
        options.maxAttempts = 1;
        engine = std::make_unique<sync::SyncEngine>(*store, keys, u"token"_s, options);
        engine->start();
        QEventLoop loop;
        QString error;
        engine->signIn(u"http://127.0.0.1:%1"_s.arg(port), email, e2e::kPassword.toUtf8(), u"bench"_s,
                       [&](Result<void> r) {
                           if (!r)
                               error = r.error().message;
                           loop.quit();
                       });
        loop.exec();
        return error;
    }

    double pushPhaseMs = -1; ///< of the last sync: until it started pulling (its push batches answered)

    /// One sync, timed in ms; -1 on failure.
    double sync()
    {
        QEventLoop loop;
        bool ok = false;
        auto connection = QObject::connect(engine.get(), &sync::SyncEngine::finished, &loop, [&](bool success) {
            ok = success;
            loop.quit();
        });
        QElapsedTimer timer;
        // A sync with something to push shows progress from 0 and clears it (-1) when it starts pulling.
        pushPhaseMs = -1;
        bool pushing = false;
        auto phase = QObject::connect(engine.get(), &sync::SyncEngine::progressChanged, &loop, [&] {
            if (engine->progress() >= 0)
                pushing = true;
            else if (pushing && pushPhaseMs < 0)
                pushPhaseMs = double(timer.nsecsElapsed()) / 1e6;
        });
        timer.start();
        engine->syncNow();
        loop.exec();
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        QObject::disconnect(connection);
        QObject::disconnect(phase);
        if (!ok)
            progress(u"sync failed: %1"_s.arg(engine->message()));
        return ok ? ms : -1;
    }
};

QString sentence(QRandomGenerator &random, int words)
{
    static const QStringList vocabulary{
        u"customer"_s, u"pricing"_s, u"workflow"_s, u"integration"_s, u"offline"_s, u"tablet"_s, u"renewal"_s,
        u"onboarding"_s, u"latency"_s, u"reporting"_s, u"compliance"_s, u"budget"_s, u"competitor"_s, u"roadmap"_s,
        u"procurement"_s, u"security"_s, u"support"_s, u"analytics"_s, u"export"_s, u"team"_s, u"market"_s};
    QStringList out;
    for (int i = 0; i < words; ++i)
        out << vocabulary.at(int(random.bounded(quint32(vocabulary.size()))));
    return out.join(u' ');
}

QList<Store::PutItem> insights(QRandomGenerator &random, int count, const QString &accountId)
{
    static const QStringList kinds{u"need"_s, u"pain"_s, u"delight"_s, u"value"_s, u"competitor"_s, u"trend"_s,
                                   u"request"_s};
    QList<Store::PutItem> items;
    items.reserve(count);
    for (int i = 0; i < count; ++i) {
        items << Store::PutItem{Entity::Insight, {},
                                {{u"kind"_s, kinds.at(i % kinds.size())},
                                 {u"text"_s, sentence(random, 20)},
                                 {u"quote"_s, sentence(random, 8)},
                                 {u"importance"_s, 1 + i % 5},
                                 {u"account_id"_s, accountId},
                                 {u"published"_s, i % 2 == 0}}};
    }
    return items;
}

bool putInBatches(Store &store, const QList<Store::PutItem> &items)
{
    for (qsizetype at = 0; at < items.size(); at += 1000) {
        if (!store.putMany(items.mid(at, 1000)))
            return false;
    }
    return true;
}

} // namespace

QJsonObject runSyncBench(const SyncBenchOptions &options, QString *error)
{
    e2e::Databases databases(u"syncbench"_s);
    QString why;
    const QString dbUrl = databases.fresh(u"sqlite"_s, &why);
    e2e::ServerProcess server(databases.dir().path());
    if (dbUrl.isEmpty() || !server.start(dbUrl)) {
        *error = why.isEmpty() ? server.error() : why;
        return {};
    }
    auto team = e2e::makeTeam(dbUrl, server.port(), u"Bench"_s, &why);
    if (!team) {
        *error = why;
        return {};
    }
    const QString email = team->emails.value(u"marketer"_s);
    QRandomGenerator random(20261128);

    // push_10k: one device pushes what it captured offline.
    Device writer;
    if (QString e = writer.open(server.port(), email); !e.isEmpty()) {
        *error = e;
        return {};
    }
    // A device in use: signed in and synced once (the app syncs at sign-in), then it captures offline.
    if (writer.sync() < 0) {
        *error = u"the writer's first sync failed"_s;
        return {};
    }
    const QString account = *writer.store->put(Entity::Account, {}, {{u"name"_s, u"Bench account"_s}});
    if (!putInBatches(*writer.store, insights(random, options.pushRecords, account))) {
        *error = u"cannot fill the writer's store"_s;
        return {};
    }
    progress(u"push: %1 mutations"_s.arg(options.pushRecords + 1));
    const double pushMs = writer.sync();
    if (pushMs < 0) {
        *error = u"the push failed"_s;
        return {};
    }
    const double pushPhaseMs = writer.pushPhaseMs;
    const sync::SyncReport pushReport = writer.engine->lastReport();

    // pull_100k: the server holds pullRecords records; a fresh device pulls all of them.
    const int more = options.pullRecords - options.pushRecords - 1;
    for (int done = 0; done < more; done += 10000) {
        if (!putInBatches(*writer.store, insights(random, std::min(10000, more - done), account))
            || writer.sync() < 0) {
            *error = u"cannot seed the server"_s;
            return {};
        }
        progress(u"seeded %1 of %2"_s.arg(options.pushRecords + 1 + done + std::min(10000, more - done))
                     .arg(options.pullRecords));
    }
    Device fresh;
    if (QString e = fresh.open(server.port(), email); !e.isEmpty()) {
        *error = e;
        return {};
    }
    progress(u"pull: a fresh device"_s);
    const double pullMs = fresh.sync();
    const int pulled = fresh.engine->lastReport().pulled;
    if (pullMs < 0 || pulled < options.pullRecords) {
        *error = u"the fresh pull failed or was short (%1 records)"_s.arg(pulled);
        return {};
    }
    // The engine indexes the search text of large pages after the sync (decision 0027), in steps of its event
    // loop: until then searches miss those records. search_ready_s is the pull plus that.
    const int backlogAfterPull = fresh.engine->searchBacklog();
    QElapsedTimer indexing;
    indexing.start();
    if (fresh.engine->searchBacklog() > 0) {
        QEventLoop loop;
        QObject::connect(fresh.engine.get(), &sync::SyncEngine::searchBacklogChanged, &loop, [&] {
            if (fresh.engine->searchBacklog() == 0)
                loop.quit();
        });
        loop.exec();
    }
    const double searchReadyMs = pullMs + double(indexing.nsecsElapsed()) / 1e6;
    if (*fresh.store->searchBacklogCount() != 0) {
        *error = u"the search backlog was not drained"_s;
        return {};
    }

    // incremental_100: the writer changes 100 records and syncs (push, then pull back to the end); the other
    // device then pulls those 100 changes.
    QList<double> incremental;
    QList<double> incrementalPull;
    auto ids = writer.store->list(Entity::Insight, ListQuery{{}, options.incremental * options.rounds, 0});
    for (int round = 0; round < options.rounds && ids; ++round) {
        QList<Store::PutItem> edits;
        for (int i = 0; i < options.incremental; ++i) {
            const Record &r = ids->at(round * options.incremental + i);
            edits << Store::PutItem{Entity::Insight, r.id, {{u"text"_s, sentence(random, 20)}}};
        }
        if (!writer.store->putMany(edits)) {
            *error = u"cannot edit"_s;
            return {};
        }
        incremental << writer.sync();
        incrementalPull << fresh.sync();
    }
    const auto median = [](QList<double> values) {
        std::sort(values.begin(), values.end());
        return values.isEmpty() ? -1.0 : values.at(values.size() / 2);
    };
    const double pullS = pullMs / 1000.0;
    return {{u"push_10k_s"_s, pushMs / 1000.0},
            {u"push_mutations"_s, options.pushRecords + 1},
            {u"push_phase_s"_s, pushPhaseMs / 1000.0},
            {u"push_batches"_s, pushReport.pushBatches},
            {u"push_batches_prepared"_s, pushReport.preparedSent},
            {u"push_batches_caught_up"_s, pushReport.pushesCaughtUp},
            {u"push_batches_sent_before_ack"_s, pushReport.sentBeforeAck},
            {u"push_pulled_back"_s, pushReport.pulled},
            {u"pull_100k_s"_s, pullS},
            {u"pull_records"_s, pulled},
            {u"pull_records_per_s"_s, pulled / pullS},
            {u"pull_search_backlog"_s, backlogAfterPull},
            {u"search_ready_s"_s, searchReadyMs / 1000.0},
            {u"incremental_100_ms"_s, median(incremental)},
            {u"incremental_pull_100_ms"_s, median(incrementalPull)},
            {u"incremental_rounds"_s, options.rounds},
            {u"server"_s, u"fieldnotes-server, SQLite, 127.0.0.1"_s},
            {u"budgets"_s, QJsonObject{{u"push_10k_s"_s, 0.5},
                                       {u"pull_records_per_s"_s, 30000},
                                       {u"incremental_100_ms"_s, 50}}}};
}

} // namespace fieldnotes::bench
