// End-to-end: faults of the real server process. (a) kill -9 in the middle of a large push, at several delays:
// after a restart on the same database the batch is all there or not at all, and the client's retry completes it
// exactly once. (b) SIGTERM with a request in flight: the request completes, then the process exits 0. (c) two
// server instances on one PostgreSQL database converge, share sessions and share the login throttle (stateless
// servers).
#include "serverprocess.h"

#include <QTest>

#include <atomic>
#include <functional>
#include <thread>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes::e2e;

namespace {

struct Batch
{
    QJsonArray mutations;
    QMap<QString, QJsonObject> fieldsByRecord;
    QByteArray body;
};

Batch makeBatch(const Session &s, int count, const QString &label)
{
    Batch b;
    for (int i = 0; i < count; ++i) {
        const QString record = uuid();
        const QJsonObject fields {{u"name"_s, u"%1 #%2"_s.arg(label).arg(i)}, {u"segment"_s, u"seg %1"_s.arg(i % 7)}};
        b.mutations.append(upsert(u"account"_s, record, fields, nextHlc(s.hlcDevice())));
        b.fieldsByRecord.insert(record, fields);
    }
    b.body = compact(QJsonObject {{u"mutations"_s, b.mutations}});
    return b;
}

/// How many of the batch's records `changes` holds (each must be there at most once, nothing else may be there).
int countBatchRecords(const QList<QJsonObject> &changes, const Batch &batch, QString *why)
{
    QSet<QString> seen;
    for (const QJsonObject &c : changes) {
        const QString id = c.value(u"record_id"_s).toString();
        if (!batch.fieldsByRecord.contains(id)) {
            *why = u"a record not of the batch: "_s + id;
            return -1;
        }
        if (seen.contains(id)) {
            *why = u"a record twice: "_s + id;
            return -1;
        }
        seen.insert(id);
        if (c.value(u"fields"_s).toObject() != batch.fieldsByRecord.value(id)) {
            *why = u"wrong values for "_s + id + u": "_s + QString::fromUtf8(compact(c));
            return -1;
        }
    }
    return int(seen.size());
}

/// A wrong login from `client` (the address a trusted proxy forwards) on `port`: its status.
int wrongLoginFrom(quint16 port, const QString &email, const QByteArray &client)
{
    const QByteArray body = compact(
        QJsonObject {{u"email"_s, email}, {u"password"_s, u"not the password"_s}, {u"device_name"_s, u"x"_s}});
    return httpRequest(port, "POST", "/v1/auth/login", body, {{"X-Forwarded-For", client}}).status;
}

/// How many wrong logins, sent one after another to `ports` in turn, are answered 401 before the first 429; -1 if
/// a 401 follows a 429 or another status comes. `email` and `client` say what each attempt uses (attempt number i).
int failuresBefore429(
    const QList<quint16> &ports, const std::function<QString(int)> &email, const std::function<QByteArray(int)> &client)
{
    for (int i = 0; i < 60; ++i) {
        const int status = wrongLoginFrom(ports.at(i % ports.size()), email(i), client(i));
        if (status == 429)
            return i;
        if (status != 401)
            return -1;
    }
    return -1;
}

} // namespace

class TestServerFaults : public QObject
{
    Q_OBJECT

    Stacks m_stacks {u"faults"_s};

private slots:
    void initTestCase_data() { addBackendRows(); }
    void cleanup()
    {
        const QString findings = m_stacks.sanitizerFindings();
        QVERIFY2(findings.isEmpty(), qPrintable(findings));
    }
    void initTestCase()
    {
        const QString error = backendRequirementError();
        if (!error.isEmpty())
            QFAIL(qPrintable(error));
    }

