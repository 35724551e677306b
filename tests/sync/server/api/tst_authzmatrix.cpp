// End-to-end: the authorization matrix (ARCHITECTURE.md "Roles", SYNC-API.md) against the real server process:
// role x entity x operation x (own team / other team / revoked device), generated data-driven, plus what each role
// may read, team isolation down to the raw pull bytes, and the admin endpoints for non-admins.
#include "serverprocess.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes::e2e;

namespace {

const QStringList kRoles {u"admin"_s, u"marketer"_s, u"sales"_s};
const QStringList kOps {u"create"_s, u"update"_s, u"delete"_s};
const QStringList kScopes {u"own"_s, u"other"_s, u"revoked"_s};
const QStringList kSalesReadable {u"account"_s, u"contact"_s, u"tag"_s, u"lead"_s, u"insight"_s};

/// What the role may do (ARCHITECTURE.md "Roles"): "applied" or "forbidden".
QString expectedOutcome(const QString &role, const QString &entity, const QString &op, const QJsonObject &fields)
{
    if (role != u"sales"_s)
        return u"applied"_s;
    if (entity != u"lead"_s || op != u"update"_s)
        return u"forbidden"_s;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (it.key() != u"status"_s && it.key() != u"outcome"_s)
            return u"forbidden"_s;
    }
    return u"applied"_s;
}

} // namespace

class TestAuthzMatrix : public QObject
{
    Q_OBJECT

    Stacks m_stacks {u"authz"_s};
    /// Per backend: the admin of team A's pull cursor (only what changed since is pulled), and revoked sessions.
    QMap<QString, QString> m_cursor;
    QMap<QString, QMap<QString, Session>> m_revoked; ///< backend -> role -> a revoked device of team A

    /// Changes team A's admin sees since the last call (ok false if the pull failed).
    FullPull changesSinceLastLook(const QString &backend, const Session &admin)
    {
        FullPull p = pullAll(admin, m_cursor.value(backend));
        if (p.ok)
            m_cursor.insert(backend, p.cursor);
        return p;
    }

    bool ensureRevoked(const QString &backend, Stack *st, QString *why)
    {
        if (m_revoked.contains(backend))
            return true;
        QMap<QString, Session> sessions;
        for (const QString &role : kRoles) {
            Session s = login(st->port(), st->a.emails.value(role), kPassword, u"stolen %1"_s.arg(role), why);
            if (!s.isValid())
                return false;
            const Reply r = st->a.admin.post("/v1/admin/devices/" + s.deviceId.toLatin1() + "/revoke", QByteArray());
            if (r.status != 204) {
                *why = r.describe();
                return false;
            }
            sessions.insert(role, s);
        }
        m_revoked.insert(backend, sessions);
        return true;
    }

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

    void writeMatrix_data()
    {
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QString>("role");
        QTest::addColumn<QString>("entity");
        QTest::addColumn<QString>("op");
        QTest::addColumn<QJsonObject>("fields");
        for (const QString &scope : kScopes) {
            for (const QString &role : kRoles) {
                for (const QString &entity : kEntities) {
                    for (const QString &op : kOps) {
                        const QJsonObject fields = op == u"create"_s ? createFields(entity, u"by "_s + role)
                            : op == u"update"_s                      ? updateFields(entity, u"by "_s + role)
                                                                     : QJsonObject();
                        QTest::addRow(
                            "%s %s %s %s", qPrintable(scope), qPrintable(role), qPrintable(entity), qPrintable(op))
                            << scope << role << entity << op << fields;
                    }
                }
                // Leads field by field: sales may change status and outcome only.
                const QList<std::pair<const char *, QJsonObject>> leadEdits {
                    {"status", {{u"status"_s, u"accepted"_s}}},
                    {"outcome", {{u"outcome"_s, u"signed"_s}}},
                    {"status+outcome", {{u"status"_s, u"done"_s}, {u"outcome"_s, u"won"_s}}},
                    {"account_id", {{u"account_id"_s, uuid()}}},
                    {"recommendation", {{u"recommendation"_s, u"email"_s}}},
                    {"priority", {{u"priority"_s, 1}}},
                    {"horizon", {{u"horizon"_s, u"year"_s}}},
                    {"status+priority", {{u"status"_s, u"declined"_s}, {u"priority"_s, 2}}},
                };
                for (const auto &[label, fields] : leadEdits) {
                    QTest::addRow("%s %s lead update %s", qPrintable(scope), qPrintable(role), label)
                        << scope << role << u"lead"_s << u"update"_s << fields;
                }
            }
        }
    }

