// End-to-end: every endpoint of SYNC-API.md against the real fieldnotes-server process, with exact status codes
// and bodies, on SQLite and (when FIELDNOTES_TEST_PG_URL is set) PostgreSQL.
#include "serverprocess.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes::e2e;

namespace {

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

// Writes `count` remembered mutation ids from 1970 straight into the server's database (as a server that ran for a
// long time would have left them).
bool insertOldAppliedRows(const QString &dbUrl, int count)
{
    for (int i = 0; i < count; ++i) {
        if (!execOnDatabase(dbUrl,
                u"INSERT INTO applied_mutations (device_id, mutation_id, team_id, result, created)"
                " VALUES ('old-device', ?, 'old-team', '{}', ?)"_s,
                {uuid(), qint64(1000 + i)}))
            return false;
    }
    return true;
}

} // namespace

class TestServerApi : public QObject
{
    Q_OBJECT

    Stacks m_stacks {u"api"_s};

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

    void healthz()
    {
        E2E_STACK(st, m_stacks);
        const Reply r = httpRequest(st->port(), "GET", "/healthz");
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.header("Content-Type").split(';').constFirst(), QByteArray("application/json"));
        QCOMPARE(r.json(), (QJsonObject {{u"status"_s, u"ok"_s}}));
        QVERIFY(!r.header("X-Request-Id").isEmpty());
    }

    void loginAndMe()
    {
        E2E_STACK(st, m_stacks);
        const Reply r = loginReply(st->port(), st->a.emails.value(u"marketer"_s), kPassword, u"laptop"_s);
        E2E_EXPECT_STATUS(r, 200);
        const QJsonObject o = r.json();
        QCOMPARE(sortedKeys(o), (QStringList {u"device_id"_s, u"token"_s, u"user"_s}));
        QVERIFY(o.value(u"token"_s).toString().size() >= 32);
        QVERIFY(!QUuid::fromString(o.value(u"device_id"_s).toString()).isNull());
        const QJsonObject user = o.value(u"user"_s).toObject();
        QCOMPARE(sortedKeys(user), (QStringList {u"email"_s, u"id"_s, u"role"_s, u"team_id"_s}));
        QCOMPARE(user.value(u"email"_s).toString(), st->a.emails.value(u"marketer"_s));
        QCOMPARE(user.value(u"role"_s).toString(), u"marketer"_s);
        QCOMPARE(user.value(u"team_id"_s).toString(), st->a.id);
        QCOMPARE(user.value(u"id"_s).toString(), st->a.userIds.value(u"marketer"_s));

        // Email is matched case-insensitively.
        const Reply upper = loginReply(st->port(), st->a.emails.value(u"sales"_s).toUpper(), kPassword, u"x"_s);
        E2E_EXPECT_STATUS(upper, 200);
        QCOMPARE(upper.json().value(u"user"_s).toObject().value(u"role"_s).toString(), u"sales"_s);

        Session s;
        s.port = st->port();
        s.token = o.value(u"token"_s).toString();
        const Reply me = s.get("/v1/me");
        E2E_EXPECT_STATUS(me, 200);
        QCOMPARE(me.json(), (QJsonObject {{u"user"_s, user}, {u"device_id"_s, o.value(u"device_id"_s)}}));
    }

    void loginFailuresLookAlike()
    {
        E2E_STACK(st, m_stacks);
        const Reply wrongPassword
            = loginReply(st->port(), st->a.emails.value(u"admin"_s), u"not the password"_s, u"x"_s);
        const Reply unknownEmail = loginReply(st->port(), u"nobody@nowhere.example"_s, kPassword, u"x"_s);
        E2E_EXPECT_ERROR(wrongPassword, 401, "unauthenticated");
        E2E_EXPECT_ERROR(unknownEmail, 401, "unauthenticated");
        QCOMPARE(wrongPassword.body, unknownEmail.body);
        QVERIFY(!wrongPassword.body.contains("token"));
        // A success resets the throttle for this client address (keeps later tests under the limit).
        QVERIFY(login(st->port(), st->a.emails.value(u"admin"_s)).isValid());

        // Malformed login bodies are 400, a wrong content type 415.
        E2E_EXPECT_ERROR(httpRequest(st->port(), "POST", "/v1/auth/login", "{\"email\":1}"), 400, "bad_request");
        E2E_EXPECT_ERROR(httpRequest(st->port(), "POST", "/v1/auth/login", "{\"email\":\"a@b.c\",\"password\":"), 400,
            "bad_request");
        E2E_EXPECT_ERROR(httpRequest(st->port(), "POST", "/v1/auth/login", "email=a", {{"Content-Type", "text/plain"}}),
            415, "unsupported_media_type");
    }

    void unauthenticated_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("authorization");
        const QList<std::pair<QByteArray, QByteArray>> endpoints {{"GET", "/v1/me"}, {"POST", "/v1/auth/logout"},
            {"POST", "/v1/sync/push"}, {"GET", "/v1/sync/pull"}, {"POST", "/v1/admin/users"},
            {"GET", "/v1/admin/devices"}, {"POST", "/v1/admin/devices/6f1c2d3e-0000-4000-8000-000000000001/revoke"}};
        for (const auto &[method, target] : endpoints) {
            QTest::addRow("%s %s no header", method.constData(), target.constData())
                << method << target << QByteArray();
            QTest::addRow("%s %s garbage token", method.constData(), target.constData())
                << method << target << QByteArray("Bearer not-a-token");
            QTest::addRow("%s %s basic", method.constData(), target.constData())
                << method << target << QByteArray("Basic YWRtaW46YWRtaW4=");
        }
    }
    void unauthenticated()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, authorization);
        QList<std::pair<QByteArray, QByteArray>> headers;
        if (!authorization.isEmpty())
            headers.append({"Authorization", authorization});
        const QByteArray body = method == "POST" ? QByteArray("{\"mutations\":[]}") : QByteArray();
        E2E_EXPECT_ERROR(httpRequest(st->port(), method, target, body, headers), 401, "unauthenticated");
    }

    void bearerScheme()
    {
        E2E_STACK(st, m_stacks);
        const QByteArray token = st->a.sales.token.toLatin1();
        // The scheme is case-insensitive (RFC 9110 11.1); extra spaces around the token are tolerated.
        for (const QByteArray &value : {"Bearer " + token, "bearer " + token, "BEARER " + token, "Bearer  " + token})
            E2E_EXPECT_STATUS(httpRequest(st->port(), "GET", "/v1/me", {}, {{"Authorization", value}}), 200);
        for (const QByteArray &value :
            {"Bearer" + token, "Token " + token, token, "Bearer " + token + "x", "Bearer " + QByteArray(300, 'a')})
            E2E_EXPECT_ERROR(
                httpRequest(st->port(), "GET", "/v1/me", {}, {{"Authorization", value}}), 401, "unauthenticated");
    }

    void cliCommands()
    {
        E2E_STACK(st, m_stacks);
        // team create prints the id; user add without --password prints a generated one that signs in.
        const CliResult team = runCli({u"team"_s, u"create"_s, u"Cli team"_s, u"--db"_s, st->dbUrl});
        QVERIFY2(team.ok, qPrintable(team.err));
        QVERIFY2(!QUuid::fromString(team.out).isNull(), qPrintable(team.out));
        const QString email = u"generated.%1@cli.example"_s.arg(randomTag());
        const CliResult user = runCli({u"user"_s, u"add"_s, u"--team"_s, team.out, u"--email"_s, email, u"--role"_s,
            u"marketer"_s, u"--db"_s, st->dbUrl});
        QVERIFY2(user.ok, qPrintable(user.err));
        QVERIFY2(user.out.size() >= 12 && !user.out.contains(u'\n'), qPrintable(user.out));
        const Session s = login(st->port(), email, user.out);
        QVERIFY(s.isValid());
        QCOMPARE(s.teamId, team.out);
        QCOMPARE(s.role, u"marketer"_s);
        // With --password nothing is printed on stdout; a taken email or a short password fails.
        const CliResult again = runCli({u"user"_s, u"add"_s, u"--team"_s, team.out, u"--email"_s, email.toUpper(),
            u"--role"_s, u"sales"_s, u"--password"_s, kPassword, u"--db"_s, st->dbUrl});
        QVERIFY(!again.ok);
        const CliResult shortPassword = runCli({u"user"_s, u"add"_s, u"--team"_s, team.out, u"--email"_s,
            u"x."_s + email, u"--role"_s, u"sales"_s, u"--password"_s, u"short"_s, u"--db"_s, st->dbUrl});
        QVERIFY(!shortPassword.ok);
        const CliResult quiet = runCli({u"user"_s, u"add"_s, u"--team"_s, team.out, u"--email"_s, u"q."_s + email,
            u"--role"_s, u"sales"_s, u"--password"_s, kPassword, u"--db"_s, st->dbUrl});
        QVERIFY2(quiet.ok, qPrintable(quiet.err));
        QCOMPARE(quiet.out, QString());
    }

    // Retention of applied mutation ids (decision 0014): the serve option, its errors, and the prune command.
    void appliedRetention()
    {
        E2E_STACK(st, m_stacks);
        for (const QString &bad : {u"abc"_s, u"-1"_s, u"1.5"_s, u"36501"_s, u""_s}) {
            // Checked before the database is opened: a usage error (exit 2), never a server that runs.
            const CliResult serve = runCli({u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, st->dbUrl,
                u"--applied-retention-days"_s, bad});
            QCOMPARE(serve.exitCode, 2);
            QVERIFY2(serve.err.contains(u"--applied-retention-days"_s) && serve.err.contains(u"Usage:"_s),
                qPrintable(serve.err));
            const CliResult prune = runCli({u"prune"_s, u"--db"_s, st->dbUrl, u"--applied-retention-days"_s, bad});
            QCOMPARE(prune.exitCode, 2);
            QVERIFY2(prune.err.contains(u"--applied-retention-days"_s), qPrintable(prune.err));
        }

        // 0 keeps every id forever: accepted, and nothing is pruned at start.
        ServerProcess keepForever(m_stacks.databases().dir().path());
        QVERIFY2(
            keepForever.start(st->dbUrl, {u"--applied-retention-days"_s, u"0"_s}), qPrintable(keepForever.error()));
        E2E_EXPECT_STATUS(httpRequest(keepForever.port(), "GET", "/healthz"), 200);
        QCOMPARE(keepForever.terminate(), 0);
        QVERIFY(!keepForever.stderrText().contains(u"applied_mutations_pruned"_s));

        // A number of days: a server prunes once at start, off the event loop, and logs one line with the count.
        QVERIFY(insertOldAppliedRows(st->dbUrl, 3));
        ServerProcess pruning(m_stacks.databases().dir().path());
        QVERIFY2(pruning.start(st->dbUrl, {u"--applied-retention-days"_s, u"30"_s}), qPrintable(pruning.error()));
        QDeadlineTimer deadline(30000);
        while (!pruning.stderrText().contains(u"applied_mutations_pruned"_s) && !deadline.hasExpired())
            QThread::msleep(20);
        const QString log = pruning.stderrText();
        QVERIFY2(log.contains(u"\"event\":\"applied_mutations_pruned\""_s) && log.contains(u"\"retention_days\":30"_s)
                && log.contains(u"\"deleted\":3,"_s),
            qPrintable(log.right(2000)));
        QCOMPARE(pruning.terminate(), 0);

        // Recent ids stay: prune deletes none of them, and a retried push is still a duplicate.
        const Session &admin = st->a.admin;
        const QJsonArray batch {upsert(u"tag"_s, uuid(), createFields(u"tag"_s), nextHlc(admin.hlcDevice()))};
        E2E_EXPECT_STATUS(admin.push(batch), 200);
        const CliResult prune = runCli({u"prune"_s, u"--db"_s, st->dbUrl});
        QVERIFY2(prune.ok, qPrintable(prune.err));
        QCOMPARE(prune.out, u"0"_s);
        const Reply retried = admin.push(batch);
        E2E_EXPECT_STATUS(retried, 200);
        QCOMPARE(retried.json().value(u"results"_s).toArray().at(0).toObject().value(u"status"_s).toString(),
            u"duplicate"_s);
        const CliResult keepAll = runCli({u"prune"_s, u"--applied-retention-days"_s, u"0"_s, u"--db"_s, st->dbUrl});
        QVERIFY2(keepAll.ok, qPrintable(keepAll.err));
        QCOMPARE(keepAll.out, u"0"_s);
    }

    void logout()
    {
        E2E_STACK(st, m_stacks);
        const Session s = login(st->port(), st->a.emails.value(u"sales"_s), kPassword, u"to log out"_s);
        QVERIFY(s.isValid());
        E2E_EXPECT_STATUS(s.get("/v1/me"), 200);
        const Reply out = s.post("/v1/auth/logout", QByteArray());
        E2E_EXPECT_STATUS(out, 204);
        QVERIFY(out.body.isEmpty());
        E2E_EXPECT_ERROR(s.get("/v1/me"), 401, "unauthenticated");
        E2E_EXPECT_ERROR(s.pull(), 401, "unauthenticated");
        E2E_EXPECT_ERROR(s.post("/v1/auth/logout", QByteArray()), 401, "unauthenticated");
        // The device is gone from the admin's list; other sessions of the user keep working.
        const Reply devices = st->a.admin.get("/v1/admin/devices");
        E2E_EXPECT_STATUS(devices, 200);
        QVERIFY(!devices.body.contains(s.deviceId.toUtf8()));
        E2E_EXPECT_STATUS(st->a.sales.get("/v1/me"), 200);
    }

    void pushStatuses()
    {
        E2E_STACK(st, m_stacks);
        const Session &admin = st->a.admin;
        const Session &marketer = st->a.marketer;
        const QString record = uuid();

        // applied
        const QString h1 = nextHlc(admin.hlcDevice());
        const QJsonObject create = upsert(u"account"_s, record, {{u"name"_s, u"Initech"_s}}, h1);
        Reply r = admin.push({create});
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.json(),
            (QJsonObject {{u"results"_s,
                QJsonArray {QJsonObject {{u"id"_s, create.value(u"id"_s)}, {u"status"_s, u"applied"_s}}}}}));

        // duplicate: the same mutation id again changes nothing
        const FullPull before = pullAll(admin);
        QVERIFY2(before.ok, qPrintable(before.why));
        r = admin.push({create});
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.json(),
            (QJsonObject {{u"results"_s,
                QJsonArray {QJsonObject {{u"id"_s, create.value(u"id"_s)}, {u"status"_s, u"duplicate"_s}}}}}));
        QCOMPARE(pullAll(admin, before.cursor).changes.size(), 0);

        // superseded: an older stamp loses the name, but its new field is stored
        const QString h2 = nextHlc(admin.hlcDevice());
        QVERIFY(admin.push({upsert(u"account"_s, record, {{u"name"_s, u"Initech 2"_s}}, h2)}).status == 200);
        const QString older = nextHlc(marketer.hlcDevice(), -30000);
        const QJsonObject stale
            = upsert(u"account"_s, record, {{u"name"_s, u"Old name"_s}, {u"segment"_s, u"retail"_s}}, older,
                {{u"name"_s, h2}, {u"segment"_s, QJsonValue::Null}});
        r = marketer.push({stale});
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.json(),
            (QJsonObject {{u"results"_s,
                QJsonArray {QJsonObject {{u"id"_s, stale.value(u"id"_s)}, {u"status"_s, u"superseded"_s},
                    {u"lost_fields"_s, QJsonArray {u"name"_s}}}}}}));

        // rejected: forbidden for sales, bad_request for a create without its required name
        const QJsonObject salesEdit
            = upsert(u"account"_s, record, {{u"name"_s, u"Sales name"_s}}, nextHlc(st->a.sales.hlcDevice()));
        r = st->a.sales.push({salesEdit});
        E2E_EXPECT_STATUS(r, 200);
        QJsonObject result = r.json().value(u"results"_s).toArray().at(0).toObject();
        QCOMPARE(result.value(u"id"_s), salesEdit.value(u"id"_s));
        QCOMPARE(result.value(u"status"_s).toString(), u"rejected"_s);
        QCOMPARE(result.value(u"error"_s).toString(), u"forbidden"_s);

        const QJsonObject nameless
            = upsert(u"account"_s, uuid(), {{u"domain"_s, u"x.example"_s}}, nextHlc(admin.hlcDevice()));
        r = admin.push({nameless});
        E2E_EXPECT_STATUS(r, 200);
        result = r.json().value(u"results"_s).toArray().at(0).toObject();
        QCOMPARE(result.value(u"status"_s).toString(), u"rejected"_s);
        QCOMPARE(result.value(u"error"_s).toString(), u"bad_request"_s);

        // A rejected mutation is not remembered: after the cause is gone it could apply (not duplicate).
        // One result per mutation, same order, in a mixed batch.
        const QJsonObject m1 = upsert(u"tag"_s, uuid(), {{u"name"_s, u"t1"_s}}, nextHlc(admin.hlcDevice()));
        const QJsonObject m2 = upsert(u"tag"_s, uuid(), {{u"color"_s, u"#000000"_s}}, nextHlc(admin.hlcDevice()));
        const QJsonObject m3 = upsert(u"tag"_s, uuid(), {{u"name"_s, u"t3"_s}}, nextHlc(admin.hlcDevice()));
        r = admin.push({m1, m2, m3, m1});
        E2E_EXPECT_STATUS(r, 200);
        const QJsonArray results = r.json().value(u"results"_s).toArray();
        QCOMPARE(results.size(), 4);
        QCOMPARE(results.at(0).toObject().value(u"id"_s), m1.value(u"id"_s));
        QCOMPARE(results.at(0).toObject().value(u"status"_s).toString(), u"applied"_s);
        QCOMPARE(results.at(1).toObject().value(u"id"_s), m2.value(u"id"_s));
        QCOMPARE(results.at(1).toObject().value(u"status"_s).toString(), u"rejected"_s);
        QCOMPARE(results.at(2).toObject().value(u"id"_s), m3.value(u"id"_s));
        QCOMPARE(results.at(2).toObject().value(u"status"_s).toString(), u"applied"_s);
        QCOMPARE(results.at(3).toObject().value(u"status"_s).toString(), u"duplicate"_s);

        // The stored record: name from h2, segment from the stale edit.
        const QJsonObject change = pullAll(admin).byRecord().value(record);
        QCOMPARE(change.value(u"fields"_s).toObject(),
            (QJsonObject {{u"name"_s, u"Initech 2"_s}, {u"segment"_s, u"retail"_s}}));
        QCOMPARE(change.value(u"field_hlcs"_s).toObject().value(u"name"_s).toString(), h2);
        QCOMPARE(change.value(u"field_hlcs"_s).toObject().value(u"segment"_s).toString(), older);

        // An empty batch is fine.
        r = admin.push({});
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.json(), (QJsonObject {{u"results"_s, QJsonArray {}}}));
    }

    // Decision 0025 over HTTP: a push with the device's cursor is answered with the cursor after it when the device
    // held everything; otherwise, and without a cursor, the answer is the contract's.
    void pushWithTheDevicesCursor()
    {
        E2E_STACK(st, m_stacks);
        const Session &admin = st->a.admin;
        const Session &marketer = st->a.marketer;
        const FullPull start = pullAll(admin);
        QVERIFY2(start.ok, qPrintable(start.why));
        const auto pushWith = [&](const Session &s, const QJsonArray &mutations, const QString &cursor) {
            return s.post("/v1/sync/push", QJsonObject {{u"mutations"_s, mutations}, {u"cursor"_s, cursor}});
        };

        const QString tag = uuid();
        Reply r = pushWith(admin, {upsert(u"tag"_s, tag, {{u"name"_s, u"caught up"_s}}, nextHlc(admin.hlcDevice()))},
            start.cursor);
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(sortedKeys(r.json()), (QStringList {u"cursor"_s, u"results"_s}));
        const QString next = r.json().value(u"cursor"_s).toString();
        const FullPull after = pullAll(admin);
        QCOMPARE(next, after.cursor);
        QCOMPARE(pullAll(admin, next).changes.size(), 0);

        // Another device wrote since: no cursor, and the pull brings both.
        E2E_EXPECT_STATUS(marketer.push({upsert(u"tag"_s, uuid(), {{u"name"_s, u"other"_s}},
                                             nextHlc(marketer.hlcDevice()))}),
            200);
        r = pushWith(admin, {upsert(u"tag"_s, uuid(), {{u"name"_s, u"late"_s}}, nextHlc(admin.hlcDevice()))}, next);
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(sortedKeys(r.json()), (QStringList {u"results"_s}));
        QCOMPARE(pullAll(admin, next).changes.size(), 2);

        // A cursor that is not the server's does not stop the push; the pull refuses it as always.
        const QString bogus = u"not-a-cursor"_s;
        const QString kept = uuid();
        r = pushWith(admin, {upsert(u"tag"_s, kept, {{u"name"_s, u"kept"_s}}, nextHlc(admin.hlcDevice()))}, bogus);
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(sortedKeys(r.json()), (QStringList {u"results"_s}));
        QCOMPARE(r.json().value(u"results"_s).toArray().first().toObject().value(u"status"_s).toString(),
            u"applied"_s);
        E2E_EXPECT_STATUS(admin.pull(bogus), 400);
        // A cursor of the wrong type is a bad request, and nothing of it applies.
        const QString refused = uuid();
        r = admin.post("/v1/sync/push",
            QJsonObject {{u"mutations"_s,
                             QJsonArray {upsert(u"tag"_s, refused, {{u"name"_s, u"x"_s}}, nextHlc(admin.hlcDevice()))}},
                {u"cursor"_s, 12}});
        E2E_EXPECT_STATUS(r, 400);
        const FullPull last = pullAll(admin);
        bool sawKept = false;
        for (const QJsonObject &c : last.changes) {
            QVERIFY(c.value(u"record_id"_s).toString() != refused);
            sawKept = sawKept || c.value(u"record_id"_s).toString() == kept;
        }
        QVERIFY(sawKept);
    }

    void changeFormatAndConflicts()
    {
        E2E_STACK(st, m_stacks);
        const Session &admin = st->a.admin;
        const Session &marketer = st->a.marketer;
        const QString record = uuid();
        const QString h0 = nextHlc(admin.hlcDevice());
        QCOMPARE(admin.push({upsert(u"contact"_s, record, {{u"name"_s, u"Ana"_s}}, h0)}).status, 200);
        // Two devices edit the name concurrently, both from h0: the later stamp wins, the other is a conflict.
        const QString hA = nextHlc(admin.hlcDevice());
        const QString hM = nextHlc(marketer.hlcDevice());
        QCOMPARE(
            admin.push({upsert(u"contact"_s, record, {{u"name"_s, u"Ana A"_s}}, hA, {{u"name"_s, h0}})}).status, 200);
        const Reply r = marketer.push({upsert(u"contact"_s, record, {{u"name"_s, u"Ana M"_s}}, hM, {{u"name"_s, h0}})});
        E2E_EXPECT_STATUS(r, 200);
        QCOMPARE(r.json().value(u"results"_s).toArray().at(0).toObject().value(u"status"_s).toString(), u"applied"_s);

        const QJsonObject change = pullAll(st->a.sales).byRecord().value(record);
        QCOMPARE(change.value(u"entity"_s).toString(), u"contact"_s);
        QCOMPARE(change.value(u"record_id"_s).toString(), record);
        QCOMPARE(change.value(u"deleted"_s).toBool(true), false);
        QCOMPARE(change.value(u"fields"_s).toObject(), (QJsonObject {{u"name"_s, u"Ana M"_s}}));
        QCOMPARE(change.value(u"field_hlcs"_s).toObject(), (QJsonObject {{u"name"_s, hM}}));
        QCOMPARE(change.value(u"hlc"_s).toString(), hM);
        QCOMPARE(change.value(u"conflicts"_s).toArray(),
            (QJsonArray {QJsonObject {{u"field"_s, u"name"_s}, {u"value"_s, u"Ana A"_s}, {u"hlc"_s, hA},
                {u"device_id"_s, admin.hlcDevice()}}}));

        // A delete wins; the change has no fields.
        const QString hD = nextHlc(admin.hlcDevice());
        QCOMPARE(admin.push({removal(u"contact"_s, record, hD)}).status, 200);
        const QJsonObject gone = pullAll(marketer).byRecord().value(record);
        QCOMPARE(gone.value(u"deleted"_s).toBool(), true);
        QVERIFY(!gone.contains(u"fields"_s));
        QCOMPARE(gone.value(u"hlc"_s).toString(), hD);
    }

    void pullPaging()
    {
        E2E_STACK(st, m_stacks);
        const Session &admin = st->a.admin;
        const FullPull start = pullAll(admin);
        QVERIFY2(start.ok, qPrintable(start.why));
        QStringList ids;
        QJsonArray batch;
        for (int i = 0; i < 5; ++i) {
            ids << uuid();
            batch.append(upsert(u"tag"_s, ids.last(), {{u"name"_s, u"page %1"_s.arg(i)}}, nextHlc(admin.hlcDevice())));
        }
        E2E_EXPECT_STATUS(admin.push(batch), 200);

        QString cursor = start.cursor;
        QStringList seen;
        const QList<bool> expectMore {true, true, false};
        for (int page = 0; page < 3; ++page) {
            const Reply r = admin.pull(cursor, 2);
            E2E_EXPECT_STATUS(r, 200);
            const QJsonObject o = r.json();
            QCOMPARE(sortedKeys(o), (QStringList {u"changes"_s, u"cursor"_s, u"has_more"_s}));
            QCOMPARE(o.value(u"has_more"_s).toBool(), expectMore.at(page));
            const QJsonArray changes = o.value(u"changes"_s).toArray();
            QCOMPARE(changes.size(), page < 2 ? 2 : 1);
            for (const QJsonValue &c : changes)
                seen << c.toObject().value(u"record_id"_s).toString();
            QVERIFY(!o.value(u"cursor"_s).toString().isEmpty());
            QVERIFY(o.value(u"cursor"_s).toString() != cursor);
            cursor = o.value(u"cursor"_s).toString();
        }
        QCOMPARE(seen, ids); // in push order, each once
        // At the end: nothing new, has_more false, the cursor stays usable.
        const Reply end = admin.pull(cursor, 2);
        E2E_EXPECT_STATUS(end, 200);
        QCOMPARE(end.json().value(u"changes"_s).toArray().size(), 0);
        QCOMPARE(end.json().value(u"has_more"_s).toBool(true), false);
        QCOMPARE(end.json().value(u"cursor"_s).toString(), cursor);

        // No cursor = from the start; no limit = default 500.
        const Reply all = admin.get("/v1/sync/pull");
        E2E_EXPECT_STATUS(all, 200);
        for (const QString &id : ids)
            QVERIFY(all.body.contains(id.toUtf8()));
        QCOMPARE(all.json().value(u"changes"_s).toArray().size(), start.changes.size() + 5);
    }

    void pullLimits_data()
    {
        QTest::addColumn<QByteArray>("query");
        QTest::addColumn<int>("status");
        QTest::newRow("0") << QByteArray("limit=0") << 400;
        QTest::newRow("1001") << QByteArray("limit=1001") << 400;
        QTest::newRow("abc") << QByteArray("limit=abc") << 400;
        QTest::newRow("-1") << QByteArray("limit=-1") << 400;
        QTest::newRow("1.5") << QByteArray("limit=1.5") << 400;
        QTest::newRow("empty") << QByteArray("limit=") << 400;
        QTest::newRow("huge") << QByteArray("limit=99999999999999999999") << 400;
        QTest::newRow("1") << QByteArray("limit=1") << 200;
        QTest::newRow("1000") << QByteArray("limit=1000") << 200;
    }
    void pullLimits()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QByteArray, query);
        QFETCH(int, status);
        const Reply r = st->a.admin.get("/v1/sync/pull?" + query);
        if (status == 400) {
            E2E_EXPECT_ERROR(r, 400, "bad_request");
        } else {
            E2E_EXPECT_STATUS(r, 200);
            const int limit = query.mid(6).toInt();
            QVERIFY(r.json().value(u"changes"_s).toArray().size() <= limit);
        }
    }

    void adminUsers()
    {
        E2E_STACK(st, m_stacks);
        const QString email = u"new.%1@teama.example"_s.arg(randomTag());
        const QJsonObject body {{u"email"_s, email}, {u"role"_s, u"sales"_s}, {u"password"_s, u"a long password"_s}};
        const Reply created = st->a.admin.post("/v1/admin/users", body);
        E2E_EXPECT_STATUS(created, 201);
        const QJsonObject user = created.json().value(u"user"_s).toObject();
        QCOMPARE(sortedKeys(created.json()), QStringList {u"user"_s});
        QCOMPARE(sortedKeys(user), (QStringList {u"email"_s, u"id"_s, u"role"_s, u"team_id"_s}));
        QCOMPARE(user.value(u"email"_s).toString(), email);
        QCOMPARE(user.value(u"role"_s).toString(), u"sales"_s);
        QCOMPARE(user.value(u"team_id"_s).toString(), st->a.id);
        QVERIFY(!created.body.contains("a long password"));

        const Session s = login(st->port(), email, u"a long password"_s);
        QVERIFY(s.isValid());
        QCOMPARE(s.userId, user.value(u"id"_s).toString());
        QCOMPARE(s.teamId, st->a.id);

        // The same email again (any case, any team's admin): 409.
        QJsonObject again = body;
        again.insert(u"email"_s, email.toUpper());
        E2E_EXPECT_ERROR(st->a.admin.post("/v1/admin/users", again), 409, "conflict");
        E2E_EXPECT_ERROR(st->b.admin.post("/v1/admin/users", body), 409, "conflict");

        // Non-admins: 403, nothing created.
        const QString other = u"other.%1@teama.example"_s.arg(randomTag());
        QJsonObject fresh = body;
        fresh.insert(u"email"_s, other);
        E2E_EXPECT_ERROR(st->a.marketer.post("/v1/admin/users", fresh), 403, "forbidden");
        E2E_EXPECT_ERROR(st->a.sales.post("/v1/admin/users", fresh), 403, "forbidden");
        QVERIFY(!login(st->port(), other, u"a long password"_s).isValid());
        QVERIFY(login(st->port(), st->a.emails.value(u"admin"_s)).isValid()); // reset the throttle

        // Invalid bodies: 400.
        for (const QByteArray &bad :
            {QByteArray("{\"email\":\"x@y.z\",\"role\":\"boss\",\"password\":\"long enough\"}"),
                QByteArray("{\"email\":\"x@y.z\",\"role\":\"sales\",\"password\":\"short\"}"),
                QByteArray("{\"email\":\"not an email\",\"role\":\"sales\",\"password\":\"long enough\"}"),
                QByteArray("{\"email\":\"x@y.z\",\"role\":\"sales\",\"password\":\"long enough\",\"admin\":\"1\"}"),
                QByteArray("{\"email\":\"x@y.z\",\"role\":\"sales\",\"password\":12345678}"), QByteArray("[]"),
                QByteArray("{")}) {
            E2E_EXPECT_ERROR(st->a.admin.post("/v1/admin/users", bad), 400, "bad_request");
        }
    }

    void devicesList()
    {
        E2E_STACK(st, m_stacks);
        const Reply r = st->a.admin.get("/v1/admin/devices");
        E2E_EXPECT_STATUS(r, 200);
        const QJsonArray devices = r.json().value(u"devices"_s).toArray();
        QSet<QString> ids;
        for (const QJsonValue &v : devices) {
            const QJsonObject d = v.toObject();
            QCOMPARE(sortedKeys(d), (QStringList {u"id"_s, u"last_seen"_s, u"name"_s, u"revoked"_s, u"user_id"_s}));
            QVERIFY(d.value(u"revoked"_s).isBool());
            QVERIFY(d.value(u"last_seen"_s).isNull() || d.value(u"last_seen"_s).isString());
            if (d.value(u"last_seen"_s).isString())
                QVERIFY(QDateTime::fromString(d.value(u"last_seen"_s).toString(), Qt::ISODateWithMs).isValid());
            QVERIFY(st->a.userIds.values().contains(d.value(u"user_id"_s).toString())
                || !d.value(u"user_id"_s).toString().isEmpty());
            ids.insert(d.value(u"id"_s).toString());
        }
        for (const Session *s : {&st->a.admin, &st->a.marketer, &st->a.sales})
            QVERIFY2(ids.contains(s->deviceId), qPrintable(s->role));
        const QJsonObject mine = [&] {
            for (const QJsonValue &v : devices) {
                if (v.toObject().value(u"id"_s).toString() == st->a.marketer.deviceId)
                    return v.toObject();
            }
            return QJsonObject();
        }();
        QCOMPARE(mine.value(u"user_id"_s).toString(), st->a.userIds.value(u"marketer"_s));
        QCOMPARE(mine.value(u"name"_s).toString(), u"marketer phone"_s);
        // Never another team's devices.
        for (const Session *s : {&st->b.admin, &st->b.marketer, &st->b.sales})
            QVERIFY(!r.body.contains(s->deviceId.toUtf8()));
    }

    void revoke()
    {
        E2E_STACK(st, m_stacks);
        const Session d1 = login(st->port(), st->a.emails.value(u"marketer"_s), kPassword, u"tablet 1"_s);
        const Session d2 = login(st->port(), st->a.emails.value(u"marketer"_s), kPassword, u"tablet 2"_s);
        QVERIFY(d1.isValid() && d2.isValid());
        const QByteArray path = "/v1/admin/devices/" + d1.deviceId.toLatin1() + "/revoke";
        const Reply r = st->a.admin.post(path, QByteArray());
        E2E_EXPECT_STATUS(r, 204);
        QVERIFY(r.body.isEmpty());

        const Reply refused = d1.get("/v1/me");
        E2E_EXPECT_STATUS(refused, 401);
        QCOMPARE(refused.json().value(u"error"_s).toString(), u"device_revoked"_s);
        QCOMPARE(refused.json().value(u"wipe"_s), QJsonValue(true));
        QVERIFY(refused.json().value(u"message"_s).isString());
        E2E_EXPECT_ERROR(d1.pull(), 401, "device_revoked");
        E2E_EXPECT_ERROR(d1.push({}), 401, "device_revoked");
        // Other devices, of the same user too, keep working.
        E2E_EXPECT_STATUS(d2.get("/v1/me"), 200);
        E2E_EXPECT_STATUS(d2.pull(), 200);
        E2E_EXPECT_STATUS(st->a.marketer.get("/v1/me"), 200);

        const Reply list = st->a.admin.get("/v1/admin/devices");
        for (const QJsonValue &v : list.json().value(u"devices"_s).toArray()) {
            const QJsonObject d = v.toObject();
            if (d.value(u"id"_s).toString() == d1.deviceId)
                QCOMPARE(d.value(u"revoked"_s), QJsonValue(true));
            if (d.value(u"id"_s).toString() == d2.deviceId)
                QCOMPARE(d.value(u"revoked"_s), QJsonValue(false));
        }
        // Revoking twice is harmless.
        E2E_EXPECT_STATUS(st->a.admin.post(path, QByteArray()), 204);

        // Unknown device, another team's device, not a uuid: 404; the other team's device keeps working.
        E2E_EXPECT_ERROR(
            st->a.admin.post("/v1/admin/devices/" + uuid().toLatin1() + "/revoke", QByteArray()), 404, "not_found");
        const Session foreign = login(st->port(), st->b.emails.value(u"sales"_s), kPassword, u"b phone"_s);
        QVERIFY(foreign.isValid());
        E2E_EXPECT_ERROR(st->a.admin.post("/v1/admin/devices/" + foreign.deviceId.toLatin1() + "/revoke", QByteArray()),
            404, "not_found");
        E2E_EXPECT_STATUS(foreign.get("/v1/me"), 200);
        E2E_EXPECT_ERROR(st->a.admin.post("/v1/admin/devices/nope/revoke", QByteArray()), 404, "not_found");
    }

    void methodNotAllowed_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("allow");
        QTest::newRow("GET login") << QByteArray("GET") << QByteArray("/v1/auth/login") << QByteArray("POST");
        QTest::newRow("POST healthz") << QByteArray("POST") << QByteArray("/healthz") << QByteArray("GET");
        QTest::newRow("DELETE me") << QByteArray("DELETE") << QByteArray("/v1/me") << QByteArray("GET");
        QTest::newRow("PUT push") << QByteArray("PUT") << QByteArray("/v1/sync/push") << QByteArray("POST");
        QTest::newRow("POST pull") << QByteArray("POST") << QByteArray("/v1/sync/pull") << QByteArray("GET");
        QTest::newRow("GET users") << QByteArray("GET") << QByteArray("/v1/admin/users") << QByteArray("POST");
        QTest::newRow("POST devices") << QByteArray("POST") << QByteArray("/v1/admin/devices") << QByteArray("GET");
        QTest::newRow("GET revoke") << QByteArray("GET")
                                    << QByteArray("/v1/admin/devices/6f1c2d3e-0000-4000-8000-000000000001/revoke")
                                    << QByteArray("POST");
    }
    void methodNotAllowed()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, allow);
        const QByteArray body = (method == "POST" || method == "PUT") ? QByteArray("{}") : QByteArray();
        const Reply r = httpRequest(st->port(), method, target, body, st->a.admin.auth());
        E2E_EXPECT_ERROR(r, 405, "method_not_allowed");
        QVERIFY2(r.header("Allow").contains(allow), r.header("Allow").constData());
    }

    void notFound_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("root") << QByteArray("GET") << QByteArray("/");
        QTest::newRow("unknown") << QByteArray("GET") << QByteArray("/nope");
        QTest::newRow("v2") << QByteArray("GET") << QByteArray("/v2/me");
        QTest::newRow("deeper") << QByteArray("GET") << QByteArray("/v1/sync/pull/extra");
        QTest::newRow("post unknown") << QByteArray("POST") << QByteArray("/v1/sync/pushes");
        QTest::newRow("revoke no id") << QByteArray("POST") << QByteArray("/v1/admin/devices//revoke");
        QTest::newRow("case") << QByteArray("GET") << QByteArray("/V1/ME");
    }
    void notFound()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        const QByteArray body = method == "POST" ? QByteArray("{}") : QByteArray();
        E2E_EXPECT_ERROR(httpRequest(st->port(), method, target, body, st->a.admin.auth()), 404, "not_found");
        // Without a token the same (routing comes before authentication).
        E2E_EXPECT_ERROR(httpRequest(st->port(), method, target, body), 404, "not_found");
    }

    void serverStillHealthy()
    {
        E2E_STACK(st, m_stacks);
        E2E_EXPECT_STATUS(httpRequest(st->port(), "GET", "/healthz"), 200);
        QVERIFY2(st->server->isRunning(), qPrintable(st->server->stderrText().right(2000)));
        QVERIFY(!st->server->stderrText().contains(u"\"status\":5"_s));
    }
};

QTEST_GUILESS_MAIN(TestServerApi)
#include "tst_serverapi.moc"