    void killDuringLargePush()
    {
        E2E_STACK(st, m_stacks);
        const Session *admin = &st->a.admin;
        // 1000 on SQLite; 500 on PostgreSQL, where a batch costs ~2 ms per mutation (one round trip per statement),
        // to keep the ten rounds within the time budget of the e2e tests.
        const int kMutations = backend == u"postgres"_s ? 500 : 1000;

        // How long a batch takes here, so the kills land before, during and after the commit.
        const Batch warmup = makeBatch(*admin, kMutations, u"warmup"_s);
        QElapsedTimer timer;
        timer.start();
        const Reply first = admin->post("/v1/sync/push", warmup.body);
        const qint64 batchMs = std::max<qint64>(timer.elapsed(), 20);
        E2E_EXPECT_STATUS(first, 200);
        QCOMPARE(first.json().value(u"results"_s).toArray().size(), kMutations);

        QStringList outcomes;
        int committedBeforeKill = 0;
        for (int round = 0; round < 10; ++round) {
            const qint64 delayMs = batchMs * round / 8; // 0 … 1.1 x the batch time
            const FullPull start = pullAll(*admin);
            QVERIFY2(start.ok, qPrintable(start.why));
            const Batch batch = makeBatch(*admin, kMutations, u"round %1"_s.arg(round));

            Reply early;
            {
                RawConnection c(st->port());
                QVERIFY(c.isConnected());
                QVERIFY(c.write(buildRequest("POST", "/v1/sync/push", batch.body, admin->auth())));
                QThread::msleep(quint64(delayMs));
                st->server->kill();
                early = c.readResponse(2000); // the answer, if it was sent before the kill
            }
            QString why;
            QVERIFY2(st->restart(&why), qPrintable(why));
            admin = &st->a.admin;

            const FullPull afterKill = pullAll(*admin, start.cursor);
            QVERIFY2(afterKill.ok, qPrintable(afterKill.why));
            const int stored = countBatchRecords(afterKill.changes, batch, &why);
            QVERIFY2(stored == 0 || stored == kMutations,
                qPrintable(u"round %1 (kill after %2 ms): %3 of %4 records stored %5"_s.arg(round)
                               .arg(delayMs)
                               .arg(stored)
                               .arg(kMutations)
                               .arg(why)));
            if (early.status == 200)
                QCOMPARE(stored, kMutations); // answered = committed
            if (stored == kMutations)
                ++committedBeforeKill;
            outcomes << u"%1ms:%2"_s.arg(delayMs).arg(stored == 0 ? u"none"_s : u"all"_s);

            // The client's retry: the same batch, the same mutation ids.
            const Reply retry = admin->post("/v1/sync/push", batch.body);
            E2E_EXPECT_STATUS(retry, 200);
            const QJsonArray results = retry.json().value(u"results"_s).toArray();
            QCOMPARE(results.size(), kMutations);
            const QString expected = stored == 0 ? u"applied"_s : u"duplicate"_s;
            for (qsizetype i = 0; i < results.size(); ++i) {
                const QJsonObject r = results.at(i).toObject();
                QCOMPARE(r.value(u"id"_s), batch.mutations.at(i).toObject().value(u"id"_s));
                QVERIFY2(r.value(u"status"_s).toString() == expected, compact(r).constData());
            }
            const FullPull done = pullAll(*admin, start.cursor);
            QVERIFY2(done.ok, qPrintable(done.why));
            QCOMPARE(countBatchRecords(done.changes, batch, &why), kMutations);
            if (round == 0 || round == 9) {
                // And once more: nothing changes.
                const Reply again = admin->post("/v1/sync/push", batch.body);
                E2E_EXPECT_STATUS(again, 200);
                QVERIFY(!again.body.contains("\"applied\""));
                QCOMPARE(pullAll(*admin, done.cursor).changes.size(), 0);
            }
        }
        // The whole team's data: every record exactly once.
        const FullPull all = pullAll(*admin);
        QSet<QString> ids;
        for (const QJsonObject &c : all.changes) {
            const QString id = c.value(u"record_id"_s).toString();
            QVERIFY2(!ids.contains(id), qPrintable(id));
            ids.insert(id);
        }
        qInfo("batch of %d took %lld ms; kills: %s (%d of 10 had committed)", kMutations, batchMs,
            qPrintable(outcomes.join(u", "_s)), committedBeforeKill);
    }

