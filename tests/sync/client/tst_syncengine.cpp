// The real SyncEngine against the real fieldnotes-server process (SQLite), through the fault-injecting proxy.

#include "../server/api/serverprocess.h"
#include "faultproxy.h"
#include "syncdevice.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::e2e;
using namespace fieldnotes::test;
using Fault = FaultProxy::Fault;
using Status = sync::SyncEngine::Status;

Q_DECLARE_METATYPE(FaultProxy::Fault)

/** Tests the sync engine end to end: sign-in, push, pull, faults, the fail-safe, revocation, clocks. */
class TestSyncEngine : public QObject
{
    Q_OBJECT

private:
    Stacks m_stacks {u"syncengine"_s};
    Stack *m_stack = nullptr;
    std::unique_ptr<FaultProxy> m_proxy;

    /// A signed-in device of `role` in team A (or B), through the proxy unless `direct`.
    std::unique_ptr<SyncDevice> device(const QString &role = u"marketer"_s, bool direct = false,
                                       sync::SyncOptions options = SyncDevice::testOptions(),
                                       HlcClock::WallClock clock = {}, bool teamB = false)
    {
        auto d = std::make_unique<SyncDevice>();
        if (!d->open(std::move(options), std::move(clock)))
            return nullptr;
        const Team &team = teamB ? m_stack->b : m_stack->a;
        const QString error = d->signIn(direct ? m_stack->port() : m_proxy->port(), team.emails.value(role),
                                        kPassword);
        if (!error.isEmpty()) {
            qWarning("sign-in: %s", qPrintable(error));
            return nullptr;
        }
        return d;
    }

    static int count(SyncDevice &d, Entity entity) { return d.store->counts()->value(entity); }