    void writeMatrix()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QString, scope);
        QFETCH(QString, role);
        QFETCH(QString, entity);
        QFETCH(QString, op);
        QFETCH(QJsonObject, fields);
        const Session &adminA = st->a.admin;

        // The target: for update and delete an existing record of team A, made by its admin.
        const QString record = uuid();
        QJsonObject initial;
        if (op != u"create"_s) {
            initial = createFields(entity, u"initial"_s);
            const Reply prep = adminA.push({upsert(entity, record, initial, nextHlc(adminA.hlcDevice()))});
            E2E_EXPECT_STATUS(prep, 200);
            QCOMPARE(
                prep.json().value(u"results"_s).toArray().at(0).toObject().value(u"status"_s).toString(), u"applied"_s);
        }
        QVERIFY(changesSinceLastLook(backend, adminA).ok);

        Session actor;
        if (scope == u"own"_s) {
            actor = st->a.byRole(role);
        } else if (scope == u"other"_s) {
            actor = st->b.byRole(role);
        } else {
            QString why;
            QVERIFY2(ensureRevoked(backend, st, &why), qPrintable(why));
            actor = m_revoked.value(backend).value(role);
        }
        const QString hlc = nextHlc(actor.hlcDevice());
        const QJsonObject mutation
            = op == u"delete"_s ? removal(entity, record, hlc) : upsert(entity, record, fields, hlc);
        const Reply r = actor.push({mutation});

        if (scope == u"revoked"_s) {
            E2E_EXPECT_ERROR(r, 401, "device_revoked");
            QCOMPARE(r.json().value(u"wipe"_s), QJsonValue(true));
            const FullPull none = changesSinceLastLook(backend, adminA);
            QVERIFY2(none.ok, qPrintable(none.why));
            QCOMPARE(none.changes.size(), 0);
            return;
        }
        E2E_EXPECT_STATUS(r, 200);
        const QJsonObject result = r.json().value(u"results"_s).toArray().at(0).toObject();
        QCOMPARE(result.value(u"id"_s), mutation.value(u"id"_s));
        const FullPull look = changesSinceLastLook(backend, adminA);
        QVERIFY2(look.ok, qPrintable(look.why));
        const QList<QJsonObject> &changed = look.changes;

        if (scope == u"other"_s) {
            // Another team addresses the same record id: whatever it does stays in its own team.
            QCOMPARE(changed.size(), 0);
            if (role == u"sales"_s)
                QCOMPARE(result.value(u"status"_s).toString(), u"rejected"_s);
            const FullPull theirs = pullAll(st->b.admin);
            QVERIFY2(theirs.ok, qPrintable(theirs.why));
            if (!initial.isEmpty()) {
                const QByteArray raw = theirs.rawBodies();
                for (auto it = initial.begin(); it != initial.end(); ++it) {
                    if (it.value().isString() && it.value().toString().contains(u"initial"_s))
                        QVERIFY2(!raw.contains(it.value().toString().toUtf8()), "team B sees team A's values");
                }
            }
            return;
        }

        const QString expected = expectedOutcome(role, entity, op, fields);
        if (expected == u"forbidden"_s) {
            QCOMPARE(result.value(u"status"_s).toString(), u"rejected"_s);
            QCOMPARE(result.value(u"error"_s).toString(), u"forbidden"_s);
            QCOMPARE(changed.size(), 0);
            return;
        }
        QVERIFY2(result.value(u"status"_s).toString() == u"applied"_s, compact(result).constData());
        QCOMPARE(changed.size(), 1);
        const QJsonObject change = changed.constFirst();
        QCOMPARE(change.value(u"record_id"_s).toString(), record);
        QCOMPARE(change.value(u"entity"_s).toString(), entity);
        if (op == u"delete"_s) {
            QCOMPARE(change.value(u"deleted"_s).toBool(), true);
            QVERIFY(!change.contains(u"fields"_s));
        } else {
            QJsonObject want = initial;
            for (auto it = fields.begin(); it != fields.end(); ++it)
                want.insert(it.key(), it.value());
            QCOMPARE(change.value(u"deleted"_s).toBool(true), false);
            QCOMPARE(change.value(u"fields"_s).toObject(), want);
            for (auto it = fields.begin(); it != fields.end(); ++it)
                QCOMPARE(change.value(u"field_hlcs"_s).toObject().value(it.key()).toString(), hlc);
        }
    }

    void salesReadsOnlyItsEntities()
    {
        E2E_STACK(st, m_stacks);
        const Session &admin = st->a.admin;
        const QString marker = u"secret-%1"_s.arg(randomTag());
        QMap<QString, QString> idOf; // entity -> record id
        QJsonArray batch;
        for (const QString &entity : kEntities) {
            idOf.insert(entity, uuid());
            batch.append(upsert(entity, idOf.value(entity), createFields(entity, marker + u"-"_s + entity),
                nextHlc(admin.hlcDevice())));
        }
        const QString unpublished = uuid();
        QJsonObject draft = createFields(u"insight"_s, marker + u"-draft"_s);
        draft.insert(u"published"_s, false);
        batch.append(upsert(u"insight"_s, unpublished, draft, nextHlc(admin.hlcDevice())));
        const Reply pushed = admin.push(batch);
        E2E_EXPECT_STATUS(pushed, 200);
        for (const QJsonValue &v : pushed.json().value(u"results"_s).toArray())
            QCOMPARE(v.toObject().value(u"status"_s).toString(), u"applied"_s);

        // Admin and marketer see everything.
        for (const Session *reader : {&st->a.admin, &st->a.marketer}) {
            const auto records = pullAll(*reader).byRecord();
            for (const QString &entity : kEntities)
                QVERIFY2(
                    records.value(idOf.value(entity)).value(u"fields"_s).toObject().size() > 0, qPrintable(entity));
            QVERIFY(records.value(unpublished).value(u"fields"_s).toObject().contains(u"text"_s));
        }

        const FullPull sales = pullAll(st->a.sales);
        QVERIFY2(sales.ok, qPrintable(sales.why));
        const QByteArray raw = sales.rawBodies();
        for (const QJsonObject &c : sales.changes) {
            const QString entity = c.value(u"entity"_s).toString();
            QVERIFY2(kSalesReadable.contains(entity), qPrintable(u"sales got a "_s + entity));
            if (entity == u"insight"_s && !c.value(u"deleted"_s).toBool())
                QCOMPARE(c.value(u"fields"_s).toObject().value(u"published"_s), QJsonValue(true));
        }
        const auto records = sales.byRecord();
        for (const QString &entity : kSalesReadable) {
            const QJsonObject c = records.value(idOf.value(entity));
            QCOMPARE(c.value(u"fields"_s).toObject(), createFields(entity, marker + u"-"_s + entity));
        }
        for (const QString &entity : {u"conversation"_s, u"guide"_s}) {
            QVERIFY2(!raw.contains(idOf.value(entity).toUtf8()), qPrintable(entity));
            QVERIFY2(!raw.contains((marker + u"-"_s + entity).toUtf8()), qPrintable(entity));
        }
        // The unpublished insight: never its content (at most an id with deleted: true).
        QVERIFY(!raw.contains((marker + u"-draft"_s).toUtf8()));
        if (records.contains(unpublished)) {
            const QJsonObject c = records.value(unpublished);
            QCOMPARE(c.value(u"deleted"_s).toBool(), true);
            QVERIFY(!c.contains(u"fields"_s));
            QVERIFY(c.value(u"field_hlcs"_s).toObject().isEmpty());
            QVERIFY(c.value(u"conflicts"_s).toArray().isEmpty());
        }
    }

    void unpublishedInsightLeavesSales()
    {
        E2E_STACK(st, m_stacks);
        const Session &marketer = st->a.marketer;
        const Session &sales = st->a.sales;
        const QString insight = uuid();
        const QString text = u"pricing pain %1"_s.arg(randomTag());
        const FullPull before = pullAll(sales);
        QVERIFY2(before.ok, qPrintable(before.why));

        const QString h1 = nextHlc(marketer.hlcDevice());
        E2E_EXPECT_STATUS(marketer.push({upsert(u"insight"_s, insight,
                              {{u"kind"_s, u"pain"_s}, {u"text"_s, text}, {u"published"_s, true}}, h1)}),
            200);
        const FullPull seen = pullAll(sales, before.cursor);
        QCOMPARE(seen.changes.size(), 1);
        QCOMPARE(seen.changes.constFirst().value(u"fields"_s).toObject().value(u"text"_s).toString(), text);

        // Marketing unpublishes (and, concurrently, someone else edits the text: a conflict that must not leak).
        const QString h2 = nextHlc(marketer.hlcDevice());
        const QString h3 = nextHlc(st->a.admin.hlcDevice());
        E2E_EXPECT_STATUS(
            marketer.push({upsert(u"insight"_s, insight, {{u"published"_s, false}}, h2, {{u"published"_s, h1}})}), 200);
        E2E_EXPECT_STATUS(
            st->a.admin.push({upsert(u"insight"_s, insight, {{u"text"_s, text + u" v2"_s}}, h3, {{u"text"_s, h1}})}),
            200);
        const FullPull gone = pullAll(sales, seen.cursor);
        QVERIFY2(gone.ok, qPrintable(gone.why));
        QCOMPARE(gone.changes.size(), 1);
        const QJsonObject c = gone.changes.constFirst();
        QCOMPARE(c.value(u"record_id"_s).toString(), insight);
        QCOMPARE(c.value(u"deleted"_s).toBool(), true);
        QVERIFY(!c.contains(u"fields"_s));
        QVERIFY(c.value(u"field_hlcs"_s).toObject().isEmpty());
        QVERIFY(c.value(u"conflicts"_s).toArray().isEmpty());
        QVERIFY(!gone.rawBodies().contains(text.toUtf8()));
        // From the start, too.
        QVERIFY(!pullAll(sales).rawBodies().contains((text + u" v2"_s).toUtf8()));

        // Deleted while unpublished: still no content for sales (the tombstone's conflicts keep the values).
        E2E_EXPECT_STATUS(marketer.push({removal(u"insight"_s, insight, nextHlc(marketer.hlcDevice()))}), 200);
        const FullPull deleted = pullAll(sales, gone.cursor);
        QCOMPARE(deleted.changes.size(), 1);
        QCOMPARE(deleted.changes.constFirst().value(u"deleted"_s).toBool(), true);
        QVERIFY(!deleted.rawBodies().contains(text.toUtf8()));
        // The marketer sees the tombstone with the values kept as conflicts.
        const QJsonObject forMarketer = pullAll(marketer).byRecord().value(insight);
        QCOMPARE(forMarketer.value(u"deleted"_s).toBool(), true);
        QVERIFY(compact(forMarketer).contains(text.toUtf8()));
    }

    void teamsAreIsolated()
    {
        E2E_STACK(st, m_stacks);
        const QString marker = u"teamA-only-%1"_s.arg(randomTag());
        QStringList ids;
        QJsonArray batch;
        for (const QString &entity : kEntities) {
            ids << uuid();
            batch.append(upsert(entity, ids.last(), createFields(entity, marker), nextHlc(st->a.admin.hlcDevice())));
        }
        E2E_EXPECT_STATUS(st->a.admin.push(batch), 200);
        // Team A's conflicting edits, so conflicts exist too.
        E2E_EXPECT_STATUS(st->a.marketer.push({upsert(u"account"_s, ids.at(0), {{u"name"_s, marker + u" x"_s}},
                              nextHlc(st->a.marketer.hlcDevice()), {{u"name"_s, QJsonValue()}})}),
            200);
        QCOMPARE(pullAll(st->a.admin).byRecord().value(ids.at(0)).value(u"conflicts"_s).toArray().size(), 1);

        QStringList secrets = ids;
        secrets << st->a.id << marker;
        for (const QString &role : kRoles) {
            secrets << st->a.userIds.value(role) << st->a.byRole(role).deviceId << st->a.byRole(role).hlcDevice();
        }
        for (const QString &role : kRoles) {
            const FullPull theirs = pullAll(st->b.byRole(role));
            QVERIFY2(theirs.ok, qPrintable(theirs.why));
            const QByteArray raw = theirs.rawBodies();
            for (const QString &secret : secrets)
                QVERIFY2(!raw.contains(secret.toUtf8()), qPrintable(role + u" of team B sees "_s + secret));
        }
        const Reply devices = st->b.admin.get("/v1/admin/devices");
        E2E_EXPECT_STATUS(devices, 200);
        for (const QString &secret : secrets)
            QVERIFY2(!devices.body.contains(secret.toUtf8()), qPrintable(secret));

        // A cursor of team A is no cursor for team B (and the other way round).
        const QString cursorA = pullAll(st->a.admin).cursor;
        const QString cursorB = pullAll(st->b.admin).cursor;
        E2E_EXPECT_ERROR(st->b.admin.pull(cursorA), 400, "bad_request");
        E2E_EXPECT_ERROR(st->a.sales.pull(cursorB), 400, "bad_request");
    }

    void adminEndpointsForbidden_data()
    {
        QTest::addColumn<QString>("role");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        for (const QString &role : {u"marketer"_s, u"sales"_s}) {
            QTest::addRow("%s add user", qPrintable(role))
                << role << QByteArray("POST") << QByteArray("/v1/admin/users");
            QTest::addRow("%s list devices", qPrintable(role))
                << role << QByteArray("GET") << QByteArray("/v1/admin/devices");
            QTest::addRow("%s revoke own device", qPrintable(role)) << role << QByteArray("POST") << QByteArray("own");
            QTest::addRow("%s revoke admin device", qPrintable(role))
                << role << QByteArray("POST") << QByteArray("admin");
        }
    }
    void adminEndpointsForbidden()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QString, role);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        const Session &s = st->a.byRole(role);
        if (target == "own")
            target = "/v1/admin/devices/" + s.deviceId.toLatin1() + "/revoke";
        else if (target == "admin")
            target = "/v1/admin/devices/" + st->a.admin.deviceId.toLatin1() + "/revoke";
        const QByteArray body = target.endsWith("users")
            ? compact(QJsonObject {{u"email"_s, u"sneaky.%1@teama.example"_s.arg(randomTag())}, {u"role"_s, u"admin"_s},
                {u"password"_s, u"long enough password"_s}})
            : QByteArray();
        E2E_EXPECT_ERROR(httpRequest(st->port(), method, target, body, s.auth()), 403, "forbidden");
        // Nothing happened: both devices still work.
        E2E_EXPECT_STATUS(s.get("/v1/me"), 200);
        E2E_EXPECT_STATUS(st->a.admin.get("/v1/me"), 200);
    }

    void revokedDeviceIsRefused_data()
    {
        QTest::addColumn<QString>("role");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        for (const QString &role : kRoles) {
            QTest::addRow("%s push", qPrintable(role)) << role << QByteArray("POST") << QByteArray("/v1/sync/push");
            QTest::addRow("%s pull", qPrintable(role)) << role << QByteArray("GET") << QByteArray("/v1/sync/pull");
            QTest::addRow("%s me", qPrintable(role)) << role << QByteArray("GET") << QByteArray("/v1/me");
            QTest::addRow("%s logout", qPrintable(role)) << role << QByteArray("POST") << QByteArray("/v1/auth/logout");
            QTest::addRow("%s devices", qPrintable(role))
                << role << QByteArray("GET") << QByteArray("/v1/admin/devices");
        }
    }
    void revokedDeviceIsRefused()
    {
        E2E_STACK(st, m_stacks);
        QFETCH(QString, role);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QString why;
        QVERIFY2(ensureRevoked(backend, st, &why), qPrintable(why));
        const Session s = m_revoked.value(backend).value(role);
        const QByteArray body = method == "POST" ? QByteArray("{\"mutations\":[]}") : QByteArray();
        const Reply r = httpRequest(st->port(), method, target, body, s.auth());
        E2E_EXPECT_ERROR(r, 401, "device_revoked");
        QCOMPARE(r.json().value(u"wipe"_s), QJsonValue(true));
        // The same user's other device is fine.
        E2E_EXPECT_STATUS(st->a.byRole(role).get("/v1/me"), 200);
    }
};

QTEST_GUILESS_MAIN(TestAuthzMatrix)
#include "tst_authzmatrix.moc"