    void sigtermFinishesRequestInFlight()
    {
        E2E_STACK(st, m_stacks);
        const Session admin = st->a.admin;
        const FullPull start = pullAll(admin);
        QVERIFY2(start.ok, qPrintable(start.why));

        // A large push just written, then SIGTERM: it is answered in full, then the process exits 0.
        const int size = backend == u"postgres"_s ? 500 : 1000;
        const Batch batch = makeBatch(admin, size, u"sigterm"_s);
        // (All but the last bytes first, so the server has surely accepted the connection and is reading the request
        // when the signal comes: a connection still in the listen backlog would be dropped, not served.)
        const QByteArray request = buildRequest("POST", "/v1/sync/push", batch.body, admin.auth(), false);
        RawConnection c(st->port());
        QVERIFY(c.write(request.chopped(16)));
        QThread::msleep(300);
        QVERIFY(c.write(request.right(16)));
        st->server->sendSignal(SIGTERM);
        const Reply r = c.readResponse(30000);
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.json().value(u"results"_s).toArray().size(), size);
        QCOMPARE(r.header("Connection").toLower(), QByteArray("close"));
        QProcess *process = st->server->process();
        QVERIFY(process->waitForFinished(20000));
        QCOMPARE(process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(process->exitCode(), 0);

        QString why;
        QVERIFY2(st->restart(&why), qPrintable(why));
        const FullPull after = pullAll(st->a.admin, start.cursor);
        QCOMPARE(countBatchRecords(after.changes, batch, &why), size);

        // A request whose body is still arriving when SIGTERM comes: it completes too.
        const Batch second = makeBatch(admin, 50, u"sigterm body"_s);
        const QByteArray request2 = buildRequest("POST", "/v1/sync/push", second.body, st->a.admin.auth(), false);
        RawConnection d(st->port());
        const qsizetype half = request2.size() - second.body.size() / 2;
        QVERIFY(d.write(request2.left(half)));
        QThread::msleep(300);
        st->server->sendSignal(SIGTERM);
        QThread::msleep(300);
        QVERIFY(d.write(request2.mid(half)));
        const Reply r2 = d.readResponse(30000);
        E2E_EXPECT_STATUS(r2, 200);
        QCOMPARE(r2.json().value(u"results"_s).toArray().size(), 50);
        process = st->server->process();
        QVERIFY(process->waitForFinished(20000));
        QCOMPARE(process->exitStatus(), QProcess::NormalExit);
        QCOMPARE(process->exitCode(), 0);

        // An idle server exits 0 at once.
        QVERIFY2(st->restart(&why), qPrintable(why));
        QElapsedTimer t;
        t.start();
        QCOMPARE(st->server->terminate(20000), 0);
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
        QVERIFY2(st->restart(&why), qPrintable(why));
        QCOMPARE(countBatchRecords(pullAll(st->a.admin, after.cursor).changes, second, &why), 50);
    }