    /// How many times the server stored the mutation `mutationId` (its applied_mutations rows); -1 if unreadable.
    int appliedOnServer(const QString &mutationId) const
    {
        const QString connection = u"peek-applied"_s;
        int count = -1;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
            db.setDatabaseName(m_stack->dbUrl.mid(int(qstrlen("sqlite:"))));
            db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=30000"_s);
            if (db.open()) {
                QSqlQuery q(db);
                q.prepare(u"SELECT count(*) FROM applied_mutations WHERE mutation_id = ?"_s);
                q.addBindValue(mutationId);
                if (q.exec() && q.next())
                    count = q.value(0).toInt();
                else
                    qWarning("appliedOnServer: %s", qPrintable(q.lastError().text()));
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(connection);
        return count;
    }

private slots:
    void initTestCase()
    {
        QString why;
        m_stack = m_stacks.get(u"sqlite"_s, &why);
        QVERIFY2(m_stack, qPrintable(why));
        m_proxy = std::make_unique<FaultProxy>(m_stack->port());
        QVERIFY(m_proxy->start());
    }

    void init() { m_proxy->heal(); }

    void cleanupTestCase()
    {
        m_proxy.reset();
        const QString findings = m_stacks.sanitizerFindings();
        QVERIFY2(findings.isEmpty(), qPrintable(findings));
    }

    void serverUrlPolicy()
    {
        QVERIFY(sync::ApiClient::checkServerUrl(u"https://fieldnotes.example.com"_s).ok());
        QVERIFY(sync::ApiClient::checkServerUrl(u"http://127.0.0.1:8470"_s).ok());
        QVERIFY(sync::ApiClient::checkServerUrl(u"http://[::1]:8470"_s).ok());
        QVERIFY(sync::ApiClient::checkServerUrl(u"http://localhost:8470"_s).ok());
        const auto plain = sync::ApiClient::checkServerUrl(u"http://fieldnotes.example.com"_s);
        QVERIFY(!plain.ok());
        QVERIFY(plain.error().message.contains(u"https"_s));
        QVERIFY(!sync::ApiClient::checkServerUrl(u"http://10.0.0.1"_s).ok());
        QVERIFY(!sync::ApiClient::checkServerUrl(u"ftp://example.com"_s).ok());
        QVERIFY(!sync::ApiClient::checkServerUrl(u"https://user:pw@example.com"_s).ok());
        QVERIFY(!sync::ApiClient::checkServerUrl(u"not a url"_s).ok());
    }

    // The app drops the engine whenever the store locks, also while the engine waits for the keystore to hand it
    // the token: the keystore's answer must then find nothing to call (ASan saw a use after free here).
    void droppedWhileTheKeystoreReadsTheToken()
    {
        auto a = device();
        QVERIFY(a);
        // As after a restart: a new engine, whose token is in the keystore only.
        a->engine = std::make_unique<sync::SyncEngine>(*a->store, a->keys, u"token"_s, SyncDevice::testOptions());
        a->engine->start();
        QVERIFY(a->engine->isSignedIn());
        a->engine->syncNow(); // asks the keystore, which answers from the event loop
        QCOMPARE(a->engine->status(), Status::Syncing);
        a->engine.reset();
        QTest::qWait(100);
        QVERIFY(a->store->pendingCount().ok()); // the store is as it was, and usable
    }

    // An engine destroyed while its push is on the wire: the calls it cancels do not come back to it as a failed
    // run (no status change, no finished signal from inside its destructor).
    void droppedInTheMiddleOfASyncSaysNothing()
    {
        auto a = device();
        QVERIFY(a);
        a->put(Entity::Tag, {{u"name"_s, u"pricing"_s}});
        a->engine->syncNow();
        QCOMPARE(a->engine->status(), Status::Syncing);
        QSignalSpy statuses(a->engine.get(), &sync::SyncEngine::statusChanged);
        QSignalSpy finished(a->engine.get(), &sync::SyncEngine::finished);
        a->engine.reset();
        QCOMPARE(statuses.count(), 0);
        QCOMPARE(finished.count(), 0);
        QTest::qWait(100);
        QVERIFY(a->store->pendingCount().ok());
    }

    void signInSyncAndSignOut()
    {
        auto a = device();
        QVERIFY(a);
        QVERIFY(a->engine->isSignedIn());
        QCOMPARE(a->engine->role(), u"marketer"_s);
        QVERIFY(a->keys.contains(u"token"_s)); // the token is in the keystore…
        QVERIFY(!a->store->syncValue(u"token"_s)->size()); // …and nowhere in the store
        const QString account = a->put(Entity::Account, {{u"name"_s, u"Globex"_s}});
        a->put(Entity::Insight, {{u"kind"_s, u"need"_s}, {u"text"_s, u"offline first"_s}, {u"account_id"_s, account}});
        a->engine->refreshCounts();
        QCOMPARE(a->engine->pendingCount(), 2);
        QSignalSpy statuses(a->engine.get(), &sync::SyncEngine::statusChanged);
        QVERIFY(a->sync());
        QCOMPARE(a->engine->status(), Status::UpToDate);
        QCOMPARE(a->engine->pendingCount(), 0);
        QVERIFY(a->engine->lastSync().isValid());
        QCOMPARE(a->engine->lastReport().pushed, 2);
        QVERIFY(statuses.count() >= 2); // syncing, then up to date

        auto b = device();
        QVERIFY(b);
        QVERIFY(b->sync());
        QCOMPARE(b->store->get(Entity::Account, account)->fields.value(u"name"_s).toString(), u"Globex"_s);
        QVERIFY(b->engine->lastReport().pulled >= 2);

        bool done = false;
        b->engine->signOut([&](Result<void> r) {
            QVERIFY(r.ok());
            done = true;
        });
        QTRY_VERIFY(done);
        QVERIFY(!b->engine->isSignedIn());
        QCOMPARE(b->engine->status(), Status::LocalOnly);
        QVERIFY(!b->keys.contains(u"token"_s));
        // The token is dead on the server: signing in again makes a new one.
        QVERIFY(b->signIn(m_proxy->port(), m_stack->a.emails.value(u"marketer"_s), kPassword).isEmpty());
        QVERIFY(b->sync());
    }

    void signInRefusals()
    {
        SyncDevice d;
        QVERIFY(d.open());
        QCOMPARE(d.signIn(m_proxy->port(), m_stack->a.emails.value(u"marketer"_s), u"wrong password"_s),
                 u"Wrong e-mail or password."_s);
        QVERIFY(!d.engine->isSignedIn());
        QVERIFY(!d.signIn(1, m_stack->a.emails.value(u"marketer"_s), kPassword).isEmpty()); // nobody listens
        QVERIFY(!d.engine->isSignedIn());
        QVERIFY(d.signIn(m_proxy->port(), m_stack->a.emails.value(u"marketer"_s), kPassword).isEmpty());
        // A store belongs to one user on one server.
        const QString other = d.signIn(m_proxy->port(), m_stack->a.emails.value(u"sales"_s), kPassword);
        QVERIFY2(other.contains(u"belongs to"_s), qPrintable(other));
    }

    void pushSurvivesEveryFault_data()
    {
        QTest::addColumn<Fault>("fault");
        QTest::newRow("drop before request") << Fault::DropBeforeRequest;
        QTest::newRow("drop after request") << Fault::DropAfterRequest;
        QTest::newRow("drop mid response") << Fault::DropMidResponse;
        QTest::newRow("hang") << Fault::Hang;
        QTest::newRow("500") << Fault::Status500;
        QTest::newRow("503 retry-after") << Fault::Status503;
    }

    void pushSurvivesEveryFault()
    {
        QFETCH(Fault, fault);
        auto options = SyncDevice::testOptions();
        options.api.timeoutMs = 1000; // a hung server is given up on quickly
        options.pushBatch = 7;
        auto a = device(u"marketer"_s, false, options);
        QVERIFY(a);
        QVERIFY(a->sync());
        auto b = device(u"marketer"_s, true);
        QVERIFY(b);
        QVERIFY(b->sync());
        const int before = count(*b, Entity::Tag);

        QStringList ids;
        for (int i = 0; i < 20; ++i)
            ids << a->put(Entity::Tag, {{u"name"_s, u"tag %1"_s.arg(i)}});
        // The first and the third push request meet the fault.
        m_proxy->queueFaults({fault, Fault::Pass, fault});
        QElapsedTimer timer;
        timer.start();
        QVERIFY(a->sync());
        if (fault == Fault::Status503)
            QVERIFY2(timer.elapsed() >= 1900, "Retry-After: 1 was not honoured");
        QCOMPARE(a->engine->pendingCount(), 0);
        QCOMPARE(a->engine->conflictCount(), 0);

        QVERIFY(b->sync());
        QCOMPARE(count(*b, Entity::Tag), before + 20); // each exactly once
        for (const QString &id : std::as_const(ids))
            QVERIFY(b->store->get(Entity::Tag, id).ok());
    }

    void pullSurvivesFaultsBetweenPages()
    {
        auto a = device(u"marketer"_s, true);
        QVERIFY(a);
        QList<Store::PutItem> items;
        for (int i = 0; i < 2500; ++i)
            items << Store::PutItem {Entity::Contact, {}, {{u"name"_s, u"Contact %1"_s.arg(i)}}};
        QVERIFY(a->store->putMany(items).ok());
        QVERIFY(a->sync());

        auto options = SyncDevice::testOptions();
        options.pullLimit = 500;
        options.api.timeoutMs = 1000;
        auto b = device(u"marketer"_s, false, options);
        QVERIFY(b);
        // Pages 2, 4 and 5 fail in three different ways; the cursor of each applied page is kept.
        m_proxy->queueFaults({Fault::Pass, Fault::DropMidResponse, Fault::Pass, Fault::Hang, Fault::DropAfterRequest});
        QVERIFY(b->sync());
        QCOMPARE(count(*b, Entity::Contact), count(*a, Entity::Contact));
        QVERIFY(m_proxy->faultsInjected() >= 3);
    }

    // Decision 0027: a large pulled page is written without its search text; the engine indexes it after the sync,
    // a chunk per step of the event loop, and says how much is left.
    void aLargePullIsFoundOnceTheEngineIndexedIt()
    {
        auto a = device(u"marketer"_s, true);
        QVERIFY(a);
        QList<Store::PutItem> items;
        for (int i = 0; i < 300; ++i)
            items << Store::PutItem {Entity::Insight, {}, {{u"kind"_s, u"need"_s}, {u"text"_s, u"zebrafinch %1"_s.arg(i)}}};
        QVERIFY(a->store->putMany(items).ok());
        QVERIFY(a->sync());

        auto options = SyncDevice::testOptions();
        options.deferSearchFrom = 100;
        options.searchChunk = 40;
        auto b = device(u"marketer"_s, false, options);
        QVERIFY(b);
        QSignalSpy backlog(b->engine.get(), &sync::SyncEngine::searchBacklogChanged);
        QSignalSpy records(b->engine.get(), &sync::SyncEngine::recordsChanged);
        int most = 0;
        int announced = 0; // the value the last signal told views about
        connect(b->engine.get(), &sync::SyncEngine::searchBacklogChanged, this, [&] {
            announced = b->engine->searchBacklog();
            most = std::max(most, announced);
        });
        // Between the engine's steps (both are zero-delay timers) the property never differs from what was announced:
        // a view bound to it (the conversations page's "Still indexing" line) is never left stale.
        int unannounced = 0;
        QTimer watcher;
        watcher.setInterval(0);
        connect(&watcher, &QTimer::timeout, this, [&] { unannounced += b->engine->searchBacklog() != announced; });
        watcher.start();
        int foundAtTheEnd = -1;
        connect(b->engine.get(), &sync::SyncEngine::finished, this,
                [&] { foundAtTheEnd = int(b->store->search(u"zebrafinch"_s, 1000)->size()); });
        QVERIFY(b->sync());
        QVERIFY(foundAtTheEnd >= 0 && foundAtTheEnd < 300); // written, not indexed yet
        QTRY_COMPARE(b->engine->searchBacklog(), 0);
        QTest::qWait(50);
        watcher.stop();
        QCOMPARE(unannounced, 0);
        QVERIFY(most >= 300); // the pull's records
        QCOMPARE(*b->store->searchBacklogCount(), 0);
        QVERIFY(backlog.count() >= 300 / 40); // counted down step by step
        QVERIFY(records.count() >= 1); // views search again at the end
        QCOMPARE(b->store->search(u"zebrafinch"_s, 1000)->size(), 300);
    }

    // Decision 0018: while a push batch is in flight the engine reads and writes the next one, and sends it once the
    // answer has been applied, unless the outbox changed since it was read. Here autosave rewrites the prepared
    // batch meanwhile: an edit of the same field removes the earlier, unsent edit from the outbox (decision 0013),
    // through this store or through another connection to the same database. The server must never get the
    // removed edit.
    void aPreparedBatchChangedMeanwhileIsReadAgain_data()
    {
        QTest::addColumn<bool>("otherConnection");
        QTest::newRow("this store") << false;
        QTest::newRow("another connection") << true;
    }

    void aPreparedBatchChangedMeanwhileIsReadAgain()
    {
        QFETCH(bool, otherConnection);
        auto options = SyncDevice::testOptions();
        options.pushBatch = 5;
        auto a = device(u"marketer"_s, true, options);
        QVERIFY(a);
        const QString account = a->put(Entity::Account, {{u"name"_s, u"Prepared"_s}});
        QVERIFY(a->sync());
        // Batch 1: five tags. Batch 2, read while batch 1 is in flight: the draft of the segment (alone in its entry)
        // and four tags. Then two more batches.
        for (int i = 0; i < 5; ++i)
            QVERIFY(!a->put(Entity::Tag, {{u"name"_s, u"first %1"_s.arg(i)}}).isEmpty());
        QVERIFY(a->store->put(Entity::Account, account, {{u"segment"_s, u"draft"_s}}).ok());
        const QString draft = a->store->pendingMutations(100)->last().mutationId;
        for (int i = 0; i < 9; ++i)
            QVERIFY(!a->put(Entity::Tag, {{u"name"_s, u"second %1"_s.arg(i)}}).isEmpty());

        int prepared = 0;
        QString final;
        const auto hook = connect(a->engine.get(), &sync::SyncEngine::pushBatchPrepared, this, [&] {
            if (++prepared != 1)
                return;
            // Batch 1 is in flight and batch 2 (with the draft) is prepared: the user types on.
            std::unique_ptr<Store> other;
            Store *store = a->store.get();
            if (otherConnection) {
                auto opened = Store::open(a->dir.path(), a->key);
                QVERIFY(opened.ok());
                other = std::move(*opened);
                store = other.get();
            }
            QVERIFY(store->put(Entity::Account, account, {{u"segment"_s, u"final"_s}}).ok());
            const QList<OutboxEntry> pending = *store->pendingMutations(100);
            final = pending.last().mutationId;
            QVERIFY(std::none_of(pending.begin(), pending.end(),
                                 [&draft](const OutboxEntry &entry) { return entry.mutationId == draft; }));
        });
        QVERIFY(a->sync());
        disconnect(hook);
        QVERIFY(prepared >= 1);
        QVERIFY(!final.isEmpty());
        QCOMPARE(a->engine->pendingCount(), 0);
        QCOMPARE(*a->store->conflictCount(), 0);

        // The server never got the draft, only the final edit; every device shows the final one.
        QCOMPARE(appliedOnServer(draft), 0);
        QCOMPARE(appliedOnServer(final), 1);
        auto b = device(u"marketer"_s, true);
        QVERIFY(b);
        QVERIFY(b->sync());
        QCOMPARE(b->store->get(Entity::Account, account)->fields.value(u"segment"_s).toString(), u"final"_s);
        QCOMPARE(a->store->get(Entity::Account, account)->fields.value(u"segment"_s).toString(), u"final"_s);

        const sync::SyncReport report = a->engine->lastReport();
        QCOMPARE(report.pushed, 15); // 14 tags and the final edit, each acknowledged once
        QCOMPARE(report.pushBatches, 3);
        QCOMPARE(report.preparedDropped, 1); // batch 2, read again after batch 1's answer
        QCOMPARE(report.preparedSent, 1); // batch 3, prepared while batch 2 was in flight
    }

    // The same for re-stamping (decision 0017): the device's clock jumped a day ahead after its last contact, so its
    // new edits are stamped a day ahead. The first batch goes out before the server's answer tells the difference and
    // is refused; batch 2, prepared meanwhile with those stamps, must be read again after they were re-stamped.
    void aPreparedBatchIsReadAgainAfterRestamping()
    {
        constexpr qint64 dayMs = 24 * 3600 * 1000;
        qint64 skewMs = 0;
        auto options = SyncDevice::testOptions();
        options.pushBatch = 5;
        auto a = device(u"marketer"_s, true, options,
                        [&skewMs] { return QDateTime::currentMSecsSinceEpoch() + skewMs; });
        QVERIFY(a);
        QVERIFY(a->sync());
        skewMs = dayMs;
        for (int i = 0; i < 15; ++i)
            QVERIFY(!a->put(Entity::Tag, {{u"name"_s, u"stamped ahead %1"_s.arg(i)}}).isEmpty());
        int prepared = 0;
        const auto hook = connect(a->engine.get(), &sync::SyncEngine::pushBatchPrepared, this, [&] { ++prepared; });
        QVERIFY(a->sync());
        disconnect(hook);
        QVERIFY(prepared >= 1);
        QCOMPARE(a->engine->pendingCount(), 0);
        // Only the first batch was refused (into the conflict log); the ten after it went through.
        int rejected = 0;
        for (const ConflictEntry &entry : *a->store->conflicts())
            rejected += entry.origin == ConflictEntry::Origin::Rejected ? 1 : 0;
        QCOMPARE(rejected, 5);
        auto b = device(u"marketer"_s, true);
        QVERIFY(b);
        QVERIFY(b->sync());
        int arrived = 0;
        for (const Record &tag : *b->store->list(Entity::Tag))
            arrived += tag.fields.value(u"name"_s).toString().startsWith(u"stamped ahead"_s) ? 1 : 0;
        QCOMPARE(arrived, 10);
        QCOMPARE(a->engine->lastReport().pushBatches, 3);
        QCOMPARE(a->engine->lastReport().preparedDropped, 1);
        QCOMPARE(a->engine->lastReport().preparedSent, 1);
    }

    void serverRestartedInTheMiddle()
    {
        auto a = device();
        QVERIFY(a);
        for (int i = 0; i < 5; ++i)
            a->put(Entity::Account, {{u"name"_s, u"Restart %1"_s.arg(i)}});
        m_proxy->setPartitioned(true);
        a->engine->syncNow();
        QTRY_VERIFY(a->engine->isRetryPending());
        QString why;
        m_stack->server->kill();
        QVERIFY2(m_stack->restart(&why), qPrintable(why));
        m_proxy->setUpstreamPort(m_stack->port());
        m_proxy->setPartitioned(false);
        QTRY_VERIFY_WITH_TIMEOUT(a->engine->status() == Status::UpToDate, 30000);
        QCOMPARE(a->engine->pendingCount(), 0);
        auto b = device(u"marketer"_s, true);
        QVERIFY(b);
        QVERIFY(b->sync());
        QTRY_COMPARE(b->engine->searchBacklog(), 0); // a first pull of the whole team is indexed after it
        for (int i = 0; i < 5; ++i)
            QCOMPARE(b->store->search(u"Restart %1"_s.arg(i))->isEmpty(), false);
    }

    // Decision 0025: a device that held every change of the team pushes with its cursor and, when the server stored
    // its edits as it holds them, moves its cursor past them instead of pulling them back. Its copy is then what a
    // device that pulls them has, field stamps included.
    void ownChangesAreNotPulledBack()
    {
        auto options = SyncDevice::testOptions();
        options.pushBatch = 7;
        auto a = device(u"marketer"_s, false, options);
        auto b = device();
        QVERIFY(a && b);
        QVERIFY(a->sync());
        QVERIFY(b->sync());

        QStringList ids;
        ids << a->put(Entity::Account, {{u"name"_s, u"Hooli"_s}, {u"segment"_s, u"software"_s}});
        for (int i = 0; i < 20; ++i)
            ids << a->put(Entity::Insight, {{u"kind"_s, u"need"_s}, {u"text"_s, u"need %1"_s.arg(i)},
                                            {u"account_id"_s, ids.first()}, {u"importance"_s, 1 + i % 5}});
        QVERIFY(a->store->put(Entity::Account, ids.first(), {{u"segment"_s, QJsonValue::Null},
                                                              {u"domain"_s, u"hooli.example"_s}}).ok());
        QVERIFY(a->sync());
        sync::SyncReport report = a->engine->lastReport();
        QCOMPARE(report.pushed, 22);
        QCOMPARE(report.pushBatches, 4);
        QCOMPARE(report.pushesCaughtUp, 4);
        QCOMPARE(report.sentBeforeAck, 3); // each batch but the first went before the answer ahead of it was saved
        QCOMPARE(report.pulled, 0);

        // Another device pulls them: the same records, to the field stamps.
        QVERIFY(b->sync());
        for (const QString &id : std::as_const(ids)) {
            const Entity entity = id == ids.first() ? Entity::Account : Entity::Insight;
            const Record onA = *a->store->get(entity, id);
            const Record onB = *b->store->get(entity, id);
            QCOMPARE(onA.fields, onB.fields);
            QCOMPARE(onA.fieldHlcs, onB.fieldHlcs);
            QCOMPARE(onA.hlc, onB.hlc);
        }
        QVERIFY(!a->store->get(Entity::Account, ids.first())->fields.contains(u"segment"_s));

        // Someone else wrote since a's cursor: a pushes, then pulls as before, its own edit included.
        QVERIFY(b->store->put(Entity::Account, ids.first(), {{u"name"_s, u"Hooli (B)"_s}}).ok());
        QVERIFY(b->sync());
        QVERIFY(a->store->put(Entity::Insight, ids.at(1), {{u"importance"_s, 5}}).ok());
        QVERIFY(a->sync());
        report = a->engine->lastReport();
        QCOMPARE(report.pushesCaughtUp, 0);
        QVERIFY(report.pulled >= 2);
        QCOMPARE(a->store->get(Entity::Account, ids.first())->fields.value(u"name"_s).toString(), u"Hooli (B)"_s);

        // Caught up again: the next push skips its own change once more.
        QVERIFY(a->store->put(Entity::Insight, ids.at(2), {{u"importance"_s, 4}}).ok());
        QVERIFY(a->sync());
        QCOMPARE(a->engine->lastReport().pushesCaughtUp, 1);
        QCOMPARE(a->engine->lastReport().pulled, 0);
        QVERIFY(b->sync());
        QCOMPARE(b->store->get(Entity::Insight, ids.at(2))->fields.value(u"importance"_s).toInt(), 4);
        QCOMPARE(b->store->get(Entity::Insight, ids.at(2))->fieldHlcs,
                 a->store->get(Entity::Insight, ids.at(2))->fieldHlcs);
    }

    // Decision 0018: the prepared batch goes before the previous answer is acknowledged only when that answer just
    // removes entries; one that keeps a lost value is acknowledged first. Either way each edit arrives once.
    void aBatchGoesBeforeTheAcknowledgementOnlyWhenItRemovesEntries()
    {
        // In team B: the conflict it leaves would show on every later device of team A.
        auto options = SyncDevice::testOptions();
        options.pushBatch = 1;
        auto a = device(u"marketer"_s, false, options, {}, true);
        auto b = device(u"marketer"_s, false, SyncDevice::testOptions(), {}, true);
        QVERIFY(a && b);
        const QString id = a->put(Entity::Account, {{u"name"_s, u"Umbrella"_s}});
        QVERIFY(a->sync());
        QVERIFY(b->sync());
        // a's edit is older than b's, which reaches the server first: a's loses.
        QVERIFY(a->store->put(Entity::Account, id, {{u"name"_s, u"Umbrella (A)"_s}}).ok());
        QTest::qWait(5);
        QVERIFY(b->store->put(Entity::Account, id, {{u"name"_s, u"Umbrella (B)"_s}}).ok());
        QVERIFY(b->sync());
        const QString t1 = a->put(Entity::Tag, {{u"name"_s, u"first"_s}});
        const QString t2 = a->put(Entity::Tag, {{u"name"_s, u"second"_s}});
        QVERIFY(a->sync());
        const sync::SyncReport report = a->engine->lastReport();
        QCOMPARE(report.pushBatches, 3);
        QCOMPARE(report.sentBeforeAck, 1); // only the batch after the one answered `applied`
        QCOMPARE(a->engine->pendingCount(), 0);
        QCOMPARE(*a->store->conflictCount(), 1);
        QCOMPARE(a->store->get(Entity::Account, id)->fields.value(u"name"_s).toString(), u"Umbrella (B)"_s);
        QVERIFY(b->sync());
        QVERIFY(b->store->get(Entity::Tag, t1).ok());
        QVERIFY(b->store->get(Entity::Tag, t2).ok());
    }

    void concurrentEditsMergeAndConflictsCanBeRestored()
    {
        auto a = device();
        auto b = device();
        QVERIFY(a && b);
        const QString id = a->put(Entity::Account, {{u"name"_s, u"Initech"_s}, {u"segment"_s, u"software"_s}});
        QVERIFY(a->sync());
        QVERIFY(b->sync());
        // Offline, both edit: different fields merge, the same field conflicts.
        QVERIFY(a->store->put(Entity::Account, id, {{u"name"_s, u"Initech (A)"_s}, {u"domain"_s, u"a.example"_s}}).ok());
        QTest::qWait(5);
        QVERIFY(b->store->put(Entity::Account, id, {{u"name"_s, u"Initech (B)"_s}, {u"segment"_s, u"b2b"_s}}).ok());
        QVERIFY(a->sync());
        QVERIFY(b->sync());
        QVERIFY(a->sync());
        const Record onA = *a->store->get(Entity::Account, id);
        const Record onB = *b->store->get(Entity::Account, id);
        QCOMPARE(onA.fields, onB.fields);
        QCOMPARE(onA.fields.value(u"name"_s).toString(), u"Initech (B)"_s); // the later edit
        QCOMPARE(onA.fields.value(u"domain"_s).toString(), u"a.example"_s);
        QCOMPARE(onA.fields.value(u"segment"_s).toString(), u"b2b"_s);
        // The value that lost is on both devices, and can be brought back.
        auto lostOnA = *a->store->conflicts();
        QCOMPARE(lostOnA.size(), 1);
        QCOMPARE(lostOnA.first().value.toString(), u"Initech (A)"_s);
        QCOMPARE(b->store->conflicts()->size(), 1);
        QVERIFY(b->store->restoreConflict(b->store->conflicts()->first().id).ok());
        QVERIFY(b->sync());
        QVERIFY(a->sync());
        QCOMPARE(a->store->get(Entity::Account, id)->fields.value(u"name"_s).toString(), u"Initech (A)"_s);
        QCOMPARE(*a->store->conflictCount(), 0); // resolved for everyone
        QCOMPARE(*b->store->conflictCount(), 0);
    }

    // Decision 0030: a conflict recorded after the value it lost to (an older edit that arrived late) is gone for
    // everyone after one dismissal, or one restore, and one sync; not back at the next pull, nor left beside its own
    // value once restored.
    void aLateConflictIsResolvedOnce_data()
    {
        QTest::addColumn<bool>("restore");
        QTest::addColumn<QString>("name");
        QTest::newRow("dismissed") << false << u"Initech (A)"_s;
        QTest::newRow("restored") << true << u"Initech (B)"_s;
    }

    void aLateConflictIsResolvedOnce()
    {
        QFETCH(bool, restore);
        QFETCH(QString, name);
        auto a = device();
        auto b = device();
        auto c = device();
        QVERIFY(a && b && c);
        const QString id = a->put(Entity::Account, {{u"name"_s, u"Initech"_s}});
        QVERIFY(a->sync());
        QVERIFY(b->sync());
        QVERIFY(b->store->put(Entity::Account, id, {{u"name"_s, u"Initech (B)"_s}}).ok()); // older
        QTest::qWait(5);
        QVERIFY(a->store->put(Entity::Account, id, {{u"name"_s, u"Initech (A)"_s}}).ok());
        QVERIFY(a->sync()); // stores A
        QVERIFY(b->sync()); // B loses, kept as a conflict recorded after A was stored
        QVERIFY(a->sync());
        const auto onA = *a->store->conflicts();
        QCOMPARE(onA.size(), 1);
        QCOMPARE(onA.first().value.toString(), u"Initech (B)"_s);

        if (restore)
            QVERIFY(a->store->restoreConflict(onA.first().id).ok());
        else
            QVERIFY(a->store->dismissConflict(onA.first().id).ok());
        QCOMPARE(*a->store->conflictCount(), 0);
        QVERIFY(a->sync());
        QVERIFY(a->sync());
        QCOMPARE(*a->store->conflictCount(), 0); // not back from the server
        QCOMPARE(a->store->get(Entity::Account, id)->fields.value(u"name"_s).toString(), name);
        QVERIFY(c->sync());
        QCOMPARE(*c->store->conflictCount(), 0);
        QCOMPARE(c->store->get(Entity::Account, id)->fields.value(u"name"_s).toString(), name);
    }

    void massDeleteStopsAndAsks()
    {
        auto a = device();
        auto b = device();
        QVERIFY(a && b);
        QVERIFY(a->sync());
        QStringList ids;
        for (int i = 0; i < 10; ++i)
            ids << a->put(Entity::Guide, {{u"title"_s, u"Guide %1"_s.arg(i)}});
        QVERIFY(a->sync());
        QVERIFY(b->sync());
        const int onA = *a->store->liveRecordCount();
        for (int i = 0; i < 10; ++i)
            QVERIFY(b->store->remove(Entity::Guide, ids.at(i)).ok());
        // Plus everything else b can delete, so that more than half of a's records go.
        for (const Record &r : *b->store->list(Entity::Tag))
            QVERIFY(b->store->remove(Entity::Tag, r.id).ok());
        for (const Record &r : *b->store->list(Entity::Contact))
            QVERIFY(b->store->remove(Entity::Contact, r.id).ok());
        QVERIFY(b->sync());

        QVERIFY(!a->sync());
        QCOMPARE(a->engine->status(), Status::NeedsConfirmation);
        QVERIFY(a->engine->message().contains(u"more than half"_s));
        // Pages already applied stay applied, but never more than half of the records went without asking.
        QVERIFY(*a->store->liveRecordCount() >= onA - onA / 2);
        QVERIFY(count(*a, Entity::Guide) + count(*a, Entity::Contact) + count(*a, Entity::Tag) > 0);
        bool finished = false;
        connect(a->engine.get(), &sync::SyncEngine::finished, this, [&](bool ok) { finished = ok; });
        a->engine->confirmMassDelete();
        QTRY_VERIFY_WITH_TIMEOUT(finished, 30000);
        QCOMPARE(count(*a, Entity::Guide), 0);
        QCOMPARE(*a->store->liveRecordCount(), *b->store->liveRecordCount());
    }

    void unpublishedInsightLeavesSalesDevices()
    {
        auto marketer = device();
        auto sales = device(u"sales"_s);
        QVERIFY(marketer && sales);
        const QString id = marketer->put(Entity::Insight, {{u"kind"_s, u"trend"_s},
                                                           {u"text"_s, u"moving to subscriptions"_s},
                                                           {u"published"_s, true}});
        QVERIFY(marketer->sync());
        QVERIFY(sales->sync());
        QVERIFY(sales->store->get(Entity::Insight, id).ok());
        QVERIFY(marketer->store->put(Entity::Insight, id, {{u"published"_s, false}}).ok());
        QVERIFY(marketer->sync());
        QVERIFY(sales->sync());
        QCOMPARE(sales->store->get(Entity::Insight, id).error().code, ErrorCode::NotFound);
        QVERIFY(sales->store->search(u"subscriptions"_s)->isEmpty());
    }

    void salesEditsOutsideItsRightsAreRefusedAndReverted()
    {
        auto marketer = device();
        auto sales = device(u"sales"_s);
        QVERIFY(marketer && sales);
        const QString account = marketer->put(Entity::Account, {{u"name"_s, u"Vandelay"_s}});
        const QString lead = marketer->put(Entity::Lead, {{u"account_id"_s, account},
                                                          {u"recommendation"_s, u"offer the pilot"_s}});
        QVERIFY(marketer->sync());
        QVERIFY(sales->sync());
        QVERIFY(sales->store->put(Entity::Lead, lead, {{u"status"_s, u"accepted"_s}}).ok());
        QVERIFY(sales->store->put(Entity::Account, account, {{u"name"_s, u"Vandelay Industries"_s}}).ok());
        QVERIFY(sales->sync());
        QCOMPARE(sales->store->get(Entity::Lead, lead)->fields.value(u"status"_s).toString(), u"accepted"_s);
        // The refused rename is back to the server's value, and in the log with the reason.
        QCOMPARE(sales->store->get(Entity::Account, account)->fields.value(u"name"_s).toString(), u"Vandelay"_s);
        QList<ConflictEntry> log;
        for (const ConflictEntry &entry : *sales->store->conflicts()) {
            if (entry.recordId == account)
                log << entry;
        }
        QCOMPARE(log.size(), 1);
        QCOMPARE(log.first().origin, ConflictEntry::Origin::Rejected);
        QVERIFY(log.first().reason.startsWith(u"forbidden"_s));
        QVERIFY(marketer->sync());
        QCOMPARE(marketer->store->get(Entity::Lead, lead)->fields.value(u"status"_s).toString(), u"accepted"_s);
    }

    void revokedDeviceIsToldToWipe()
    {
        auto victim = device(u"sales"_s);
        auto other = device(u"sales"_s);
        QVERIFY(victim && other);
        QVERIFY(victim->sync());
        const QString deviceId = *victim->store->syncValue(u"device_id"_s);
        const Reply revoked = m_stack->a.admin.post((u"/v1/admin/devices/"_s + deviceId + u"/revoke"_s).toUtf8(), QByteArray("{}"));
        QCOMPARE(revoked.status, 204);
        QSignalSpy wipe(victim->engine.get(), &sync::SyncEngine::deviceRevoked);
        QVERIFY(!victim->sync());
        QCOMPARE(wipe.count(), 1);
        QCOMPARE(victim->engine->status(), Status::Revoked);
        QVERIFY(other->sync()); // the other devices are unaffected
    }

    void wrongDeviceClockIsCorrectedByTheServersClock()
    {
        constexpr qint64 dayMs = 24 * 3600 * 1000;
        auto ahead = device(u"marketer"_s, false, SyncDevice::testOptions(),
                            [] { return QDateTime::currentMSecsSinceEpoch() + dayMs; });
        auto behind = device(u"marketer"_s, false, SyncDevice::testOptions(),
                             [] { return QDateTime::currentMSecsSinceEpoch() - dayMs; });
        QVERIFY(ahead && behind);
        QVERIFY(std::abs(ahead->store->clockOffset() + dayMs) < 10000);
        QVERIFY(std::abs(behind->store->clockOffset() - dayMs) < 10000);
        const QString id = ahead->put(Entity::Account, {{u"name"_s, u"Clockwork"_s}});
        QVERIFY(ahead->sync());
        for (const ConflictEntry &entry : *ahead->store->conflicts())
            QVERIFY(entry.recordId != id); // not refused as "from the future"
        QCOMPARE(ahead->engine->pendingCount(), 0);
        QVERIFY(behind->sync());
        QTest::qWait(20);
        // The device whose clock is a day behind edits later: its edit wins, as it should.
        QVERIFY(behind->store->put(Entity::Account, id, {{u"name"_s, u"Clockwork Inc"_s}}).ok());
        QVERIFY(behind->sync());
        QVERIFY(ahead->sync());
        QCOMPARE(ahead->store->get(Entity::Account, id)->fields.value(u"name"_s).toString(), u"Clockwork Inc"_s);
    }

    void editsMadeBeforeTheFirstSignInWithAClockAheadAreNotRefused()
    {
        // Captured offline on a device whose clock is a day ahead, before it ever talked to a server: the server
        // would refuse those stamps; the engine gives them the team's time before pushing.
        constexpr qint64 dayMs = 24 * 3600 * 1000;
        auto ahead = std::make_unique<SyncDevice>();
        QVERIFY(ahead->open(SyncDevice::testOptions(), [] { return QDateTime::currentMSecsSinceEpoch() + dayMs; }));
        const QString id = ahead->put(Entity::Account, {{u"name"_s, u"Early bird"_s}});
        QVERIFY(!id.isEmpty());
        QVERIFY(ahead->store->put(Entity::Account, id, {{u"segment"_s, u"retail"_s}}).ok());
        QVERIFY(ahead->signIn(m_proxy->port(), m_stack->a.emails.value(u"marketer"_s), kPassword).isEmpty());
        QVERIFY(ahead->sync());
        QCOMPARE(ahead->engine->pendingCount(), 0);
        const auto noConflictOf = [&id](SyncDevice &device) {
            for (const ConflictEntry &entry : *device.store->conflicts()) {
                if (entry.recordId == id)
                    return false;
            }
            return true;
        };
        QVERIFY(noConflictOf(*ahead)); // nothing refused as "from the future"

        auto other = device();
        QVERIFY(other && other->sync());
        const Record pulled = *other->store->get(Entity::Account, id);
        QCOMPARE(pulled.fields.value(u"name"_s).toString(), u"Early bird"_s);
        QCOMPARE(pulled.fields.value(u"segment"_s).toString(), u"retail"_s);
        // Its stamps are the team's time, not a day ahead: another device's later edit wins.
        QVERIFY(Hlc::parse(pulled.hlc)->millis < QDateTime::currentMSecsSinceEpoch() + 60'000);
        QTest::qWait(5);
        QVERIFY(other->store->put(Entity::Account, id, {{u"name"_s, u"Early bird Ltd"_s}}).ok());
        QVERIFY(other->sync());
        QVERIFY(ahead->sync());
        QCOMPARE(ahead->store->get(Entity::Account, id)->fields.value(u"name"_s).toString(), u"Early bird Ltd"_s);
        // And its own edits after the sign-in go through as well.
        QVERIFY(ahead->store->put(Entity::Account, id, {{u"segment"_s, u"wholesale"_s}}).ok());
        QVERIFY(ahead->sync());
        QVERIFY(noConflictOf(*ahead));
        QCOMPARE(ahead->engine->pendingCount(), 0);
        QVERIFY(other->sync());
        QCOMPARE(other->store->get(Entity::Account, id)->fields.value(u"segment"_s).toString(), u"wholesale"_s);
    }

    void tlsIsVerifiedAndPinned()
    {
        // The server with its own certificate (for 127.0.0.1), as when it runs without nginx in front.
        QTemporaryDir dir;
        const QString cert = dir.filePath(u"cert.pem"_s);
        const QString key = dir.filePath(u"key.pem"_s);
        QProcess openssl;
        openssl.start(u"openssl"_s, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                                     u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, key, u"-out"_s, cert,
                                     u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s,
                                     u"subjectAltName=IP:127.0.0.1"_s});
        QVERIFY(openssl.waitForFinished(30000));
        QCOMPARE(openssl.exitCode(), 0);
        ServerProcess tls(dir.path());
        QVERIFY2(tls.start(m_stack->dbUrl, {u"--tls-cert"_s, cert, u"--tls-key"_s, key}), qPrintable(tls.error()));
        const QString url = u"https://127.0.0.1:%1"_s.arg(tls.port());
        const QString email = m_stack->a.emails.value(u"marketer"_s);
        const auto signIn = [&](const QStringList &pins) {
            SyncDevice d;
            if (!d.open())
                return u"cannot open a store"_s;
            d.engine->setPinnedKeys(pins);
            bool done = false;
            QString error;
            d.engine->signIn(url, email, kPassword.toUtf8(), u"tls device"_s, [&](Result<void> r) {
                done = true;
                error = r ? QString() : r.error().message;
            });
            QElapsedTimer timer;
            timer.start();
            while (!done && timer.elapsed() < 30000)
                QTest::qWait(10);
            if (error.isEmpty() && !d.sync())
                error = u"sync failed: "_s + d.engine->message();
            return done ? error : u"no answer"_s;
        };

        // Not trusted by this system: refused, and never silently accepted.
        const QString untrusted = signIn({});
        QVERIFY2(untrusted.contains(u"not trusted"_s), qPrintable(untrusted));

        // Trusted (as if from a CA of this system): works; with pins, only the pinned key is accepted.
        const QList<QSslCertificate> certificates = QSslCertificate::fromPath(cert);
        QCOMPARE(certificates.size(), 1);
        QSslConfiguration trusted = QSslConfiguration::defaultConfiguration();
        const QSslConfiguration original = trusted;
        trusted.addCaCertificate(certificates.first());
        QSslConfiguration::setDefaultConfiguration(trusted);
        const QString pin = QString::fromLatin1(sync::ApiClient::spkiHash(certificates.first().publicKey().toDer()));
        QCOMPARE(signIn({}), QString());
        QCOMPARE(signIn({pin}), QString());
        const QString otherPin = QString::fromLatin1(QByteArray(32, 'x').toBase64());
        const QString pinned = signIn({otherPin});
        QVERIFY2(pinned.contains(u"pinned"_s), qPrintable(pinned));
        QSslConfiguration::setDefaultConfiguration(original);
    }

    void waitsForTheNetworkAndSyncsWhenItReturns()
    {
        auto options = SyncDevice::testOptions();
        options.automatic = true;
        options.debounceMs = 100;
        auto a = device(u"marketer"_s, false, options);
        QVERIFY(a);
        QTRY_VERIFY_WITH_TIMEOUT(a->engine->status() == Status::UpToDate, 20000);
        a->engine->setOnline(false);
        QCOMPARE(a->engine->status(), Status::Offline);
        const int requests = m_proxy->requestsSeen();
        a->put(Entity::Tag, {{u"name"_s, u"made offline"_s}});
        a->engine->localChanged();
        QTest::qWait(500);
        QCOMPARE(m_proxy->requestsSeen(), requests); // no attempt while the OS says there is no network
        QCOMPARE(a->engine->pendingCount(), 1);
        a->engine->setOnline(true);
        QTRY_VERIFY_WITH_TIMEOUT(a->engine->pendingCount() == 0, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(a->engine->status(), Status::UpToDate, 20000);
    }

    void syncsBySoonAfterALocalChange()
    {
        auto options = SyncDevice::testOptions();
        options.automatic = true;
        options.debounceMs = 200;
        auto a = device(u"marketer"_s, false, options);
        QVERIFY(a);
        QTRY_VERIFY_WITH_TIMEOUT(a->engine->status() == Status::UpToDate, 20000);
        a->put(Entity::Tag, {{u"name"_s, u"debounced"_s}});
        a->engine->localChanged();
        QCOMPARE(a->engine->pendingCount(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(a->engine->pendingCount() == 0, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(a->engine->status(), Status::UpToDate, 20000); // after the pull that follows
    }
};

QTEST_GUILESS_MAIN(TestSyncEngine)
#include "tst_syncengine.moc"