    void twoInstancesOnePostgres()
    {
        E2E_STACK(st, m_stacks);
        if (backend != u"postgres"_s)
            QSKIP("two server instances share a PostgreSQL database only");
        ServerProcess other(m_stacks.databases().dir().path());
        QVERIFY2(other.start(st->dbUrl), qPrintable(other.error()));
        const quint16 p1 = st->port();
        const quint16 p2 = other.port();

        // A team of its own: full pulls stay small.
        QString why;
        const auto team = makeTeam(st->dbUrl, p1, u"TeamC"_s, &why);
        QVERIFY2(team, qPrintable(why));

        // A device signed in on one instance works on the other.
        const Session onOne = login(p1, team->emails.value(u"marketer"_s), kPassword, u"instance one"_s);
        QVERIFY(onOne.isValid());
        const Reply me = onOne.on(p2).get("/v1/me");
        E2E_EXPECT_STATUS(me, 200);
        QCOMPARE(me.json().value(u"device_id"_s).toString(), onOne.deviceId);
        const Session onTwo = login(p2, team->emails.value(u"admin"_s), kPassword, u"instance two"_s);
        QVERIFY(onTwo.isValid());
        E2E_EXPECT_STATUS(onTwo.on(p1).get("/v1/me"), 200);

        // Both devices edit a shared set of records at the same time, each through its own instance.
        QStringList records;
        QJsonArray seedBatch;
        for (int i = 0; i < 20; ++i) {
            records << uuid();
            seedBatch.append(
                upsert(u"account"_s, records.last(), {{u"name"_s, u"shared %1"_s.arg(i)}}, nextHlc(onOne.hlcDevice())));
        }
        E2E_EXPECT_STATUS(onOne.push(seedBatch), 200);
        std::atomic<int> failures {0};
        QStringList hlcs1;
        QStringList hlcs2;
        for (int i = 0; i < 200; ++i) { // stamps made up front: nextHlc is not thread-safe
            hlcs1 << nextHlc(onOne.hlcDevice());
            hlcs2 << nextHlc(onTwo.hlcDevice());
        }
        const auto writer = [&](const Session &s, const QStringList &stamps, const QString &who) {
            int at = 0;
            for (int round = 0; round < 10; ++round) {
                QJsonArray batch;
                for (int i = 0; i < 20; ++i) {
                    const QString record = records.at((i * 7 + round) % records.size());
                    batch.append(upsert(u"account"_s, record,
                        {{u"segment"_s, u"%1 r%2 i%3"_s.arg(who).arg(round).arg(i)},
                            {u"name"_s, u"%1 %2"_s.arg(who).arg(round)}},
                        stamps.at(at++), {{u"segment"_s, QJsonValue()}}));
                }
                if (s.push(batch).status != 200)
                    ++failures;
                if (s.pull().status != 200) // a pull from the other side in between
                    ++failures;
            }
        };
        std::thread t1([&] { writer(onOne, hlcs1, u"one"_s); });
        std::thread t2([&] { writer(onTwo, hlcs2, u"two"_s); });
        t1.join();
        t2.join();
        QCOMPARE(failures.load(), 0);

        // Both instances answer the same, to both users, byte for byte.
        const FullPull a1 = pullAll(onOne);
        const FullPull a2 = pullAll(onOne.on(p2));
        const FullPull b1 = pullAll(onTwo.on(p1));
        const FullPull b2 = pullAll(onTwo);
        for (const FullPull *p : {&a1, &a2, &b1, &b2})
            QVERIFY2(p->ok, qPrintable(p->why));
        QCOMPARE(a1.rawBodies(), a2.rawBodies());
        QCOMPARE(b1.rawBodies(), b2.rawBodies());
        QCOMPARE(a1.changes, b1.changes);
        // Every shared record once, not deleted.
        const auto byRecord = a1.byRecord();
        for (const QString &record : records) {
            QVERIFY(byRecord.contains(record));
            QCOMPARE(byRecord.value(record).value(u"deleted"_s).toBool(true), false);
        }
        QCOMPARE(a1.changes.size(), byRecord.size());

        // Paging from one instance continues on the other.
        const Reply page = onOne.pull({}, 5);
        E2E_EXPECT_STATUS(page, 200);
        const FullPull rest = pullAll(onOne.on(p2), page.json().value(u"cursor"_s).toString(), 7);
        QVERIFY2(rest.ok, qPrintable(rest.why));
        QCOMPARE(page.json().value(u"changes"_s).toArray().size() + rest.changes.size(), a1.changes.size());

        // Logout on one instance ends the session on both; a revoke on one is seen by the other.
        E2E_EXPECT_STATUS(onOne.on(p2).post("/v1/auth/logout", QByteArray()), 204);
        E2E_EXPECT_ERROR(onOne.get("/v1/me"), 401, "unauthenticated");
        const Session victim = login(p2, team->emails.value(u"sales"_s), kPassword, u"to revoke"_s);
        QVERIFY(victim.isValid());
        E2E_EXPECT_STATUS(
            onTwo.on(p1).post("/v1/admin/devices/" + victim.deviceId.toLatin1() + "/revoke", QByteArray()), 204);
        E2E_EXPECT_ERROR(victim.get("/v1/me"), 401, "device_revoked");
        E2E_EXPECT_ERROR(victim.on(p1).get("/v1/me"), 401, "device_revoked");
        QCOMPARE(other.terminate(), 0);
        QVERIFY2(other.sanitizerFindings().isEmpty(), qPrintable(other.sanitizerFindings()));

        // The login throttle is shared too (decision 0015): wrong logins that alternate between two instances are
        // refused after as many failures as on one instance, per email and per client address. Two instances that
        // trust this test as their proxy, so each round comes from a client address of its own.
        ServerProcess one(m_stacks.databases().dir().path());
        ServerProcess two(m_stacks.databases().dir().path());
        const QStringList trustThisTest {u"--trusted-proxy"_s, u"127.0.0.1"_s};
        QVERIFY2(one.start(st->dbUrl, trustThisTest), qPrintable(one.error()));
        QVERIFY2(two.start(st->dbUrl, trustThisTest), qPrintable(two.error()));
        const QString email = team->emails.value(u"sales"_s);
        const auto sameEmail = [&](int) { return email; };
        const auto unknownEmail = [](int i) { return u"nobody.%1.%2@teamc.example"_s.arg(randomTag()).arg(i); };
        const auto address
            = [](int round) { return [round](int) { return "198.51.100." + QByteArray::number(round); }; };
        const auto addressPerAttempt = [](int round) {
            return [round](int i) { return "203.0." + QByteArray::number(round) + '.' + QByteArray::number(i + 1); };
        };
        // One instance: the reference (the limit of sync-api.md, 10).
        const int alone = failuresBefore429({one.port()}, unknownEmail, address(1));
        QCOMPARE(alone, 10);
        // Per client address, alternating: the same count in total, not twice (or N times) as many.
        QCOMPARE(failuresBefore429({one.port(), two.port()}, unknownEmail, address(2)), alone);
        // Per email, from a new address each time, alternating.
        QCOMPARE(failuresBefore429({two.port(), one.port()}, sameEmail, addressPerAttempt(3)), alone);
        // The right password is refused on both instances, from an address neither has seen, with Retry-After.
        for (ServerProcess *instance : {&one, &two}) {
            const QByteArray body
                = compact(QJsonObject {{u"email"_s, email}, {u"password"_s, kPassword}, {u"device_name"_s, u"x"_s}});
            const Reply right
                = httpRequest(instance->port(), "POST", "/v1/auth/login", body, {{"X-Forwarded-For", "192.0.2.77"}});
            E2E_EXPECT_ERROR(right, 429, "rate_limited");
            const int retryAfter = right.header("Retry-After").toInt();
            QVERIFY2(retryAfter > 0 && retryAfter <= 15 * 60, right.header("Retry-After").constData());
        }
        // Other emails and addresses are not affected.
        QVERIFY(login(two.port(), team->emails.value(u"marketer"_s), kPassword, u"still welcome"_s).isValid());
        QCOMPARE(one.terminate(), 0);
        QCOMPARE(two.terminate(), 0);
        QVERIFY2(one.sanitizerFindings().isEmpty(), qPrintable(one.sanitizerFindings()));
        QVERIFY2(two.sanitizerFindings().isEmpty(), qPrintable(two.sanitizerFindings()));
    }
};

QTEST_GUILESS_MAIN(TestServerFaults)
#include "tst_serverfaults.moc"
