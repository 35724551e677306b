#include "storage/connectionpool.h"
#include "storage/merge.h"
#include "storage/pruner.h"
#include "storage/serverstorage.h"

#include <QAtomicInt>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QUuid>

#include <atomic>
#include <memory>
#include <limits>
#include <thread>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::protocol;
using namespace fieldnotes::server;

// Binds `var` to the value of a Result, failing the test with its message otherwise.
#define REQUIRE_OK(var, expr)                                                                                          \
    auto var##Result = (expr);                                                                                         \
    QVERIFY2(var##Result.ok(), qPrintable(var##Result.ok() ? QString() : var##Result.error().message));                \
    auto &var = *var##Result

namespace {

constexpr qint64 kNow = 1732780800000; // the server's clock in these tests
constexpr qint64 kDayMs = 24 * 60 * 60 * 1000;
constexpr qint64 kLoginWindowMs = 15 * 60 * 1000; // ServerStorage::Options' default

QString uuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

Hlc at(qint64 offsetMs, const QString &device, int counter = 0)
{
    return Hlc {kNow - 60000 + offsetMs, counter, device};
}

Mutation upsert(Entity entity, const QString &recordId, const Hlc &hlc, const QJsonObject &fields,
    const QMap<QString, std::optional<Hlc>> &base = {})
{
    Mutation m;
    m.id = uuid();
    m.entity = entity;
    m.recordId = recordId;
    m.op = Op::Upsert;
    m.hlc = hlc;
    m.fields = fields;
    m.base = base;
    return m;
}

Mutation remove(Entity entity, const QString &recordId, const Hlc &hlc)
{
    Mutation m = upsert(entity, recordId, hlc, {});
    m.op = Op::Delete;
    return m;
}

QJsonObject sampleFields(Entity entity)
{
    const QString ref = u"6f1c2d3e-0000-4000-8000-000000000001"_s;
    switch (entity) {
    case Entity::Account:
        return {{u"name"_s, u"Acme"_s}};
    case Entity::Contact:
        return {{u"name"_s, u"Ana"_s}};
    case Entity::Conversation:
        return {{u"title"_s, u"Visit"_s}};
    case Entity::Insight:
        return {{u"kind"_s, u"need"_s}, {u"text"_s, u"offline"_s}, {u"published"_s, true}};
    case Entity::Tag:
        return {{u"name"_s, u"pricing"_s}};
    case Entity::Lead:
        return {{u"account_id"_s, ref}, {u"recommendation"_s, u"call"_s}, {u"status"_s, u"open"_s}};
    case Entity::Guide:
        return {{u"title"_s, u"Discovery"_s}};
    }
    return {};
}

// How pulls were built before decision 0008, from the record's columns and the conflicts table: the reference the
// stored, spliced changes are compared with.
struct ReferencePage
{
    QList<Change> changes;
    qint64 newSeq = 0;
    bool hasMore = false;
};

QJsonObject objectFromText(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

std::optional<ReferencePage> referencePull(QSqlDatabase db, const AuthContext &ctx, qint64 cursorSeq, int limit)
{
    ReferencePage out;
    out.newSeq = cursorSeq;
    QString entityFilter;
    if (ctx.role == Role::Sales) {
        QStringList names;
        for (const EntitySpec &spec : allEntities()) {
            if (isEntityReadable(ctx.role, spec.entity))
                names << u"'%1'"_s.arg(spec.name);
        }
        entityFilter = u" AND entity IN (%1)"_s.arg(names.join(u", "_s));
    }
    QSqlQuery q(db);
    if (!q.prepare(u"SELECT record_id, entity, deleted, fields, field_hlcs, hlc, seq FROM records"
                   " WHERE team_id = ? AND seq > ?%1 ORDER BY seq LIMIT ?"_s.arg(entityFilter)))
        return std::nullopt;
    q.addBindValue(ctx.teamId);
    q.addBindValue(cursorSeq);
    q.addBindValue(limit + 1);
    if (!q.exec())
        return std::nullopt;
    QHash<QString, qsizetype> indexOf;
    while (q.next()) {
        if (out.changes.size() == limit) {
            out.hasMore = true;
            break;
        }
        Change c;
        c.recordId = q.value(0).toString();
        c.entity = *entityFromName(q.value(1).toString());
        c.hlc = *Hlc::parse(q.value(5).toString());
        const bool tombstone = q.value(2).toLongLong() != 0;
        c.deleted = tombstone;
        out.newSeq = q.value(6).toLongLong();
        bool withConflicts = false;
        if (!tombstone) {
            const QJsonObject fields = objectFromText(q.value(3).toString());
            if (isVisibleTo(ctx.role, c.entity, fields)) {
                c.fields = fields;
                const QJsonObject hlcs = objectFromText(q.value(4).toString());
                for (auto it = hlcs.begin(); it != hlcs.end(); ++it)
                    c.fieldHlcs.insert(it.key(), *Hlc::parse(it.value().toString()));
                withConflicts = true;
            } else {
                c.deleted = true;
            }
        } else {
            withConflicts = ctx.role != Role::Sales || c.entity != Entity::Insight;
        }
        if (withConflicts)
            indexOf.insert(c.recordId, out.changes.size());
        out.changes << c;
    }
    if (!q.prepare(u"SELECT c.record_id, c.field, c.value, c.hlc, c.device_id FROM conflicts c"
                   " JOIN records r ON r.team_id = c.team_id AND r.record_id = c.record_id"
                   " WHERE r.team_id = ? AND r.seq > ? AND r.seq <= ?"
                   " ORDER BY c.record_id, c.seq, c.field, c.hlc"_s))
        return std::nullopt;
    q.addBindValue(ctx.teamId);
    q.addBindValue(cursorSeq);
    q.addBindValue(out.newSeq);
    if (!q.exec())
        return std::nullopt;
    while (q.next()) {
        const auto it = indexOf.constFind(q.value(0).toString());
        if (it == indexOf.constEnd())
            continue;
        out.changes[*it].conflicts.append(
            Conflict {q.value(1).toString(), QJsonDocument::fromJson(q.value(2).toString().toUtf8()).array().at(0),
                *Hlc::parse(q.value(3).toString()), q.value(4).toString()});
    }
    return out;
}

const QStringList kTables {u"login_failures"_s, u"applied_mutations"_s, u"conflicts"_s, u"records"_s, u"team_seq"_s,
    u"devices"_s, u"users"_s, u"server_secrets"_s, u"teams"_s, u"schema_version"_s};

} // namespace

/** Tests the server storage and the sync semantics (SYNC-API.md) on SQLite and, when configured, PostgreSQL. */
class TestServerStorage : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_pgUrl = qEnvironmentVariable("FIELDNOTES_TEST_PG_URL");
    QString m_backend;
    int m_fileCounter = 0;
    QString m_url;
    std::unique_ptr<ServerStorage> s;
    QString teamA;
    QString teamB;
    AuthContext admin;
    AuthContext marketer;
    AuthContext sales;
    AuthContext adminB;

    // A fresh, empty database for each test.
    QString freshUrl()
    {
        if (m_backend == u"sqlite"_s)
            return u"sqlite:%1/server-%2.db"_s.arg(m_dir.path()).arg(++m_fileCounter);
        // A raw connection: whatever an earlier run left (even a schema from the future) is dropped.
        auto config = DbConfig::parse(m_pgUrl);
        if (!config)
            qFatal("FIELDNOTES_TEST_PG_URL: %s", qPrintable(config.error().message));
        ConnectionPool pool(*config);
        auto db = pool.get();
        if (!db)
            qFatal("cannot open PostgreSQL at FIELDNOTES_TEST_PG_URL: %s", qPrintable(db.error().message));
        QSqlQuery q(*db);
        for (const QString &table : kTables) {
            if (!q.exec(u"DROP TABLE IF EXISTS %1 CASCADE"_s.arg(table)))
                qFatal("cannot reset the PostgreSQL test database");
        }
        return m_pgUrl;
    }

    AuthContext contextFor(const QString &teamId, const QString &email, Role role)
    {
        auto user = s->addUser(teamId, email, role, u"correct horse"_s);
        if (!user)
            qFatal("addUser: %s", qPrintable(user.error().message));
        auto device = s->createDevice(user->id, u"phone"_s, ServerStorage::tokenHash(ServerStorage::newToken()), kNow);
        if (!device)
            qFatal("createDevice: %s", qPrintable(device.error().message));
        return AuthContext {user->id, teamId, role, device->id};
    }

    Result<QList<MutationResult>> push(const AuthContext &ctx, const QList<Mutation> &mutations)
    {
        return s->push(ctx, mutations, kNow);
    }

    // Every change since `from`, page by page, latest state per record.
    QHash<QString, Change> pullAll(const AuthContext &ctx, qint64 from = 0, qint64 *end = nullptr, int limit = 3)
    {
        QHash<QString, Change> changes;
        qint64 cursor = from;
        for (;;) {
            auto page = s->pull(ctx, cursor, limit);
            if (!page) {
                qWarning("pull: %s", qPrintable(page.error().message));
                return {};
            }
            for (const Change &c : page->changes)
                changes.insert(c.recordId, c);
            cursor = page->newSeq;
            if (!page->hasMore)
                break;
        }
        if (end)
            *end = cursor;
        return changes;
    }

    qint64 appliedRows()
    {
        auto db = s->connection();
        QSqlQuery q(*db);
        if (!q.exec(u"SELECT COUNT(*) FROM applied_mutations"_s) || !q.next())
            qFatal("cannot count applied_mutations");
        return q.value(0).toLongLong();
    }

    // Remembered mutation ids as an old server wrote them: `count` rows created at `firstCreated`, +1, +2, …
    void insertAppliedRows(int count, qint64 firstCreated)
    {
        auto db = s->connection();
        QVERIFY(db->transaction());
        QSqlQuery q(*db);
        QVERIFY(q.prepare(u"INSERT INTO applied_mutations (device_id, mutation_id, team_id, result, created)"
                          " VALUES (?, ?, ?, '{}', ?)"_s));
        for (int i = 0; i < count; ++i) {
            q.bindValue(0, u"device-%1"_s.arg(i % 3));
            q.bindValue(1, uuid());
            q.bindValue(2, teamA);
            q.bindValue(3, firstCreated + i);
            QVERIFY(q.exec());
        }
        QVERIFY(db->commit());
    }

    qint64 loginRows()
    {
        auto db = s->connection();
        QSqlQuery q(*db);
        if (!q.exec(u"SELECT COUNT(*) FROM login_failures"_s) || !q.next())
            qFatal("cannot count login_failures");
        return q.value(0).toLongLong();
    }

    QStringList loginKeyHashes()
    {
        auto db = s->connection();
        QSqlQuery q(*db);
        if (!q.exec(u"SELECT key_hash FROM login_failures ORDER BY key_hash"_s))
            qFatal("cannot read login_failures");
        QStringList hashes;
        while (q.next())
            hashes << q.value(0).toString();
        return hashes;
    }

    // What every role pulls of team A, byte for byte, and where its cursor ends.
    QList<QByteArray> pullSnapshot()
    {
        QList<QByteArray> out;
        for (const AuthContext &ctx : {admin, sales}) {
            auto page = s->pullEncoded(ctx, 0, protocol::kMaxPullLimit);
            if (!page || page->hasMore) {
                qWarning("pullSnapshot: the pull failed or has more than one page");
                return {};
            }
            out << page->changes << QByteArray::number(page->newSeq);
        }
        return out;
    }

    MutationResult one(const AuthContext &ctx, const Mutation &m)
    {
        auto results = push(ctx, {m});
        if (!results || results->size() != 1) {
            qWarning("push failed");
            return {};
        }
        return results->first();
    }

private slots:
    void initTestCase_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << u"sqlite"_s;
        if (!m_pgUrl.isEmpty())
            QTest::newRow("postgresql") << u"postgresql"_s;
    }

    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (m_pgUrl.isEmpty() && qEnvironmentVariable("FIELDNOTES_REQUIRE_PG") == u"1"_s)
            QFAIL("FIELDNOTES_REQUIRE_PG=1 but FIELDNOTES_TEST_PG_URL is not set: "
                  "export FIELDNOTES_TEST_PG_URL=$(tests/support/postgres.sh start)");
        if (m_pgUrl.isEmpty())
            qInfo("FIELDNOTES_TEST_PG_URL is not set: PostgreSQL rows do not run");
    }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        m_backend = backend;
        m_url = freshUrl();
        auto storage = ServerStorage::open(m_url);
        QVERIFY2(storage.ok(), qPrintable(storage.ok() ? QString() : storage.error().message));
        s = std::move(storage).value();
        QCOMPARE(
            s->backend(), backend == u"sqlite"_s ? ServerStorage::Backend::Sqlite : ServerStorage::Backend::Postgres);
        teamA = *s->createTeam(u"Team A"_s);
        teamB = *s->createTeam(u"Team B"_s);
        admin = contextFor(teamA, u"admin@a.example"_s, Role::Admin);
        marketer = contextFor(teamA, u"marketer@a.example"_s, Role::Marketer);
        sales = contextFor(teamA, u"sales@a.example"_s, Role::Sales);
        adminB = contextFor(teamB, u"admin@b.example"_s, Role::Admin);
    }

    void cleanup() { s.reset(); }

    // ---- schema

    void migratesFromEveryEarlierVersion()
    {
        for (int from = 0; from < ServerStorage::kSchemaVersion; ++from) {
            s.reset();
            const QString url = freshUrl();
            QString teamId;
            QString userId;
            const QString oldAccount = uuid(), oldInsight = uuid(), oldConversation = uuid();
            {
                ServerStorage::Options options;
                options.migrateTo = from;
                REQUIRE_OK(old, ServerStorage::open(url, options));
                QCOMPARE(*old->schemaVersion(), from);
                if (from >= 1) {
                    // Data written by version 1: a team and a user.
                    teamId = uuid();
                    auto db = old->connection();
                    QSqlQuery q(*db);
                    QVERIFY(q.prepare(u"INSERT INTO teams (id, name, created) VALUES (?, 'old', 0)"_s));
                    q.addBindValue(teamId);
                    QVERIFY(q.exec());
                    REQUIRE_OK(user, old->addUser(teamId, u"old@x.example"_s, Role::Admin, u"pw"_s));
                    userId = user.id;
                }
                if (from == 2) {
                    // Records written by version 2 (no encoded change yet): an account with a conflict, an
                    // unpublished insight and a conversation, as that version stored them.
                    auto db = old->connection();
                    QSqlQuery q(*db);
                    const QString h0 = at(0, u"devx"_s).toString(), h1 = at(1000, u"devy"_s).toString();
                    const auto insert = [&](const QString &sql, const QVariantList &binds) {
                        if (!q.prepare(sql))
                            return false;
                        for (const QVariant &v : binds)
                            q.addBindValue(v);
                        return q.exec();
                    };
                    const QString records = u"INSERT INTO records (team_id, record_id, entity, deleted, fields,"
                                            " field_hlcs, field_seqs, hlc, seq) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)"_s;
                    QVERIFY(insert(u"INSERT INTO team_seq (team_id, last_seq) VALUES (?, 3)"_s, {teamId}));
                    QVERIFY(insert(records,
                        {teamId, oldAccount, u"account"_s, u"{\"name\":\"Old\",\"segment\":\"smb\"}"_s,
                            u"{\"name\":\"%1\",\"segment\":\"%1\"}"_s.arg(h1), u"{\"name\":1,\"segment\":1}"_s, h1,
                            1}));
                    QVERIFY(insert(u"INSERT INTO conflicts (team_id, record_id, field, value, hlc, device_id, seq)"
                                   " VALUES (?, ?, 'name', '[\"Older\"]', ?, 'devx', 1)"_s,
                        {teamId, oldAccount, h0}));
                    QVERIFY(insert(records,
                        {teamId, oldInsight, u"insight"_s,
                            u"{\"kind\":\"need\",\"published\":false,\"text\":\"secret\"}"_s,
                            u"{\"kind\":\"%1\",\"published\":\"%1\",\"text\":\"%1\"}"_s.arg(h1),
                            u"{\"kind\":2,\"published\":2,\"text\":2}"_s, h1, 2}));
                    QVERIFY(insert(records,
                        {teamId, oldConversation, u"conversation"_s, u"{\"title\":\"Visit\"}"_s,
                            u"{\"title\":\"%1\"}"_s.arg(h1), u"{\"title\":3}"_s, h1, 3}));
                }
                if (from >= 3) {
                    // Version 3 stores a record with its encoded change: written by a push of that version.
                    {
                        auto db = old->connection();
                        QSqlQuery q(*db);
                        QVERIFY(q.prepare(u"INSERT INTO team_seq (team_id, last_seq) VALUES (?, 0)"_s));
                        q.addBindValue(teamId);
                        QVERIFY(q.exec());
                    }
                    const AuthContext oldCtx {userId, teamId, Role::Admin, uuid()};
                    REQUIRE_OK(pushed,
                        old->push(oldCtx,
                            {upsert(Entity::Account, oldAccount, at(0, u"devx"_s), {{u"name"_s, u"Old"_s}})}, kNow));
                    QCOMPARE(pushed.first().status, MutationStatus::Applied);
                }
                if (from >= 2) {
                    // A remembered mutation id from long ago (the push above remembers one from now).
                    auto db = old->connection();
                    QSqlQuery q(*db);
                    QVERIFY(q.prepare(u"INSERT INTO applied_mutations (device_id, mutation_id, team_id, result,"
                                      " created) VALUES ('devx', ?, ?, '{}', 1)"_s));
                    q.addBindValue(uuid());
                    q.addBindValue(teamId);
                    QVERIFY(q.exec());
                }
            }
            REQUIRE_OK(storage, ServerStorage::open(url));
            QCOMPARE(*storage->schemaVersion(), ServerStorage::kSchemaVersion);
            if (from >= 1) {
                REQUIRE_OK(user, storage->verifyLogin(u"OLD@x.example"_s, u"pw"_s));
                QCOMPARE(user.id, userId);
                const AuthContext ctx {userId, teamId, Role::Admin, uuid()};
                const QString record = uuid();
                REQUIRE_OK(results,
                    storage->push(ctx, {upsert(Entity::Account, record, at(0, u"d"_s), {{u"name"_s, u"A"_s}})}, kNow));
                QCOMPARE(results.first().status, MutationStatus::Applied);
                REQUIRE_OK(page, storage->pull(ctx, 0, 10));
                QCOMPARE(page.changes.size(), from == 2 ? 4 : from >= 3 ? 2 : 1);
                if (from >= 3) {
                    QCOMPARE(page.changes.at(0).recordId, oldAccount);
                    QCOMPARE(page.changes.at(0).fields, (QJsonObject {{u"name"_s, u"Old"_s}}));
                }
                if (from == 2) {
                    // The migration stored the old records' changes: content and conflicts for every role...
                    const Change &account = page.changes.at(0);
                    QCOMPARE(account.recordId, oldAccount);
                    QCOMPARE(account.fields, (QJsonObject {{u"name"_s, u"Old"_s}, {u"segment"_s, u"smb"_s}}));
                    QCOMPARE(account.fieldHlcs.value(u"name"_s), at(1000, u"devy"_s));
                    QCOMPARE(account.conflicts.size(), 1);
                    QCOMPARE(account.conflicts.first().value, QJsonValue(u"Older"_s));
                    QCOMPARE(account.conflicts.first().deviceId, u"devx"_s);
                    QCOMPARE(page.changes.at(1).fields.value(u"text"_s), QJsonValue(u"secret"_s));
                    // ...and what sales may see: no conversation, the unpublished insight as a bare removal.
                    const AuthContext salesCtx {userId, teamId, Role::Sales, uuid()};
                    REQUIRE_OK(salesPage, storage->pull(salesCtx, 0, 10));
                    QCOMPARE(salesPage.changes.size(), 3);
                    QCOMPARE(salesPage.changes.at(0).conflicts.size(), 1);
                    const Change &hidden = salesPage.changes.at(1);
                    QCOMPARE(hidden.recordId, oldInsight);
                    QVERIFY(hidden.deleted);
                    QVERIFY(hidden.fields.isEmpty() && hidden.fieldHlcs.isEmpty() && hidden.conflicts.isEmpty());
                    QCOMPARE(salesPage.changes.at(2).entity, Entity::Account);
                }
                // Migration 4: remembered ids are pruned by age, the old one and not the one just pushed.
                REQUIRE_OK(pruned, storage->pruneAppliedMutations(kNow));
                QCOMPARE(pruned, from >= 2 ? 1 : 0);
            }
            // Migration 5: the login throttle's table.
            REQUIRE_OK(wait, storage->countLoginAttempt({u"client:192.0.2.1"_s}, kNow));
            QCOMPARE(wait, 0);
            REQUIRE_OK(prunedLogins, storage->pruneLoginFailures(kNow + kLoginWindowMs));
            QCOMPARE(prunedLogins, 1);
            for (const auto &[index, migration] :
                {std::pair {"applied_mutations_created", 4}, std::pair {"login_failures_window", 5}}) {
                auto db = storage->connection();
                QSqlQuery q(*db);
                QVERIFY(q.prepare(storage->backend() == ServerStorage::Backend::Sqlite
                        ? u"SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?"_s
                        : u"SELECT 1 FROM pg_indexes WHERE indexname = ?"_s));
                q.addBindValue(QString::fromLatin1(index));
                QVERIFY(q.exec());
                QVERIFY2(q.next(),
                    qPrintable(u"migration %1 made no index %2"_s.arg(migration).arg(QLatin1StringView(index))));
            }
            // Opening again at the newest version changes nothing.
            storage.reset();
            REQUIRE_OK(again, ServerStorage::open(url));
            QCOMPARE(*again->schemaVersion(), ServerStorage::kSchemaVersion);
        }
    }

    void refusesNewerSchema()
    {
        {
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"UPDATE schema_version SET version = 99"_s));
        }
        s.reset();
        auto newer = ServerStorage::open(m_url);
        QVERIFY(!newer.ok());
        QCOMPARE(newer.error().code, ErrorCode::Incompatible);
    }

    // ---- users and devices

    void usersAndLogin()
    {
        auto taken = s->addUser(teamB, u"ADMIN@a.example"_s, Role::Sales, u"x"_s);
        QVERIFY(!taken.ok());
        QCOMPARE(taken.error().code, ErrorCode::AlreadyExists);
        QVERIFY(!s->addUser(teamA, u"not an email"_s, Role::Sales, u"x"_s).ok());
        QCOMPARE(s->addUser(uuid(), u"x@y.example"_s, Role::Sales, u"x"_s).error().code, ErrorCode::NotFound);

        REQUIRE_OK(user, s->verifyLogin(u"Admin@A.example"_s, u"correct horse"_s));
        QCOMPARE(user.id, admin.userId);
        QCOMPARE(user.role, Role::Admin);
        QCOMPARE(user.teamId, teamA);
        auto wrong = s->verifyLogin(u"admin@a.example"_s, u"wrong"_s);
        auto unknown = s->verifyLogin(u"nobody@a.example"_s, u"correct horse"_s);
        QVERIFY(!wrong.ok() && !unknown.ok());
        QCOMPARE(wrong.error().code, unknown.error().code);
        QCOMPARE(wrong.error().message, unknown.error().message);

        auto db = s->connection();
        QSqlQuery q(*db);
        QVERIFY(q.exec(u"SELECT password_hash FROM users"_s));
        while (q.next()) {
            QVERIFY(q.value(0).toString().startsWith(u"$argon2id$"_s));
            QVERIFY(!q.value(0).toString().contains(u"correct horse"_s));
        }
    }

    void devices()
    {
        const QString token = ServerStorage::newToken();
        QCOMPARE(token.size(), 43);
        const QString hash = ServerStorage::tokenHash(token);
        QCOMPARE(hash.size(), 64);
        REQUIRE_OK(device, s->createDevice(sales.userId, u"Tablet"_s, hash, kNow));
        REQUIRE_OK(found, s->findDeviceByTokenHash(hash));
        QCOMPARE(found.device.id, device.id);
        QCOMPARE(found.user.id, sales.userId);
        QCOMPARE(found.user.role, Role::Sales);
        QVERIFY(!found.device.revoked);
        QCOMPARE(s->findDeviceByTokenHash(ServerStorage::tokenHash(u"other"_s)).error().code, ErrorCode::NotFound);

        REQUIRE_OK(listA, s->listDevices(teamA));
        QCOMPARE(listA.size(), 4); // admin, marketer, sales, tablet
        REQUIRE_OK(listB, s->listDevices(teamB));
        QCOMPARE(listB.size(), 1);

        QCOMPARE(s->revokeDevice(teamB, device.id).error().code, ErrorCode::NotFound); // not B's device
        QVERIFY(s->revokeDevice(teamA, device.id).ok());
        QVERIFY(s->findDeviceByTokenHash(hash)->device.revoked);

        QVERIFY(s->touchDevice(device.id, kNow + 5000).ok());
        QCOMPARE(s->findDeviceByTokenHash(hash)->device.lastSeenMs, kNow + 5000);
        QVERIFY(s->deleteDevice(device.id).ok());
        QVERIFY(!s->findDeviceByTokenHash(hash).ok());
    }

    // ---- push and pull

    void pushPullBasic()
    {
        const QString id = uuid();
        const Hlc h = at(0, u"dev1"_s);
        REQUIRE_OK(results,
            push(admin, {upsert(Entity::Account, id, h, {{u"name"_s, u"Acme"_s}, {u"domain"_s, u"acme.example"_s}})}));
        QCOMPARE(results.size(), 1);
        QCOMPARE(results.first().status, MutationStatus::Applied);

        REQUIRE_OK(page, s->pull(marketer, 0, 10));
        QCOMPARE(page.changes.size(), 1);
        QVERIFY(!page.hasMore);
        const Change &c = page.changes.first();
        QCOMPARE(c.recordId, id);
        QCOMPARE(c.entity, Entity::Account);
        QVERIFY(!c.deleted);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"Acme"_s);
        QCOMPARE(c.fieldHlcs.value(u"domain"_s), h);
        QCOMPARE(c.hlc, h);
        QVERIFY(c.conflicts.isEmpty());

        REQUIRE_OK(empty, s->pull(marketer, page.newSeq, 10));
        QVERIFY(empty.changes.isEmpty());
        QCOMPARE(empty.newSeq, page.newSeq);

        // Paging
        QList<Mutation> batch;
        for (int i = 0; i < 7; ++i)
            batch << upsert(Entity::Tag, uuid(), at(i, u"dev1"_s), {{u"name"_s, u"t%1"_s.arg(i)}});
        REQUIRE_OK(more, push(admin, batch));
        QCOMPARE(more.size(), 7);
        REQUIRE_OK(first, s->pull(admin, page.newSeq, 3));
        QCOMPARE(first.changes.size(), 3);
        QVERIFY(first.hasMore);
        QCOMPARE(pullAll(admin, page.newSeq).size(), 7);
        QCOMPARE(pullAll(admin).size(), 8);
        QVERIFY(!s->pull(admin, 0, 0).ok());
        QVERIFY(!s->pull(admin, 0, 1001).ok());
    }

    // Pull pages are spliced from the change each record row stores (decision 0008). For every role they must be
    // the very bytes protocol::encode writes for the change rebuilt from the record's columns and conflicts table,
    // the way pulls were built before, over a random history of creates, stale edits (conflicts), losing edits,
    // cleared fields, publishing and unpublishing, and deletes of every entity.
    void encodedPagesMatchTheStoredColumns()
    {
        QRandomGenerator rng(20241128);
        QStringList ids;
        QHash<QString, Entity> entityOf;
        qint64 t = 0;
        for (int round = 0; round < 40; ++round) {
            QList<Mutation> batch;
            for (int i = 0; i < 12; ++i) {
                t += 10;
                const QString device = rng.bounded(2) ? u"devA"_s : u"devB"_s;
                const double r = rng.generateDouble();
                if (ids.isEmpty() || r < 0.3) {
                    const Entity entity = Entity(rng.bounded(7));
                    const QString id = uuid();
                    ids << id;
                    entityOf.insert(id, entity);
                    batch << upsert(entity, id, at(t, device), sampleFields(entity));
                    continue;
                }
                const QString id = ids.at(qsizetype(rng.bounded(quint32(ids.size()))));
                if (r > 0.93) {
                    batch << remove(entityOf.value(id), id, at(t, device));
                    continue;
                }
                QJsonObject fields;
                switch (entityOf.value(id)) {
                case Entity::Account:
                    fields = rng.bounded(3) ? QJsonObject {{u"name"_s, u"Acme %1"_s.arg(t)}}
                                            : QJsonObject {{u"segment"_s, QJsonValue::Null}};
                    break;
                case Entity::Contact:
                    fields = {{u"title"_s, u"CTO \u00e9 \"%1\""_s.arg(t)}};
                    break;
                case Entity::Conversation:
                    fields = {{u"notes"_s, u"line 1\nline 2 %1"_s.arg(t)}};
                    break;
                case Entity::Insight:
                    fields = rng.bounded(2) ? QJsonObject {{u"published"_s, rng.bounded(2) == 0}}
                                            : QJsonObject {{u"importance"_s, 1 + int(rng.bounded(5))}};
                    break;
                case Entity::Tag:
                    fields = {{u"color"_s, u"#A0B0C0"_s}};
                    break;
                case Entity::Lead:
                    fields = {{u"status"_s, u"done"_s}, {u"priority"_s, 2}};
                    break;
                case Entity::Guide:
                    fields = {{u"questions"_s, QJsonArray {u"why?"_s, QString::number(t)}}};
                    break;
                }
                QMap<QString, std::optional<Hlc>> base;
                for (auto it = fields.begin(); it != fields.end(); ++it) // a stale base: a concurrent edit
                    base.insert(it.key(), rng.bounded(2) ? std::optional<Hlc>(at(t / 2, u"devC"_s)) : std::nullopt);
                // Now and then an edit from the past, which loses.
                batch << upsert(entityOf.value(id), id, at(rng.bounded(5) ? t : t - 500, device), fields, base);
            }
            REQUIRE_OK(results, push(admin, batch));
            QCOMPARE(results.size(), batch.size());
        }
        auto db = s->connection();
        QVERIFY(db.ok());
        int conflicts = 0, removals = 0;
        for (const AuthContext &ctx : {admin, marketer, sales}) {
            qint64 cursor = 0;
            for (;;) {
                REQUIRE_OK(page, s->pullEncoded(ctx, cursor, 7));
                const auto expected = referencePull(*db, ctx, cursor, 7);
                QVERIFY(expected);
                const QString pageCursor = s->encodeCursor(ctx.teamId, page.newSeq);
                QCOMPARE(page.body(pageCursor), encode(PullPage {expected->changes, pageCursor, expected->hasMore}));
                QCOMPARE(page.newSeq, expected->newSeq);
                QCOMPARE(page.hasMore, expected->hasMore);
                for (const Change &c : expected->changes) {
                    conflicts += int(c.conflicts.size());
                    removals += c.deleted ? 1 : 0;
                }
                cursor = page.newSeq;
                if (!page.hasMore)
                    break;
            }
        }
        QVERIFY2(conflicts > 10 && removals > 10, "the history should hold conflicts and removals");
    }

    void idempotentRetry()
    {
        const QList<Mutation> batch {upsert(Entity::Account, uuid(), at(0, u"d"_s), {{u"name"_s, u"A"_s}}),
            upsert(Entity::Tag, uuid(), at(1, u"d"_s), {{u"name"_s, u"t"_s}})};
        REQUIRE_OK(first, push(admin, batch));
        QCOMPARE(first.at(0).status, MutationStatus::Applied);
        qint64 end = 0;
        QCOMPARE(pullAll(admin, 0, &end).size(), 2);
        REQUIRE_OK(second, push(admin, batch));
        QCOMPARE(second.at(0).status, MutationStatus::Duplicate);
        QCOMPARE(second.at(1).status, MutationStatus::Duplicate);
        QCOMPARE(second.at(0).id, batch.at(0).id);
        QVERIFY(pullAll(admin, end).isEmpty()); // nothing changed
        // The same id from another device is another mutation.
        AuthContext other = admin;
        other.deviceId = uuid();
        REQUIRE_OK(third, push(other, {batch.first()}));
        QCOMPARE(third.first().status, MutationStatus::Applied);
    }

    // ---- retention of applied mutation ids (decision 0014)

    void pruneDeletesOnlyOlderRows()
    {
        constexpr qint64 kDay = 24 * 60 * 60 * 1000;
        const qint64 old = kNow - 100 * kDay;
        const qint64 cutoff = kNow - 90 * kDay;
        // Pushed 100 days ago (with the stamps of then), exactly at the cutoff, and now.
        QList<Mutation> oldBatch;
        for (int i = 0; i < 3; ++i)
            oldBatch << upsert(Entity::Tag, uuid(), Hlc {old + i, 0, u"d"_s}, {{u"name"_s, u"old"_s}});
        REQUIRE_OK(oldResults, s->push(admin, oldBatch, old));
        QCOMPARE(oldResults.at(2).status, MutationStatus::Applied);
        const Mutation atCutoff = upsert(Entity::Tag, uuid(), Hlc {cutoff, 0, u"d"_s}, {{u"name"_s, u"edge"_s}});
        REQUIRE_OK(edgeResults, s->push(marketer, {atCutoff}, cutoff));
        QCOMPARE(edgeResults.first().status, MutationStatus::Applied);
        const QList<Mutation> recent {upsert(Entity::Tag, uuid(), at(0, u"d"_s), {{u"name"_s, u"new"_s}}),
            upsert(Entity::Account, uuid(), at(1, u"d"_s), {{u"name"_s, u"New"_s}})};
        REQUIRE_OK(recentResults, push(admin, recent));
        QCOMPARE(recentResults.at(1).status, MutationStatus::Applied);
        QCOMPARE(appliedRows(), 6);

        REQUIRE_OK(deleted, s->pruneAppliedMutations(cutoff));
        QCOMPARE(deleted, 3);
        QCOMPARE(appliedRows(), 3);
        {
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"SELECT MIN(created) FROM applied_mutations"_s) && q.next());
            QCOMPARE(q.value(0).toLongLong(), cutoff);
        }
        // What stays is still remembered: a retry of it is a duplicate.
        REQUIRE_OK(retried, push(admin, recent));
        QCOMPARE(retried.at(0).status, MutationStatus::Duplicate);
        QCOMPARE(retried.at(1).status, MutationStatus::Duplicate);
        REQUIRE_OK(edgeRetried, s->push(marketer, {atCutoff}, kNow));
        QCOMPARE(edgeRetried.first().status, MutationStatus::Duplicate);
        // Nothing left to prune; the records themselves are untouched.
        REQUIRE_OK(again, s->pruneAppliedMutations(cutoff));
        QCOMPARE(again, 0);
        QCOMPARE(pullAll(admin).size(), 6);
        QCOMPARE(s->pruneAppliedMutationsChunk(cutoff, 0).error().code, ErrorCode::InvalidInput);
    }

    void pruneWorksInChunks()
    {
        insertAppliedRows(25, 1000); // created 1000..1024
        insertAppliedRows(4, kNow);
        // One transaction per chunk, oldest first.
        QList<int> chunks;
        for (int i = 0; i < 5; ++i) {
            REQUIRE_OK(deleted, s->pruneAppliedMutationsChunk(kNow, 10));
            chunks << deleted;
            if (i == 0) {
                auto db = s->connection();
                QSqlQuery q(*db);
                QVERIFY(q.exec(u"SELECT MIN(created) FROM applied_mutations"_s) && q.next());
                QCOMPARE(q.value(0).toLongLong(), 1010);
            }
        }
        QCOMPARE(chunks, (QList<int> {10, 10, 5, 0, 0}));
        QCOMPARE(appliedRows(), 4);
        // The whole backlog in one call, across several chunks (7 + 7 + 7 + 2), with the right count.
        insertAppliedRows(23, 1000);
        REQUIRE_OK(all, s->pruneAppliedMutations(kNow, 7));
        QCOMPARE(all, 23);
        QCOMPARE(appliedRows(), 4);
        // A backlog of exactly a whole number of chunks ends with an empty one.
        insertAppliedRows(14, 1000);
        REQUIRE_OK(even, s->pruneAppliedMutations(kNow, 7));
        QCOMPARE(even, 14);
        QCOMPARE(appliedRows(), 4);
        // The default chunk (kPruneChunkRows) removes a backlog larger than one chunk.
        insertAppliedRows(ServerStorage::kPruneChunkRows + 5, 1000);
        REQUIRE_OK(big, s->pruneAppliedMutations(kNow));
        QCOMPARE(big, ServerStorage::kPruneChunkRows + 5);
        QCOMPARE(appliedRows(), 4);
        if (s->backend() == ServerStorage::Backend::Sqlite) {
            // Pruning finds old rows by the index of migration 4, not by scanning the table.
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"EXPLAIN QUERY PLAN SELECT device_id, mutation_id FROM applied_mutations"
                           " WHERE created < 5 ORDER BY created LIMIT 10"_s));
            QString plan;
            while (q.next())
                plan += q.value(3).toString() + u'\n';
            QVERIFY2(plan.contains(u"applied_mutations_created"_s), qPrintable(plan));
        }
    }

    // The claim of decision 0014: once its id is pruned, a mutation that is sent again is merged again, and the merge
    // is idempotent by hlc, so records, field hlcs and conflicts stay exactly as they were. Every merge path: an
    // edit that wins a concurrent edit, one that loses it, a delete, an edit of a deleted record, a create, a
    // tombstone for an unseen record, and a plain overwrite that resolved a conflict.
    void retryAfterPruneChangesNothing()
    {
        const Hlc h0 = at(0, u"dev0"_s);
        const QString r1 = uuid(), r2 = uuid(), r3 = uuid(), r4 = uuid(), r5 = uuid(), r6 = uuid(), r7 = uuid();
        REQUIRE_OK(setup,
            push(marketer,
                {upsert(Entity::Account, r1, h0, {{u"name"_s, u"A1"_s}}),
                    upsert(Entity::Account, r2, at(3000, u"dev0"_s), {{u"name"_s, u"A2"_s}}),
                    upsert(Entity::Account, r3, h0, {{u"name"_s, u"A3"_s}, {u"domain"_s, u"a3.example"_s}}),
                    upsert(Entity::Account, r4, h0, {{u"name"_s, u"A4"_s}}),
                    remove(Entity::Account, r4, at(1000, u"dev0"_s)),
                    upsert(Entity::Account, r7, h0, {{u"name"_s, u"X"_s}}),
                    upsert(Entity::Account, r7, at(1000, u"dev2"_s), {{u"name"_s, u"Y"_s}})}));
        for (const MutationResult &r : setup)
            QCOMPARE(r.status, MutationStatus::Applied);
        QCOMPARE(pullAll(admin).value(r7).conflicts.size(), 1); // X lost to Y

        const QList<Mutation> batch {
            upsert(Entity::Account, r1, at(2000, u"dev1"_s), {{u"name"_s, u"B1"_s}}), // wins, A1 kept
            upsert(Entity::Account, r2, at(1000, u"dev1"_s), {{u"name"_s, u"B2"_s}}), // loses, kept
            remove(Entity::Account, r3, at(2000, u"dev1"_s)),
            upsert(Entity::Account, r4, at(2000, u"dev1"_s), {{u"name"_s, u"B4"_s}}, {{u"name"_s, h0}}),
            upsert(Entity::Tag, r5, at(2000, u"dev1"_s), {{u"name"_s, u"t"_s}, {u"color"_s, u"#112233"_s}}),
            remove(Entity::Tag, r6, at(2000, u"dev1"_s)),
            upsert(Entity::Account, r7, at(2000, u"dev1"_s), {{u"name"_s, u"Z"_s}}, {{u"name"_s, at(1000, u"dev2"_s)}}),
            upsert(Entity::Lead, uuid(), at(2000, u"dev1"_s), {{u"recommendation"_s, u"call"_s}}), // rejected
        };
        REQUIRE_OK(first, push(admin, batch));
        const QList<MutationStatus> expected {MutationStatus::Applied, MutationStatus::Superseded,
            MutationStatus::Applied, MutationStatus::Superseded, MutationStatus::Applied, MutationStatus::Applied,
            MutationStatus::Applied, MutationStatus::Rejected};
        for (int i = 0; i < batch.size(); ++i)
            QCOMPARE(first.at(i).status, expected.at(i));
        const QHash<QString, Change> state = pullAll(admin);
        QCOMPARE(state.value(r1).conflicts.size(), 1);
        QCOMPARE(state.value(r2).conflicts.size(), 1);
        QCOMPARE(state.value(r3).conflicts.size(), 2);
        QCOMPARE(state.value(r4).conflicts.size(), 2);
        QVERIFY(state.value(r6).deleted);
        QVERIFY(state.value(r7).conflicts.isEmpty()); // Z was written on top of Y: X is resolved
        const QList<QByteArray> before = pullSnapshot();
        QVERIFY(!before.isEmpty());

        const qint64 remembered = appliedRows();
        QCOMPARE(remembered, setup.size() + batch.size() - 1); // a rejected mutation is not remembered
        REQUIRE_OK(deleted, s->pruneAppliedMutations(kNow + 1));
        QCOMPARE(deleted, remembered);
        QCOMPARE(appliedRows(), 0);

        REQUIRE_OK(retried, push(admin, batch));
        for (int i = 0; i < batch.size(); ++i) {
            // Merged again rather than answered duplicate, with the same report as the first time.
            QCOMPARE(retried.at(i).status, expected.at(i));
            QCOMPARE(retried.at(i).lostFields, first.at(i).lostFields);
        }
        QCOMPARE(pullSnapshot(), before); // same bytes, no new seq: nothing changed
        REQUIRE_OK(third, push(admin, batch));
        QCOMPARE(third.first().status, MutationStatus::Duplicate); // remembered again
    }

    // The one difference a pruned id makes (decision 0014): if another device overwrote the field after the
    // mutation was applied, the server cannot tell the mutation sent again from an edit made concurrently with that
    // overwrite, so the old value comes back as a conflict (and the answer is superseded). Nothing is overwritten.
    void retryAfterPruneOfAnOverwrittenValueAddsAConflict()
    {
        const QString id = uuid();
        const Mutation create = upsert(Entity::Account, id, at(0, u"dev1"_s), {{u"name"_s, u"A"_s}});
        QCOMPARE(one(admin, create).status, MutationStatus::Applied);
        QCOMPARE(one(marketer,
                     upsert(Entity::Account, id, at(1000, u"dev2"_s), {{u"name"_s, u"B"_s}},
                         {{u"name"_s, at(0, u"dev1"_s)}}))
                     .status,
            MutationStatus::Applied);
        QCOMPARE(one(admin, create).status, MutationStatus::Duplicate); // remembered: nothing happens
        const Change before = pullAll(admin).value(id);
        QVERIFY(before.conflicts.isEmpty());

        REQUIRE_OK(deleted, s->pruneAppliedMutations(kNow + 1));
        QCOMPARE(deleted, 2);
        const MutationResult again = one(admin, create);
        QCOMPARE(again.status, MutationStatus::Superseded);
        QCOMPARE(again.lostFields, QStringList {u"name"_s});
        const Change after = pullAll(admin).value(id);
        QCOMPARE(after.fields, before.fields); // B stays
        QCOMPARE(after.fieldHlcs, before.fieldHlcs);
        QCOMPARE(after.conflicts.size(), 1);
        QCOMPARE(after.conflicts.first().value.toString(), u"A"_s);
        QCOMPARE(after.conflicts.first().hlc, at(0, u"dev1"_s));
    }

    // ---- the login throttle (decision 0015)

    void loginThrottleCountsPerKeyAndWindow()
    {
        const QStringList keys {u"email:ana@a.example"_s, u"client:192.0.2.1"_s};
        // Ten attempts go ahead (each is counted before its password is checked); the eleventh waits until the
        // window that the first one started ends, in whole seconds rounded up.
        for (int i = 0; i < 10; ++i) {
            REQUIRE_OK(wait, s->countLoginAttempt(keys, kNow + i * 1000));
            QCOMPARE(wait, 0);
        }
        REQUIRE_OK(limited, s->countLoginAttempt(keys, kNow + 60000));
        QCOMPARE(limited, 14 * 60);
        REQUIRE_OK(almost, s->countLoginAttempt(keys, kNow + kLoginWindowMs - 500));
        QCOMPARE(almost, 1);
        // Each key counts on its own: the same email from another address, another email from the same address.
        REQUIRE_OK(sameEmail, s->countLoginAttempt({keys.at(0), u"client:192.0.2.2"_s}, kNow + 60000));
        QCOMPARE(sameEmail, 14 * 60);
        REQUIRE_OK(sameClient, s->countLoginAttempt({u"email:bo@a.example"_s, keys.at(1)}, kNow + 60000));
        QCOMPARE(sameClient, 14 * 60);
        REQUIRE_OK(neither, s->countLoginAttempt({u"email:bo@a.example"_s, u"client:192.0.2.2"_s}, kNow + 60000));
        QCOMPARE(neither, 0);

        // When the window has ended, the next attempt starts a new one: ten more go ahead.
        for (int i = 0; i < 10; ++i) {
            REQUIRE_OK(wait, s->countLoginAttempt(keys, kNow + kLoginWindowMs + i));
            QCOMPARE(wait, 0);
        }
        REQUIRE_OK(again, s->countLoginAttempt(keys, kNow + kLoginWindowMs + 10));
        QCOMPARE(again, 15 * 60);
        // A success clears its keys, and only those.
        QVERIFY(s->clearLoginFailures(keys).ok());
        REQUIRE_OK(cleared, s->countLoginAttempt(keys, kNow + kLoginWindowMs + 11));
        QCOMPARE(cleared, 0);
        QVERIFY(s->clearLoginFailures({}).ok());
        QCOMPARE(s->countLoginAttempt({}, kNow).value(), 0);

        // The limits are options.
        s.reset();
        ServerStorage::Options options;
        options.loginMaxFailures = 2;
        options.loginWindowMs = 10000;
        REQUIRE_OK(strict, ServerStorage::open(m_url, options));
        const QStringList key {u"email:cy@a.example"_s};
        QCOMPARE(strict->countLoginAttempt(key, kNow).value(), 0);
        QCOMPARE(strict->countLoginAttempt(key, kNow + 1).value(), 0);
        QCOMPARE(strict->countLoginAttempt(key, kNow + 2).value(), 10);
        QCOMPARE(strict->countLoginAttempt(key, kNow + 10000).value(), 0);
    }

    void loginThrottleStoresNoKeyInClear()
    {
        const QStringList keys {u"email:ana@a.example"_s, u"client:192.0.2.1"_s};
        REQUIRE_OK(wait, s->countLoginAttempt(keys + keys, kNow)); // a key twice counts once
        QCOMPARE(wait, 0);
        {
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"SELECT key_hash, window_start, failures FROM login_failures"_s));
            int rows = 0;
            static const QRegularExpression hex(u"^[0-9a-f]{64}$"_s);
            while (q.next()) {
                ++rows;
                QVERIFY2(hex.match(q.value(0).toString()).hasMatch(), qPrintable(q.value(0).toString()));
                QCOMPARE(q.value(1).toLongLong(), kNow);
                QCOMPARE(q.value(2).toInt(), 1);
            }
            QCOMPARE(rows, 2);
        }
        const QStringList hashes = loginKeyHashes();
        for (const QString &hash : hashes) {
            QVERIFY(!hash.contains(u"ana"_s) && !hash.contains(u"192.0.2"_s));
        }
        for (const QString &key : keys) // not a plain SHA-256, which a list of emails or addresses would reverse
            QVERIFY(!hashes.contains(ServerStorage::tokenHash(key)));

        // A second instance on the same database hashes alike (its secret is in the database) and shares the count.
        {
            REQUIRE_OK(second, ServerStorage::open(m_url));
            for (int i = 1; i < 10; ++i)
                QCOMPARE(second->countLoginAttempt(keys, kNow + i).value(), 0);
            QVERIFY(s->countLoginAttempt(keys, kNow + 10).value() > 0);
            QVERIFY(second->clearLoginFailures(keys).ok());
            QCOMPARE(s->countLoginAttempt(keys, kNow + 11).value(), 0);
            QCOMPARE(loginKeyHashes(), hashes);
        }

        // Another database has a secret of its own: the same keys are stored under other hashes.
        s.reset();
        m_url = freshUrl();
        auto other = ServerStorage::open(m_url);
        QVERIFY2(other.ok(), qPrintable(other.ok() ? QString() : other.error().message));
        s = std::move(other).value();
        QCOMPARE(s->countLoginAttempt(keys, kNow).value(), 0);
        const QStringList otherHashes = loginKeyHashes();
        QCOMPARE(otherHashes.size(), 2);
        for (const QString &hash : otherHashes)
            QVERIFY(!hashes.contains(hash));
    }

    // Two instances on one database, two threads each, all at once: exactly the limit goes ahead (an attempt is
    // counted in the statement that reads the count, so none slips between another's read and write).
    void loginThrottleHoldsUnderConcurrency()
    {
        REQUIRE_OK(second, ServerStorage::open(m_url));
        for (int round = 0; round < 3; ++round) {
            const QStringList keys {u"email:round%1@a.example"_s.arg(round), u"client:192.0.2.%1"_s.arg(round)};
            std::atomic<int> ready {0};
            std::atomic<int> allowed {0};
            std::atomic<int> refused {0};
            std::atomic<int> errors {0};
            const auto attempts = [&](ServerStorage *storage) {
                ready.fetch_add(1);
                while (ready.load() < 4) { }
                for (int i = 0; i < 10; ++i) {
                    const auto wait = storage->countLoginAttempt(keys, kNow);
                    if (!wait)
                        errors.fetch_add(1);
                    else if (*wait == 0)
                        allowed.fetch_add(1);
                    else
                        refused.fetch_add(1);
                }
            };
            std::thread t1(attempts, s.get());
            std::thread t2(attempts, s.get());
            std::thread t3(attempts, second.get());
            std::thread t4(attempts, second.get());
            for (std::thread *t : {&t1, &t2, &t3, &t4})
                t->join();
            QCOMPARE(errors.load(), 0);
            QCOMPARE(allowed.load(), 10);
            QCOMPARE(refused.load(), 30);
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"SELECT failures FROM login_failures WHERE window_start = %1"_s.arg(kNow)));
            int rows = 0;
            while (q.next()) {
                ++rows;
                QCOMPARE(q.value(0).toInt(), 40); // no count lost
            }
            QCOMPARE(rows, 2);
            QVERIFY(s->clearLoginFailures(keys).ok());
        }
    }

    void loginFailuresArePrunedWhenTheirWindowEnds()
    {
        // Windows that started: more than a window ago, exactly a window ago (both ended), less than a window ago
        // and now (both running).
        const QList<qint64> starts {kNow - kLoginWindowMs - 1, kNow - kLoginWindowMs, kNow - kLoginWindowMs + 1, kNow};
        for (int i = 0; i < starts.size(); ++i)
            QCOMPARE(s->countLoginAttempt({u"client:192.0.2.%1"_s.arg(i)}, starts.at(i)).value(), 0);
        REQUIRE_OK(deleted, s->pruneLoginFailures(kNow));
        QCOMPARE(deleted, 2);
        QCOMPARE(loginRows(), 2);
        // The running windows still count: nine more attempts go ahead, the tenth after them does not.
        for (int i = 0; i < 9; ++i)
            QCOMPARE(s->countLoginAttempt({u"client:192.0.2.3"_s}, kNow + 1).value(), 0);
        QVERIFY(s->countLoginAttempt({u"client:192.0.2.3"_s}, kNow + 1).value() > 0);
        REQUIRE_OK(none, s->pruneLoginFailures(kNow));
        QCOMPARE(none, 0);

        // In chunks, oldest first.
        for (int i = 0; i < 25; ++i)
            QVERIFY(s->countLoginAttempt({u"client:198.51.100.%1"_s.arg(i)}, 1000 + i).ok());
        QList<int> chunks;
        for (int i = 0; i < 4; ++i)
            chunks << s->pruneLoginFailuresChunk(kNow, 10).value();
        QCOMPARE(chunks, (QList<int> {10, 10, 5, 0}));
        for (int i = 0; i < 14; ++i)
            QVERIFY(s->countLoginAttempt({u"client:198.51.100.%1"_s.arg(i)}, 1000 + i).ok());
        REQUIRE_OK(all, s->pruneLoginFailures(kNow, 7));
        QCOMPARE(all, 14);
        QCOMPARE(loginRows(), 2);
        QCOMPARE(s->pruneLoginFailuresChunk(kNow, 0).error().code, ErrorCode::InvalidInput);
        if (s->backend() == ServerStorage::Backend::Sqlite) {
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"EXPLAIN QUERY PLAN SELECT key_hash FROM login_failures"
                           " WHERE window_start <= 5 ORDER BY window_start LIMIT 10"_s));
            QString plan;
            while (q.next())
                plan += q.value(3).toString() + u'\n';
            QVERIFY2(plan.contains(u"login_failures_window"_s), qPrintable(plan));
        }
    }

    // ---- the pruner while serving (decisions 0014, 0015)

    void prunerRunsAgainEveryInterval()
    {
        insertAppliedRows(5, 1000); // long ago
        insertAppliedRows(1, kNow - 29 * kDayMs); // within the retention: stays
        QVERIFY(s->countLoginAttempt({u"client:192.0.2.1"_s}, kNow - kLoginWindowMs).ok()); // ended
        QVERIFY(s->countLoginAttempt({u"client:192.0.2.2"_s}, kNow).ok()); // running: stays

        QThreadPool pool;
        pool.setMaxThreadCount(1);
        QMutex mutex;
        QList<Pruner::Report> reports;
        const auto runs = [&] {
            QMutexLocker lock(&mutex);
            return reports.size();
        };
        Pruner::Options options;
        options.appliedRetentionDays = 30;
        options.interval = std::chrono::milliseconds(20);
        options.chunkRows = 2;
        options.clock = [] { return kNow; };
        options.finished = [&](const Pruner::Report &report) {
            QMutexLocker lock(&mutex);
            reports << report;
        };
        Pruner pruner(*s, &pool, options);
        pruner.start();
        QTRY_VERIFY(runs() >= 1);
        {
            QMutexLocker lock(&mutex);
            const Pruner::Report &first = reports.first();
            QVERIFY(!first.loginError && !first.appliedError);
            QCOMPARE(first.appliedDeleted, 5);
            QCOMPARE(first.appliedChunks, 3); // 2 + 2 + 1
            QCOMPARE(first.loginWindowsDeleted, 1);
        }
        QCOMPARE(appliedRows(), 1);
        QCOMPARE(loginRows(), 1);

        // Rows that are past their retention after that run are deleted by a later one that nobody asked for.
        const qsizetype before = runs();
        insertAppliedRows(2, 2000);
        QVERIFY(s->countLoginAttempt({u"client:192.0.2.3"_s}, 3000).ok());
        QTRY_COMPARE(appliedRows(), 1);
        QTRY_COMPARE(loginRows(), 1);
        QVERIFY(runs() > before);
        {
            QMutexLocker lock(&mutex);
            qint64 applied = 0;
            int windows = 0;
            for (const Pruner::Report &report : std::as_const(reports)) {
                QVERIFY(!report.loginError && !report.appliedError);
                applied += report.appliedDeleted;
                windows += report.loginWindowsDeleted;
            }
            QCOMPARE(applied, 7);
            QCOMPARE(windows, 2);
        }

        // After stop() nothing runs any more.
        pruner.stop();
        pool.waitForDone();
        const qsizetype stopped = runs();
        insertAppliedRows(2, 3000);
        QTest::qWait(100); // five intervals
        QCOMPARE(runs(), stopped);
        QCOMPARE(appliedRows(), 3);
        QVERIFY(!pruner.runNow());
    }

    void prunerKeepsMutationIdsWhenRetentionIsZero()
    {
        insertAppliedRows(3, 1000);
        QVERIFY(s->countLoginAttempt({u"client:192.0.2.1"_s}, 1000).ok());
        QThreadPool pool;
        QAtomicInt finished;
        Pruner::Report last;
        Pruner::Options options;
        options.appliedRetentionDays = 0;
        options.clock = [] { return kNow; };
        options.finished = [&](const Pruner::Report &report) {
            last = report;
            finished.fetchAndAddOrdered(1);
        };
        {
            Pruner pruner(*s, &pool, options);
            QVERIFY(pruner.runNow());
            QTRY_COMPARE(finished.loadAcquire(), 1);
            pool.waitForDone();
        }
        QCOMPARE(last.loginWindowsDeleted, 1);
        QCOMPARE(last.appliedChunks, 0);
        QCOMPARE(appliedRows(), 3);
        QCOMPARE(loginRows(), 0);

        // A step that fails is reported, and the run goes on with the next one.
        {
            auto db = s->connection();
            QSqlQuery q(*db);
            QVERIFY(q.exec(u"DROP TABLE login_failures"_s));
        }
        options.appliedRetentionDays = 1;
        Pruner pruner(*s, &pool, options);
        QVERIFY(pruner.runNow());
        QTRY_COMPARE(finished.loadAcquire(), 2);
        pool.waitForDone();
        QVERIFY(last.loginError);
        QCOMPARE(last.loginError->code, ErrorCode::Internal);
        QVERIFY(!last.appliedError);
        QCOMPARE(last.appliedDeleted, 3);
        QCOMPARE(appliedRows(), 0);
    }

    void concurrentDuplicateBatchAppliesOnce()
    {
        for (int round = 0; round < 5; ++round) {
            QList<Mutation> batch;
            for (int i = 0; i < 40; ++i)
                batch << upsert(Entity::Tag, uuid(), at(round * 100 + i, u"d"_s), {{u"name"_s, u"t"_s}});
            qint64 before = 0;
            pullAll(admin, 0, &before);
            std::atomic<int> go {0};
            Result<QList<MutationResult>> r1 = makeError(ErrorCode::Internal, u"not run"_s);
            Result<QList<MutationResult>> r2 = makeError(ErrorCode::Internal, u"not run"_s);
            auto worker = [&](Result<QList<MutationResult>> *out) {
                go.fetch_add(1);
                while (go.load() < 2) { }
                *out = s->push(admin, batch, kNow);
            };
            std::thread t1(worker, &r1);
            std::thread t2(worker, &r2);
            t1.join();
            t2.join();
            QVERIFY2(r1.ok(), qPrintable(r1.ok() ? QString() : r1.error().message));
            QVERIFY2(r2.ok(), qPrintable(r2.ok() ? QString() : r2.error().message));
            int applied = 0;
            int duplicate = 0;
            for (const auto *r : {&r1, &r2}) {
                for (const MutationResult &m : r->value()) {
                    applied += m.status == MutationStatus::Applied;
                    duplicate += m.status == MutationStatus::Duplicate;
                }
            }
            QCOMPARE(applied, 40);
            QCOMPARE(duplicate, 40);
            qint64 after = 0;
            QCOMPARE(pullAll(admin, before, &after).size(), 40);
            QCOMPARE(after - before, 40); // each record got exactly one seq
        }
    }

    // A push reads and writes a batch's records together (more than one chunk of them here). Whatever the batch
    // holds (records changed twice, conflicts that come and go, deletes, rejects, ids repeated within the batch or
    // from an earlier push), team B, sent it as one batch, ends exactly as team A, sent it one mutation at a time.
    void oneBatchStoresWhatOneAtATimeStores()
    {
        QRandomGenerator random(20261128);
        const QStringList fieldNames {u"name"_s, u"domain"_s, u"segment"_s};
        QStringList ids;
        QList<Mutation> setup;
        QHash<QString, Hlc> created;
        for (int i = 0; i < 150; ++i) {
            ids << uuid();
            created.insert(ids.last(), at(i, u"setup"_s));
            setup << upsert(Entity::Account, ids.last(), created.value(ids.last()), {{u"name"_s, u"n%1"_s.arg(i)}});
            if (i % 5 == 0) // a concurrent edit: the record starts with a conflict
                setup << upsert(Entity::Account, ids.last(), at(1000 + i, u"other"_s), {{u"name"_s, u"c%1"_s.arg(i)}});
        }
        for (int i = 0; i < 30; ++i)
            ids << uuid(); // created by the batch

        QList<Mutation> batch;
        for (int i = 0; i < 400; ++i) {
            const int pick = random.bounded(100);
            if (pick < 4 && !batch.isEmpty()) { // a mutation id this batch already holds
                batch << batch.at(random.bounded(int(batch.size())));
                continue;
            }
            if (pick < 6) { // a mutation id pushed before
                batch << setup.at(random.bounded(int(setup.size())));
                continue;
            }
            const QString id = ids.at(random.bounded(int(ids.size())));
            const Hlc hlc = at(2000 + random.bounded(200000), u"d%1"_s.arg(random.bounded(4)));
            if (pick < 14) {
                batch << remove(Entity::Account, id, hlc);
                continue;
            }
            QJsonObject fields;
            QMap<QString, std::optional<Hlc>> base;
            for (const QString &field : fieldNames) {
                if (random.bounded(2) == 0)
                    continue;
                fields.insert(field, u"v%1"_s.arg(i));
                if (created.contains(id) && random.bounded(2) == 0)
                    base.insert(field, created.value(id));
            }
            if (pick < 18)
                fields.insert(u"unknown"_s, 1); // rejected
            if (fields.isEmpty() || !created.contains(id))
                fields.insert(u"name"_s, u"v%1"_s.arg(i));
            batch << upsert(Entity::Account, id, hlc, fields, base);
        }

        for (const AuthContext &ctx : {admin, adminB}) {
            for (const Mutation &m : std::as_const(setup))
                QCOMPARE(one(ctx, m).status == MutationStatus::Rejected, false);
        }
        QList<MutationResult> oneAtATime;
        for (const Mutation &m : std::as_const(batch))
            oneAtATime << one(admin, m);
        REQUIRE_OK(together, push(adminB, batch));

        QCOMPARE(together.size(), oneAtATime.size());
        QSet<int> seen;
        for (int i = 0; i < together.size(); ++i) {
            const MutationResult &a = oneAtATime.at(i);
            const MutationResult &b = together.at(i);
            QCOMPARE(b.id, a.id);
            QCOMPARE(b.status, a.status);
            QCOMPARE(b.lostFields, a.lostFields);
            QCOMPARE(b.error, a.error);
            seen.insert(int(a.status));
        }
        // The batch exercised every outcome.
        for (MutationStatus status :
            {MutationStatus::Applied, MutationStatus::Superseded, MutationStatus::Duplicate, MutationStatus::Rejected})
            QVERIFY(seen.contains(int(status)));

        const auto pages = [this](const AuthContext &ctx) {
            QList<QByteArray> out;
            qint64 cursor = 0;
            for (;;) {
                auto page = s->pullEncoded(ctx, cursor, protocol::kMaxPullLimit);
                if (!page)
                    return QList<QByteArray> {"failed"};
                out << page->changes;
                cursor = page->newSeq;
                if (!page->hasMore)
                    return out << QByteArray::number(cursor);
            }
        };
        const QList<QByteArray> a = pages(admin);
        const QList<QByteArray> b = pages(adminB);
        QCOMPARE(b.size(), a.size());
        for (int i = 0; i < a.size(); ++i)
            QCOMPARE(b.at(i), a.at(i));
        QVERIFY(std::any_of(a.begin(), a.end(), [](const QByteArray &c) { return c.contains("\"conflicts\":[{"); }));
    }

    // On PostgreSQL a push's values are written into its SQL text (Statements): every value comes back as it went
    // in, whatever it holds, in a record's fields, its conflicts and the ids.
    void valuesComeBackExactly()
    {
        const QStringList tricky {u"it's"_s, u"'; DROP TABLE records; --"_s, u"a ? b ?? c"_s, u"$1 $$ $tag$"_s,
            u"back\\slash \\' \\\\"_s, u"line\nbreak\ttab"_s, u"ünïcödé 漢字 🙂"_s, u"\"quoted\" {json: [1]}"_s,
            u"E'\\x41'"_s, u":name @p %s"_s};
        const QString id = uuid();
        const Hlc first = at(0, u"dev1"_s);
        QCOMPARE(one(admin, upsert(Entity::Account, id, first, {{u"name"_s, tricky.first()}})).status,
            MutationStatus::Applied);
        QList<Mutation> batch;
        for (int i = 0; i < tricky.size(); ++i) {
            // No base: each is a concurrent edit, so the values that lose are kept as conflicts.
            batch << upsert(Entity::Account, id, at(1000 + i, u"dev%1"_s.arg(i)),
                {{u"name"_s, tricky.at(i)}, {u"segment"_s, tricky.at(tricky.size() - 1 - i)}});
        }
        REQUIRE_OK(results, push(admin, batch));
        for (const MutationResult &r : results)
            QVERIFY(r.status == MutationStatus::Applied || r.status == MutationStatus::Superseded);
        const Change c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), tricky.last());
        QCOMPARE(c.fields.value(u"segment"_s).toString(), tricky.first());
        QStringList kept;
        for (const Conflict &conflict : c.conflicts)
            kept << conflict.value.toString();
        for (int i = 0; i < tricky.size() - 1; ++i)
            QVERIFY2(kept.contains(tricky.at(i)), qPrintable(tricky.at(i)));
        QCOMPARE(c.hlc.deviceId, u"dev%1"_s.arg(tricky.size() - 1));
    }

    void batchIsAllOrNothing()
    {
        s.reset();
        ServerStorage::Options options;
        options.pushHook = [](int index) -> Result<void> {
            if (index == 2)
                return makeError(ErrorCode::Internal, u"injected failure"_s);
            return {};
        };
        REQUIRE_OK(failing, ServerStorage::open(m_url, options));
        const QString existing = uuid();
        REQUIRE_OK(
            ok, failing->push(admin, {upsert(Entity::Account, existing, at(0, u"d"_s), {{u"name"_s, u"A"_s}})}, kNow));
        QCOMPARE(ok.first().status, MutationStatus::Applied);
        qint64 before = 0;
        {
            auto page = failing->pull(admin, 0, 100);
            QVERIFY(page.ok());
            before = page->newSeq;
        }
        const QList<Mutation> batch {
            upsert(Entity::Account, existing, at(5, u"d"_s), {{u"name"_s, u"B"_s}}),
            upsert(Entity::Tag, uuid(), at(6, u"d"_s), {{u"name"_s, u"t"_s}}),
            remove(Entity::Account, existing, at(7, u"d"_s)),
        };
        auto result = failing->push(admin, batch, kNow);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::Internal);
        REQUIRE_OK(after, failing->pull(admin, before, 100));
        QVERIFY(after.changes.isEmpty());
        REQUIRE_OK(full, failing->pull(admin, 0, 100));
        QCOMPARE(full.changes.size(), 1);
        QCOMPARE(full.changes.first().fields.value(u"name"_s).toString(), u"A"_s);
        failing.reset();

        // The ids were not remembered: the retry applies.
        REQUIRE_OK(plain, ServerStorage::open(m_url));
        REQUIRE_OK(retry, plain->push(admin, batch, kNow));
        QCOMPARE(retry.at(0).status, MutationStatus::Applied);
        QCOMPARE(retry.at(1).status, MutationStatus::Applied);
        QCOMPARE(retry.at(2).status, MutationStatus::Applied);
    }

    void rejectedMutationDoesNotStopTheBatch()
    {
        const QString id = uuid();
        REQUIRE_OK(results,
            push(admin,
                {upsert(Entity::Account, uuid(), at(0, u"d"_s), {{u"domain"_s, u"x"_s}}),
                    upsert(Entity::Account, id, at(1, u"d"_s), {{u"name"_s, u"ok"_s}})}));
        QCOMPARE(results.at(0).status, MutationStatus::Rejected);
        QCOMPARE(results.at(0).error, u"bad_request"_s);
        QVERIFY(results.at(0).message.contains(u"account.name"_s));
        QCOMPARE(results.at(1).status, MutationStatus::Applied);
        QCOMPARE(pullAll(admin).size(), 1);
    }

    void validationAndEntity()
    {
        const QString id = uuid();
        QCOMPARE(one(admin, upsert(Entity::Insight, id, at(0, u"d"_s), {{u"text"_s, u"t"_s}})).status,
            MutationStatus::Rejected); // kind is required on create
        QCOMPARE(one(admin, upsert(Entity::Insight, id, at(1, u"d"_s), {{u"text"_s, u"t"_s}, {u"kind"_s, u"need"_s}}))
                     .status,
            MutationStatus::Applied);
        QCOMPARE(one(admin, upsert(Entity::Insight, id, at(2, u"d"_s), {{u"importance"_s, 3}})).status,
            MutationStatus::Applied); // an update needs only its fields
        const MutationResult wrongEntity = one(admin, upsert(Entity::Tag, id, at(3, u"d"_s), {{u"name"_s, u"x"_s}}));
        QCOMPARE(wrongEntity.status, MutationStatus::Rejected);
        QCOMPARE(wrongEntity.error, u"bad_request"_s);
        const MutationResult invalid = one(admin, upsert(Entity::Insight, id, at(4, u"d"_s), {{u"importance"_s, 9}}));
        QCOMPARE(invalid.status, MutationStatus::Rejected);
    }

    void clockAheadIsRejected()
    {
        Mutation ahead = upsert(Entity::Account, uuid(), Hlc {kNow + 11 * 60 * 1000, 0, u"d"_s}, {{u"name"_s, u"A"_s}});
        const MutationResult r = one(admin, ahead);
        QCOMPARE(r.status, MutationStatus::Rejected);
        QCOMPARE(r.error, u"bad_request"_s);
        QVERIFY(r.message.contains(u"clock is ahead"_s));
        Mutation fine = upsert(Entity::Account, uuid(), Hlc {kNow + 9 * 60 * 1000, 0, u"d"_s}, {{u"name"_s, u"A"_s}});
        QCOMPARE(one(admin, fine).status, MutationStatus::Applied);

        s.reset();
        ServerStorage::Options strict;
        strict.maxClockAheadMs = 1000;
        REQUIRE_OK(storage, ServerStorage::open(m_url, strict));
        REQUIRE_OK(results,
            storage->push(
                admin, {upsert(Entity::Account, uuid(), Hlc {kNow + 2000, 0, u"d"_s}, {{u"name"_s, u"A"_s}})}, kNow));
        QCOMPARE(results.first().status, MutationStatus::Rejected);
    }

    void unreadableStampsAreRejected()
    {
        // The HTTP decoder refuses these; a caller of ServerStorage::push that builds its own mutations must not
        // store a stamp that every device of the team would then refuse to read.
        const QString id = uuid();
        for (const Hlc &bad : {Hlc {kNow, 0, u"no spaces"_s}, Hlc {kNow, 0, QString()}, Hlc {kNow, 10000, u"d"_s},
                               Hlc {-1, 0, u"d"_s}, Hlc {kNow, 0, QString(65, u'd')}}) {
            const MutationResult r = one(admin, upsert(Entity::Account, id, bad, {{u"name"_s, u"A"_s}}));
            QCOMPARE(r.status, MutationStatus::Rejected);
            QCOMPARE(r.error, u"bad_request"_s);
        }
        QVERIFY(pullAll(admin).isEmpty());
        QCOMPARE(one(admin, upsert(Entity::Account, id, Hlc {kNow, 9999, QString(64, u'd')}, {{u"name"_s, u"A"_s}}))
                     .status,
            MutationStatus::Applied);
    }

    // ---- merge

    void lastWriterWinsPerFieldOutOfOrder()
    {
        const QString id = uuid();
        const Hlc h0 = at(0, u"dev0"_s);
        QCOMPARE(
            one(admin, upsert(Entity::Account, id, h0, {{u"name"_s, u"A"_s}, {u"domain"_s, u"a.example"_s}})).status,
            MutationStatus::Applied);
        // Two edits of different fields, arriving newest first: both stay.
        const Hlc h2 = at(2000, u"dev2"_s);
        const Hlc h1 = at(1000, u"dev1"_s);
        QCOMPARE(one(admin, upsert(Entity::Account, id, h2, {{u"name"_s, u"N2"_s}}, {{u"name"_s, h0}})).status,
            MutationStatus::Applied);
        QCOMPARE(
            one(admin, upsert(Entity::Account, id, h1, {{u"domain"_s, u"d1.example"_s}}, {{u"domain"_s, h0}})).status,
            MutationStatus::Applied);
        // An older edit of name, based on the value it replaced (not concurrent by its base): it loses, no conflict.
        const MutationResult lost = one(admin,
            upsert(Entity::Account, id, at(1500, u"dev3"_s), {{u"name"_s, u"old"_s}, {u"segment"_s, u"smb"_s}},
                {{u"name"_s, h2}}));
        QCOMPARE(lost.status, MutationStatus::Superseded);
        QCOMPARE(lost.lostFields, QStringList {u"name"_s});
        const Change c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"N2"_s);
        QCOMPARE(c.fields.value(u"domain"_s).toString(), u"d1.example"_s);
        QCOMPARE(c.fields.value(u"segment"_s).toString(), u"smb"_s);
        QCOMPARE(c.fieldHlcs.value(u"name"_s), h2);
        QCOMPARE(c.fieldHlcs.value(u"domain"_s), h1);
        QCOMPARE(c.hlc, h2);
        QVERIFY(c.conflicts.isEmpty());
        // The very same stamp again (another mutation id): nothing changes.
        qint64 end = 0;
        pullAll(admin, 0, &end);
        QCOMPARE(one(admin, upsert(Entity::Account, id, h2, {{u"name"_s, u"N2"_s}}, {{u"name"_s, h0}})).status,
            MutationStatus::Applied);
        QVERIFY(pullAll(admin, end).isEmpty());
    }

    void concurrentEditsKeepTheLoserBothWays()
    {
        const QString id = uuid();
        const Hlc h0 = at(0, u"dev0"_s);
        one(admin, upsert(Entity::Account, id, h0, {{u"name"_s, u"A"_s}}));
        const Hlc h2 = at(2000, u"dev1"_s);
        QCOMPARE(one(admin, upsert(Entity::Account, id, h2, {{u"name"_s, u"B"_s}}, {{u"name"_s, h0}})).status,
            MutationStatus::Applied); // plain overwrite
        QVERIFY(pullAll(admin).value(id).conflicts.isEmpty());

        // Incoming wins a concurrent edit: the stored value becomes a conflict.
        const Hlc h3 = at(3000, u"dev2"_s);
        QCOMPARE(one(marketer, upsert(Entity::Account, id, h3, {{u"name"_s, u"C"_s}}, {{u"name"_s, h0}})).status,
            MutationStatus::Applied);
        Change c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"C"_s);
        QCOMPARE(c.conflicts.size(), 1);
        QCOMPARE(c.conflicts.first().field, u"name"_s);
        QCOMPARE(c.conflicts.first().value.toString(), u"B"_s);
        QCOMPARE(c.conflicts.first().hlc, h2);
        QCOMPARE(c.conflicts.first().deviceId, u"dev1"_s);

        // Incoming loses a concurrent edit: it is kept as a conflict, and named in lost_fields.
        const Hlc h1 = at(1000, u"dev3"_s);
        const MutationResult lost
            = one(admin, upsert(Entity::Account, id, h1, {{u"name"_s, u"D"_s}}, {{u"name"_s, h0}}));
        QCOMPARE(lost.status, MutationStatus::Superseded);
        QCOMPARE(lost.lostFields, QStringList {u"name"_s});
        c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"C"_s);
        QCOMPARE(c.conflicts.size(), 2);
        QCOMPARE(c.conflicts.at(1).value.toString(), u"D"_s);
        QCOMPARE(c.conflicts.at(1).deviceId, u"dev3"_s);
        // No base at all while a value is stored is concurrent too.
        const MutationResult noBase
            = one(admin, upsert(Entity::Account, id, at(500, u"dev4"_s), {{u"name"_s, u"E"_s}}));
        QCOMPARE(noBase.status, MutationStatus::Superseded);
        QCOMPARE(pullAll(admin).value(id).conflicts.size(), 3);

        // A person resolves by writing the field on top of what they saw: the conflicts that existed with that value
        // go; those recorded after it (D, E) stay until a write on top of a state that had them.
        const Hlc h4 = at(4000, u"dev0"_s);
        QCOMPARE(one(admin, upsert(Entity::Account, id, h4, {{u"name"_s, u"B"_s}}, {{u"name"_s, h3}})).status,
            MutationStatus::Applied);
        c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"B"_s);
        QCOMPARE(c.conflicts.size(), 2);
        QCOMPARE(one(admin, upsert(Entity::Account, id, at(5000, u"dev0"_s), {{u"name"_s, u"B"_s}}, {{u"name"_s, h4}}))
                     .status,
            MutationStatus::Applied);
        QVERIFY(pullAll(admin).value(id).conflicts.isEmpty());
    }

    void anEqualValueIsNeitherLostNorAConflict()
    {
        // Two devices that write the same value concurrently (the default guide each marketer's first capture
        // writes, a lead both marked won) leave nothing for a person to review, whichever stamp is newer.
        const QString id = uuid();
        const Hlc h0 = at(0, u"dev0"_s);
        one(admin, upsert(Entity::Account, id, h0, {{u"name"_s, u"A"_s}, {u"domain"_s, u"a.example"_s}}));
        const Hlc h2 = at(2000, u"dev1"_s);
        QCOMPARE(one(admin, upsert(Entity::Account, id, h2, {{u"name"_s, u"B"_s}}, {{u"name"_s, h0}})).status,
            MutationStatus::Applied);

        // Older and concurrent, the same value: applied, nothing lost.
        const MutationResult older
            = one(marketer, upsert(Entity::Account, id, at(1000, u"dev2"_s), {{u"name"_s, u"B"_s}}, {{u"name"_s, h0}}));
        QCOMPARE(older.status, MutationStatus::Applied);
        QVERIFY(older.lostFields.isEmpty());
        // Newer and concurrent, the same value: its stamp is kept, the stored value is no conflict.
        const Hlc h3 = at(3000, u"dev3"_s);
        QCOMPARE(one(marketer, upsert(Entity::Account, id, h3, {{u"name"_s, u"B"_s}}, {{u"name"_s, h0}})).status,
            MutationStatus::Applied);
        Change c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"B"_s);
        QCOMPARE(c.fieldHlcs.value(u"name"_s), h3);
        QVERIFY(c.conflicts.isEmpty());

        // In one mutation, an equal field is not lost while a different one is.
        const MutationResult mixed = one(admin,
            upsert(Entity::Account, id, at(-500, u"dev4"_s), {{u"name"_s, u"B"_s}, {u"domain"_s, u"d.example"_s}}));
        QCOMPARE(mixed.status, MutationStatus::Superseded);
        QCOMPARE(mixed.lostFields, QStringList {u"domain"_s});
        c = pullAll(admin).value(id);
        QCOMPARE(c.conflicts.size(), 1);
        QCOMPARE(c.conflicts.first().field, u"domain"_s);

        // The same record created by two devices that never saw each other's, with the same values.
        const QString guide = uuid();
        const QJsonObject fields {{u"title"_s, u"Open interview"_s},
                                  {u"questions"_s, QJsonArray {u"What do you need?"_s, u"Who else?"_s}}};
        QCOMPARE(one(marketer, upsert(Entity::Guide, guide, at(2000, u"dev5"_s), fields)).status,
            MutationStatus::Applied);
        QCOMPARE(one(admin, upsert(Entity::Guide, guide, at(1000, u"dev6"_s), fields)).status, MutationStatus::Applied);
        QCOMPARE(one(admin, upsert(Entity::Guide, guide, at(3000, u"dev7"_s), fields)).status, MutationStatus::Applied);
        c = pullAll(admin).value(guide);
        QCOMPARE(c.fields, fields);
        QVERIFY(c.conflicts.isEmpty());
    }

    void ownEarlierValueIsNeverConcurrent()
    {
        // dev1 saved B on top of A, then C on top of B; it dropped the unsent B from its outbox after B had already
        // left, so C arrives with B's base (A's hlc). Its own B is not a concurrent edit: no conflict.
        const QString id = uuid();
        const Hlc hA = at(0, u"dev0"_s);
        one(admin, upsert(Entity::Account, id, hA, {{u"name"_s, u"A"_s}}));
        const Hlc hB = at(1000, u"dev1"_s);
        QCOMPARE(one(admin, upsert(Entity::Account, id, hB, {{u"name"_s, u"B"_s}}, {{u"name"_s, hA}})).status,
            MutationStatus::Applied);
        QCOMPARE(one(admin, upsert(Entity::Account, id, at(2000, u"dev1"_s), {{u"name"_s, u"C"_s}}, {{u"name"_s, hA}}))
                     .status,
            MutationStatus::Applied);
        Change c = pullAll(admin).value(id);
        QCOMPARE(c.fields.value(u"name"_s).toString(), u"C"_s);
        QVERIFY(c.conflicts.isEmpty());
        // Another device with the same stale base still conflicts.
        QCOMPARE(one(admin, upsert(Entity::Account, id, at(3000, u"dev2"_s), {{u"name"_s, u"D"_s}}, {{u"name"_s, hA}}))
                     .status,
            MutationStatus::Applied);
        c = pullAll(admin).value(id);
        QCOMPARE(c.conflicts.size(), 1);
        QCOMPARE(c.conflicts.first().value.toString(), u"C"_s);
    }

    void deleteWinsBeforeAndAfter()
    {
        // Delete first, a later edit arrives after: it becomes conflicts, the record stays deleted.
        const QString a = uuid();
        one(admin, upsert(Entity::Account, a, at(0, u"d0"_s), {{u"name"_s, u"A"_s}, {u"domain"_s, u"a.example"_s}}));
        QCOMPARE(one(admin, remove(Entity::Account, a, at(1000, u"d1"_s))).status, MutationStatus::Applied);
        Change c = pullAll(admin).value(a);
        QVERIFY(c.deleted);
        QVERIFY(c.fields.isEmpty());
        QCOMPARE(c.conflicts.size(), 2); // the last values, for a person to restore
        const MutationResult late = one(
            admin, upsert(Entity::Account, a, at(5000, u"d2"_s), {{u"name"_s, u"Z"_s}}, {{u"name"_s, at(0, u"d0"_s)}}));
        QCOMPARE(late.status, MutationStatus::Superseded);
        QCOMPARE(late.lostFields, QStringList {u"name"_s});
        c = pullAll(admin).value(a);
        QVERIFY(c.deleted);
        QCOMPARE(c.conflicts.size(), 3);
        QCOMPARE(c.conflicts.last().value.toString(), u"Z"_s);
        QCOMPARE(c.conflicts.last().deviceId, u"d2"_s);

        // An edit newer than the delete but stored before it: the delete still wins.
        const QString b = uuid();
        one(admin, upsert(Entity::Account, b, at(0, u"d0"_s), {{u"name"_s, u"B"_s}}));
        one(admin,
            upsert(Entity::Account, b, at(9000, u"d1"_s), {{u"name"_s, u"B2"_s}}, {{u"name"_s, at(0, u"d0"_s)}}));
        QCOMPARE(one(admin, remove(Entity::Account, b, at(100, u"d2"_s))).status, MutationStatus::Applied);
        c = pullAll(admin).value(b);
        QVERIFY(c.deleted);
        QCOMPARE(c.conflicts.size(), 1);
        QCOMPARE(c.conflicts.first().value.toString(), u"B2"_s);

        // A delete that overtakes the create.
        const QString d = uuid();
        QCOMPARE(one(admin, remove(Entity::Tag, d, at(1000, u"d1"_s))).status, MutationStatus::Applied);
        const MutationResult create = one(admin, upsert(Entity::Tag, d, at(0, u"d0"_s), {{u"name"_s, u"t"_s}}));
        QCOMPARE(create.status, MutationStatus::Superseded);
        c = pullAll(admin).value(d);
        QVERIFY(c.deleted);
        QCOMPARE(c.conflicts.size(), 1);
        // Deleting again is harmless.
        QCOMPARE(one(admin, remove(Entity::Tag, d, at(2000, u"d1"_s))).status, MutationStatus::Applied);
        QVERIFY(pullAll(admin).value(d).deleted);
    }

    // ---- roles

    void salesRoleMatrix()
    {
        QHash<Entity, QString> ids;
        for (const EntitySpec &spec : allEntities()) {
            // Nobody but admin and marketer creates, and sales never deletes.
            const QString id = uuid();
            const MutationResult create = one(sales, upsert(spec.entity, id, at(0, u"s"_s), sampleFields(spec.entity)));
            QCOMPARE(create.status, MutationStatus::Rejected);
            QCOMPARE(create.error, u"forbidden"_s);
            QCOMPARE(one(marketer, upsert(spec.entity, id, at(1, u"m"_s), sampleFields(spec.entity))).status,
                MutationStatus::Applied);
            const MutationResult del = one(sales, remove(spec.entity, id, at(2, u"s"_s)));
            QCOMPARE(del.status, MutationStatus::Rejected);
            QCOMPARE(del.error, u"forbidden"_s);
            const QString firstField = sampleFields(spec.entity).begin().key();
            const MutationResult edit = one(sales,
                upsert(spec.entity, id, at(3, u"s"_s), {{firstField, sampleFields(spec.entity).value(firstField)}}));
            QCOMPARE(edit.status, MutationStatus::Rejected);
            QCOMPARE(edit.error, u"forbidden"_s);
            ids.insert(spec.entity, id);
        }
        // An unpublished insight.
        const QString hidden = uuid();
        QCOMPARE(one(admin,
                     upsert(Entity::Insight, hidden, at(4, u"a"_s),
                         {{u"kind"_s, u"pain"_s}, {u"text"_s, u"secret"_s}, {u"published"_s, false}}))
                     .status,
            MutationStatus::Applied);

        const QString lead = ids.value(Entity::Lead);
        QCOMPARE(one(sales, upsert(Entity::Lead, lead, at(10, u"s"_s), {{u"status"_s, u"accepted"_s}})).status,
            MutationStatus::Applied);
        QCOMPARE(one(sales, upsert(Entity::Lead, lead, at(11, u"s"_s), {{u"outcome"_s, u"signed"_s}})).status,
            MutationStatus::Applied);
        QCOMPARE(one(sales, upsert(Entity::Lead, lead, at(12, u"s"_s), {{u"status"_s, u"done"_s}, {u"priority"_s, 1}}))
                     .error,
            u"forbidden"_s);
        QCOMPARE(one(sales, upsert(Entity::Lead, uuid(), at(13, u"s"_s), {{u"status"_s, u"done"_s}})).error,
            u"forbidden"_s); // not an existing lead

        // Reads
        const QHash<QString, Change> seen = pullAll(sales);
        for (Entity e : {Entity::Account, Entity::Contact, Entity::Tag, Entity::Lead, Entity::Insight}) {
            QVERIFY2(seen.contains(ids.value(e)), qPrintable(entityName(e)));
            QVERIFY(!seen.value(ids.value(e)).deleted);
            QVERIFY(!seen.value(ids.value(e)).fields.isEmpty());
        }
        QVERIFY(!seen.contains(ids.value(Entity::Conversation)));
        QVERIFY(!seen.contains(ids.value(Entity::Guide)));
        QVERIFY(seen.value(hidden).deleted);
        QVERIFY(seen.value(hidden).fields.isEmpty());
        QVERIFY(seen.value(hidden).fieldHlcs.isEmpty());
        QCOMPARE(seen.value(lead).fields.value(u"status"_s).toString(), u"accepted"_s);
        QCOMPARE(seen.value(lead).fields.value(u"outcome"_s).toString(), u"signed"_s);

        // admin and marketer read everything
        for (const AuthContext &ctx : {admin, marketer}) {
            const QHash<QString, Change> all = pullAll(ctx);
            QCOMPARE(all.size(), 8);
            QVERIFY(!all.value(hidden).deleted);
        }
        // marketer and admin write everything, delete included
        QCOMPARE(one(marketer, remove(Entity::Guide, ids.value(Entity::Guide), at(20, u"m"_s))).status,
            MutationStatus::Applied);
        QCOMPARE(one(admin, remove(Entity::Conversation, ids.value(Entity::Conversation), at(20, u"a"_s))).status,
            MutationStatus::Applied);
    }

    void unpublishRemovesForSales()
    {
        const QString id = uuid();
        const Hlc h0 = at(0, u"m"_s);
        one(marketer,
            upsert(Entity::Insight, id, h0, {{u"kind"_s, u"need"_s}, {u"text"_s, u"t"_s}, {u"published"_s, true}}));
        qint64 cursor = 0;
        QHash<QString, Change> seen = pullAll(sales, 0, &cursor);
        QVERIFY(!seen.value(id).deleted);
        QCOMPARE(seen.value(id).fields.value(u"text"_s).toString(), u"t"_s);

        // Unpublished with a concurrent edit, so that there is a conflict sales must not get either.
        one(marketer,
            upsert(Entity::Insight, id, at(1000, u"m"_s), {{u"published"_s, false}, {u"text"_s, u"hidden"_s}}));
        one(admin, upsert(Entity::Insight, id, at(500, u"a"_s), {{u"text"_s, u"other"_s}}, {{u"text"_s, h0}}));
        seen = pullAll(sales, cursor, &cursor);
        QCOMPARE(seen.size(), 1);
        QVERIFY(seen.value(id).deleted);
        QVERIFY(seen.value(id).fields.isEmpty());
        QVERIFY(seen.value(id).conflicts.isEmpty());
        QVERIFY(!pullAll(admin).value(id).conflicts.isEmpty());

        one(marketer, upsert(Entity::Insight, id, at(2000, u"m"_s), {{u"published"_s, true}}));
        seen = pullAll(sales, cursor, &cursor);
        QVERIFY(!seen.value(id).deleted);
        QCOMPARE(seen.value(id).fields.value(u"text"_s).toString(), u"hidden"_s);

        // A deleted insight's last content is not sales' to see.
        one(marketer, remove(Entity::Insight, id, at(3000, u"m"_s)));
        seen = pullAll(sales, cursor, &cursor);
        QVERIFY(seen.value(id).deleted);
        QVERIFY(seen.value(id).conflicts.isEmpty());
    }

    // Decision 0030: writing the stored value again over itself (how a device dismisses a conflict) resolves every
    // conflict of the field the device had pulled, when the push carries its cursor; one recorded after the value
    // was stored included. Without the cursor, or with one from before the conflict, only the conflicts recorded up
    // to when the value was stored; a new value resolves no more than that either, except a conflict holding it.
    void dismissingAConflictTheDeviceHadPulledResolvesIt()
    {
        // A record whose name B (dev1) has a conflict recorded after B was stored: an older concurrent edit that
        // arrived late.
        const auto recordWithLateConflict = [&] {
            const QString id = uuid();
            const Hlc h0 = at(0, u"dev0"_s);
            one(admin, upsert(Entity::Account, id, h0, {{u"name"_s, u"A"_s}}));
            one(admin, upsert(Entity::Account, id, at(2000, u"dev1"_s), {{u"name"_s, u"B"_s}}, {{u"name"_s, h0}}));
            const MutationResult late = one(
                marketer, upsert(Entity::Account, id, at(1000, u"dev2"_s), {{u"name"_s, u"C"_s}}, {{u"name"_s, h0}}));
            if (late.status != MutationStatus::Superseded || pullAll(admin).value(id).conflicts.size() != 1)
                qFatal("no late conflict");
            return id;
        };
        const auto rewrite = [&](const QString &id, const QString &name, int atMs, std::optional<qint64> cursor) {
            const Mutation m = upsert(Entity::Account, id, at(atMs, u"dev1"_s), {{u"name"_s, name}},
                {{u"name"_s, pullAll(admin).value(id).fieldHlcs.value(u"name"_s)}});
            auto outcome = s->push(admin, {m}, kNow, cursor);
            if (!outcome || outcome->results.first().status != MutationStatus::Applied)
                qFatal("rewrite failed");
        };
        const auto conflicts = [&](const QString &id) { return pullAll(admin).value(id).conflicts.size(); };

        const QString withCursor = recordWithLateConflict();
        const QString withoutCursor = recordWithLateConflict();
        const QString newValue = recordWithLateConflict();
        qint64 seen = -1;
        pullAll(admin, 0, &seen); // the device pulled all three conflicts
        const QString afterCursor = recordWithLateConflict();

        rewrite(withCursor, u"B"_s, 3000, seen);
        QCOMPARE(conflicts(withCursor), 0);

        rewrite(withoutCursor, u"B"_s, 3000, std::nullopt);
        QCOMPARE(conflicts(withoutCursor), 1);
        rewrite(withoutCursor, u"B"_s, 4000, std::nullopt); // B is now stored after the conflict
        QCOMPARE(conflicts(withoutCursor), 0);

        rewrite(newValue, u"D"_s, 3000, seen); // a new value: the conflict is still for a person to review
        QCOMPARE(conflicts(newValue), 1);

        rewrite(afterCursor, u"B"_s, 3000, seen); // the device had not pulled this conflict
        QCOMPARE(conflicts(afterCursor), 1);

        // A cursor ahead of the team's changes (a stale or foreign one) counts for no more than the team's last.
        const QString ahead = recordWithLateConflict();
        rewrite(ahead, u"B"_s, 3000, std::numeric_limits<qint64>::max());
        QCOMPARE(conflicts(ahead), 0);

        // Restored: the conflict's value written over the stored one. It lost nothing now, cursor or not; another
        // conflict of the field stays.
        const QString restored = recordWithLateConflict();
        one(marketer,
            upsert(Entity::Account, restored, at(1500, u"dev3"_s), {{u"name"_s, u"E"_s}}, {{u"name"_s, at(0, u"dev0"_s)}}));
        QCOMPARE(conflicts(restored), 2);
        rewrite(restored, u"C"_s, 3000, std::nullopt);
        const Change afterRestore = pullAll(admin).value(restored);
        QCOMPARE(afterRestore.fields.value(u"name"_s).toString(), u"C"_s);
        QCOMPARE(afterRestore.conflicts.size(), 1);
        QCOMPARE(afterRestore.conflicts.first().value.toString(), u"E"_s);
    }

    // Decision 0025: a device that held every change it may see gets, with an exact push, the cursor after it.
    void aPushCatchesUpADeviceThatHeldEveryChange()
    {
        const auto pushFrom = [&](const AuthContext &ctx, const QList<Mutation> &batch, std::optional<qint64> cursor) {
            auto outcome = s->push(ctx, batch, kNow, cursor);
            if (!outcome)
                qFatal("push: %s", qPrintable(outcome.error().message));
            return std::move(outcome).value();
        };
        qint64 cursor = -1;
        QVERIFY(pullAll(admin, 0, &cursor).isEmpty());
        const QString a = uuid();
        const QString b = uuid();

        // Creates: caught up, to the seq after them, and nothing left to pull.
        auto created = pushFrom(admin,
            {upsert(Entity::Account, a, at(0, u"d"_s), {{u"name"_s, u"A"_s}}),
                upsert(Entity::Account, b, at(1, u"d"_s), {{u"name"_s, u"B"_s}, {u"domain"_s, u"b.example"_s}})},
            cursor);
        QVERIFY(created.caughtUpSeq);
        qint64 end = -1;
        QCOMPARE(pullAll(admin, 0, &end).size(), 2);
        QCOMPARE(*created.caughtUpSeq, end);
        QVERIFY(pullAll(admin, end).isEmpty());
        cursor = end;

        // A plain overwrite, and two edits of one record in one batch: caught up.
        auto edited = pushFrom(admin,
            {upsert(Entity::Account, a, at(10, u"d"_s), {{u"name"_s, u"A2"_s}}, {{u"name"_s, at(0, u"d"_s)}}),
                upsert(Entity::Account, a, at(11, u"d"_s), {{u"segment"_s, u"smb"_s}})},
            cursor);
        QVERIFY(edited.caughtUpSeq);
        QCOMPARE(*edited.caughtUpSeq, cursor + 2);
        cursor = *edited.caughtUpSeq;

        // Without a cursor, the contract's answer; with a stale one (another device wrote since), none either.
        QVERIFY(!pushFrom(marketer, {upsert(Entity::Tag, uuid(), at(20, u"m"_s), {{u"name"_s, u"t"_s}})}, std::nullopt)
                     .caughtUpSeq);
        const Mutation onB = upsert(Entity::Account, b, at(30, u"d"_s), {{u"name"_s, u"B2"_s}}, {{u"name"_s, at(1, u"d"_s)}});
        auto stale = pushFrom(admin, {onB}, cursor);
        QCOMPARE(stale.results.first().status, MutationStatus::Applied);
        QVERIFY(!stale.caughtUpSeq);
        pullAll(admin, cursor, &cursor);

        // A retried push (duplicate) changes nothing: still caught up, the cursor where it is.
        auto retried = pushFrom(admin, {onB}, cursor);
        QCOMPARE(retried.results.first().status, MutationStatus::Duplicate);
        QCOMPARE(retried.caughtUpSeq, std::optional<qint64>(cursor));

        // A concurrent edit keeps the loser as a conflict the device does not hold: pull.
        auto concurrent = pushFrom(admin,
            {upsert(Entity::Account, b, at(40, u"e"_s), {{u"name"_s, u"B3"_s}}, {{u"name"_s, at(1, u"d"_s)}})}, cursor);
        QCOMPARE(concurrent.results.first().status, MutationStatus::Applied);
        QVERIFY(!concurrent.caughtUpSeq);
        pullAll(admin, cursor, &cursor);
        QCOMPARE(pullAll(admin).value(b).conflicts.size(), 1);
        // A record with conflicts (one resolved by this edit): pull.
        QVERIFY(!pushFrom(admin, {upsert(Entity::Account, b, at(50, u"d"_s), {{u"domain"_s, u"c.example"_s}},
                                      {{u"domain"_s, at(1, u"d"_s)}})},
            cursor)
                     .caughtUpSeq);
        pullAll(admin, cursor, &cursor);
        // A lost field, a rejected mutation, a delete: pull.
        auto lost = pushFrom(admin, {upsert(Entity::Account, a, at(5, u"x"_s), {{u"name"_s, u"old"_s}})}, cursor);
        QCOMPARE(lost.results.first().status, MutationStatus::Superseded);
        QVERIFY(!lost.caughtUpSeq);
        pullAll(admin, cursor, &cursor);
        auto rejected = pushFrom(admin,
            {upsert(Entity::Account, uuid(), at(60, u"d"_s), {{u"name"_s, u"C"_s}}),
                upsert(Entity::Account, uuid(), at(61, u"d"_s), {{u"domain"_s, u"no-name.example"_s}})},
            cursor);
        QCOMPARE(rejected.results.at(1).status, MutationStatus::Rejected);
        QVERIFY(!rejected.caughtUpSeq);
        pullAll(admin, cursor, &cursor);
        QVERIFY(!pushFrom(admin, {remove(Entity::Account, a, at(70, u"d"_s))}, cursor).caughtUpSeq);

        // Sales: its cursor stays behind the conversations it never gets; a lead edit still catches it up, and an
        // insight it would get as a removal since its cursor does not.
        const QString lead = uuid();
        QVERIFY(one(marketer, upsert(Entity::Lead, lead, at(80, u"m"_s),
                                  {{u"account_id"_s, b}, {u"recommendation"_s, u"call"_s}}))
                    .status
            == MutationStatus::Applied);
        qint64 salesCursor = -1;
        pullAll(sales, 0, &salesCursor);
        one(marketer, upsert(Entity::Conversation, uuid(), at(81, u"m"_s), sampleFields(Entity::Conversation)));
        auto salesEdit = pushFrom(sales, {upsert(Entity::Lead, lead, at(90, u"s"_s), {{u"status"_s, u"accepted"_s}})},
            salesCursor);
        QCOMPARE(salesEdit.results.first().status, MutationStatus::Applied);
        QVERIFY(salesEdit.caughtUpSeq);
        QVERIFY(pullAll(sales, *salesEdit.caughtUpSeq).isEmpty());
        salesCursor = *salesEdit.caughtUpSeq;
        one(marketer, upsert(Entity::Insight, uuid(), at(91, u"m"_s),
                          {{u"kind"_s, u"need"_s}, {u"text"_s, u"draft"_s}, {u"published"_s, false}}));
        QVERIFY(!pushFrom(sales, {upsert(Entity::Lead, lead, at(92, u"s"_s), {{u"outcome"_s, u"signed"_s}})},
            salesCursor)
                     .caughtUpSeq);
    }

    // Decision 0026: on SQLite a push's commit leaves the log's checkpoint to a thread of its own; the log is copied
    // into the database file and every record is there.
    void theLogIsCheckpointedOffThePushesThread()
    {
        if (s->backend() != ServerStorage::Backend::Sqlite) {
            QCOMPARE(s->walCheckpointsRun(), -1);
            return;
        }
        QCOMPARE(s->walCheckpointsRun(), 0);
        auto db = s->connection();
        QVERIFY(db.ok());
        const QString file = db->databaseName();
        const qint64 before = QFileInfo(file).size();
        QList<Mutation> batch;
        for (int i = 0; i < 300; ++i)
            batch << upsert(Entity::Tag, uuid(), at(i, u"d"_s), {{u"name"_s, u"tag %1 %2"_s.arg(i).arg(QString(90, u'x'))}});
        QVERIFY(push(admin, batch).ok());
        QVERIFY(s->walCheckpointsRun() >= 1);
        // The records reached the database file: far below the writers' own threshold, only the thread copies them.
        QVERIFY2(QFileInfo(file).size() >= before + 100 * 1024,
            qPrintable(u"%1 -> %2 bytes"_s.arg(before).arg(QFileInfo(file).size())));
        QCOMPARE(pullAll(admin, 0, nullptr, 1000).size(), 300);
    }

    void teamsAreIsolated()
    {
        const QString shared = uuid();
        one(admin, upsert(Entity::Account, shared, at(0, u"a"_s), {{u"name"_s, u"A's"_s}}));
        one(admin, upsert(Entity::Account, uuid(), at(1, u"a"_s), {{u"name"_s, u"A2"_s}}));
        // Team B writes a record with the same id: it is B's own record, A's is untouched.
        QCOMPARE(one(adminB, upsert(Entity::Tag, shared, at(2, u"b"_s), {{u"name"_s, u"B's"_s}})).status,
            MutationStatus::Applied);
        const QHash<QString, Change> b = pullAll(adminB);
        QCOMPARE(b.size(), 1);
        QCOMPARE(b.value(shared).entity, Entity::Tag);
        const QHash<QString, Change> a = pullAll(admin);
        QCOMPARE(a.size(), 2);
        QCOMPARE(a.value(shared).fields.value(u"name"_s).toString(), u"A's"_s);
        // B's sequence is its own: B's cursor after one record is 1.
        REQUIRE_OK(page, s->pull(adminB, 0, 10));
        QCOMPARE(page.newSeq, 1);
        // A's cursor is no cursor for B.
        QVERIFY(!s->decodeCursor(teamB, s->encodeCursor(teamA, 2)).ok());
        // Pushing with a team that does not exist fails without storing anything.
        AuthContext ghost = admin;
        ghost.teamId = uuid();
        QVERIFY(!push(ghost, {upsert(Entity::Tag, uuid(), at(3, u"g"_s), {{u"name"_s, u"x"_s}})}).ok());
    }

    void cursorsAreTamperEvident()
    {
        const QString cursor = s->encodeCursor(teamA, 12345);
        REQUIRE_OK(seq, s->decodeCursor(teamA, cursor));
        QCOMPARE(seq, 12345);
        QCOMPARE(*s->decodeCursor(teamA, QString()), 0);

        QStringList bad {u"garbage"_s, u"!!!!"_s, cursor.left(cursor.size() - 4), cursor + u"A"_s, cursor + u"="_s,
            s->encodeCursor(teamB, 12345), QString(5000, u'A')};
        for (int i = 0; i < cursor.size(); ++i) {
            QString flipped = cursor;
            flipped[i] = flipped[i] == u'A' ? u'B' : u'A';
            bad << flipped;
        }
        for (const QString &b : bad) {
            auto decoded = s->decodeCursor(teamA, b);
            QVERIFY2(!decoded.ok(), qPrintable(b));
            QCOMPARE(decoded.error().code, ErrorCode::InvalidInput);
            QCOMPARE(decoded.error().message, u"invalid cursor"_s);
        }
        // Every instance on the same database shares the secret.
        REQUIRE_OK(second, ServerStorage::open(m_url));
        QCOMPARE(*second->decodeCursor(teamA, cursor), 12345);
    }

    // ---- the no-skip property

    // ---- statements kept per connection

    // A push's and a pull's statements stay prepared on their connection for the next call (on PostgreSQL each
    // prepare is a round trip, and DEALLOCATE another): a second push of the same shape prepares nothing new.
    void statementsStayPreparedOnTheirConnection()
    {
        const auto pushTags = [&](int count) {
            QList<Mutation> batch;
            for (int i = 0; i < count; ++i)
                batch << upsert(Entity::Tag, uuid(), at(i, u"dev1"_s), {{u"name"_s, u"t%1"_s.arg(i)}});
            return push(marketer, batch);
        };
        QVERIFY(pushTags(3).ok());
        QVERIFY(s->pull(marketer, 0, 10).ok());
        REQUIRE_OK(db, s->connection());
        const auto preparedOnServer = [&]() -> int {
            QSqlQuery q(db);
            if (!q.exec(u"SELECT count(*) FROM pg_prepared_statements"_s) || !q.next())
                return -1;
            return q.value(0).toInt();
        };
        if (s->backend() == ServerStorage::Backend::Postgres) {
            const int kept = preparedOnServer();
            QVERIFY2(kept >= 5, qPrintable(u"prepared statements kept: %1"_s.arg(kept)));
            QVERIFY(pushTags(3).ok());
            QVERIFY(s->pull(marketer, 0, 10).ok());
            QCOMPARE(preparedOnServer(), kept);
        }
        // Whatever they keep, the answers are those of statements prepared anew.
        REQUIRE_OK(all, s->pull(marketer, 0, 100));
        QCOMPARE(all.changes.size(), s->backend() == ServerStorage::Backend::Postgres ? 6 : 3);
    }

    void statementCacheKeepsTheRecentlyUsed()
    {
        REQUIRE_OK(db, s->connection());
        StatementCache cache(db, 2);
        const auto value = [&](const QString &sql) -> int {
            QSqlQuery *q = cache.run(sql, {7});
            const int v = q && q->next() ? q->value(0).toInt() : -1;
            if (q)
                q->finish();
            return v;
        };
        QCOMPARE(value(u"SELECT 1 + ?"_s), 8);
        QSqlQuery *first = cache.prepared(u"SELECT 1 + ?"_s);
        QCOMPARE(value(u"SELECT 1 + ?"_s), 8);
        QCOMPARE(cache.prepared(u"SELECT 1 + ?"_s), first);
        QCOMPARE(cache.size(), 1);
        QCOMPARE(value(u"SELECT 2 + ?"_s), 9);
        QCOMPARE(value(u"SELECT 1 + ?"_s), 8); // used last: kept when a third comes
        QCOMPARE(value(u"SELECT 3 + ?"_s), 10);
        QCOMPARE(cache.size(), 2);
        QCOMPARE(cache.prepared(u"SELECT 1 + ?"_s), first);
        QCOMPARE(value(u"SELECT 2 + ?"_s), 9);
        QVERIFY(!cache.run(u"SELECT FROM nowhere"_s, {}));
        QCOMPARE(value(u"SELECT 3 + ?"_s), 10);
    }

    // write() binds through SQLite's C API on SQLite (decision 0028): every kind of value a push binds reads back
    // as it does when Qt's driver binds it; a failed write changes nothing and leaves the statement usable.
    void statementCacheWritesValuesAsQtBindsThem()
    {
        REQUIRE_OK(db, s->connection());
        StatementCache cache(db);
        const bool sqlite = s->backend() == ServerStorage::Backend::Sqlite;
        QCOMPARE(cache.writesDirectly(), sqlite);
        QSqlQuery q(db);
        QVERIFY(q.exec(sqlite ? u"CREATE TEMP TABLE kinds (k INTEGER PRIMARY KEY, v)"_s
                              : u"CREATE TEMP TABLE kinds (k INTEGER PRIMARY KEY, v TEXT)"_s));
        const QVariantList values {u"Zoë ✓ text"_s, QString(), u""_s, QByteArray("{\"a\":\"é\"}"), QByteArray(),
            42, qint64(1) << 40, true, 2.5, QVariant()};
        const QString insert = u"INSERT INTO kinds (k, v) VALUES (?, ?)"_s;
        for (int i = 0; i < values.size(); ++i) {
            if (!sqlite && values.at(i).typeId() == QMetaType::QByteArray)
                continue; // bytes go to PostgreSQL as text (textColumn), never as bytea
            QVERIFY2(cache.write(insert, {i, values.at(i)}), qPrintable(QString::number(i)));
            QSqlQuery *viaQt = cache.run(insert, {100 + i, values.at(i)});
            QVERIFY(viaQt);
            viaQt->finish();
        }
        const QString kindOf = sqlite ? u"typeof(v)"_s : u"CASE WHEN v IS NULL THEN 'null' ELSE 'text' END"_s;
        QVERIFY(q.exec(u"SELECT a.k, %1, a.v, (SELECT %1 FROM kinds WHERE k = a.k + 100),"
                       " (SELECT v FROM kinds WHERE k = a.k + 100) FROM kinds AS a WHERE a.k < 100 ORDER BY a.k"_s
                           .arg(kindOf)));
        int rows = 0;
        while (q.next()) {
            ++rows;
            const int i = q.value(0).toInt();
            QCOMPARE(q.value(1).toString(), q.value(3).toString());
            QCOMPARE(q.value(2), q.value(4));
            if (sqlite && values.at(i).typeId() == QMetaType::QByteArray && !values.at(i).toByteArray().isNull())
                QCOMPARE(q.value(1).toString(), u"blob"_s);
            if (values.at(i).typeId() == QMetaType::QString && values.at(i).toString().isNull())
                QCOMPARE(q.value(1).toString(), u"null"_s);
        }
        QCOMPARE(rows, sqlite ? 10 : 8);
        q.finish();

        const auto count = [&] {
            QSqlQuery c(db);
            return c.exec(u"SELECT count(*) FROM kinds"_s) && c.next() ? c.value(0).toInt() : -1;
        };
        const int before = count();
        if (sqlite) { // (through Qt, a value left out is the one bound last time; a failed PostgreSQL statement
                      // aborts the transaction)
            QVERIFY(!cache.write(insert, {1000})); // one value for two parameters
            QVERIFY(!cache.write(insert, {1000, 1, 2}));
            QVERIFY(!cache.write(insert, {0, u"taken"_s})); // the key is there
        }
        QVERIFY(!cache.write(u"INSERT INTO nowhere VALUES (?)"_s, {1}));
        QCOMPARE(count(), before);
        QVERIFY(cache.write(insert, {1001, u"after"_s}));
        QCOMPARE(count(), before + 1);
        QVERIFY(q.exec(u"DROP TABLE kinds"_s));
    }

    // A kept statement whose rows were not all read (a pull page with more behind it) must not keep its snapshot:
    // on SQLite that would hide from this connection what other connections commit afterwards.
    void aStatementLeftOpenHoldsNoSnapshot()
    {
        QList<Mutation> batch;
        for (int i = 0; i < 3; ++i)
            batch << upsert(Entity::Tag, uuid(), at(i, u"dev1"_s), {{u"name"_s, u"t%1"_s.arg(i)}});
        QVERIFY(push(marketer, batch).ok());
        REQUIRE_OK(page, s->pull(marketer, 0, 1));
        QVERIFY(page.hasMore);

        // Another thread, so another connection, adds a device and a record.
        const QString hash = ServerStorage::tokenHash(ServerStorage::newToken());
        const QString later = uuid();
        bool written = false;
        std::thread other([&] {
            auto user = s->user(marketer.userId);
            written = user && s->createDevice(user->id, u"tablet"_s, hash, kNow)
                && s->push(marketer, {upsert(Entity::Tag, later, at(9, u"dev2"_s), {{u"name"_s, u"late"_s}})}, kNow);
        });
        other.join();
        QVERIFY(written);

        // This thread's connection sees both.
        QVERIFY(s->findDeviceByTokenHash(hash).ok());
        QVERIFY(pullAll(marketer).contains(later));
    }

    void cursorNeverSkipsUnderConcurrency()
    {
        constexpr int kWriters = 4;
        constexpr int kBatches = 25;
        constexpr int kRecords = 30;
        for (int round = 0; round < 3; ++round) {
            QStringList records;
            for (int i = 0; i < kRecords; ++i)
                records << uuid();
            qint64 start = 0;
            pullAll(admin, 0, &start);
            std::atomic<int> writersLeft {kWriters};
            std::atomic<int> failures {0};
            QHash<QString, Change> seen;
            qint64 cursor = start;
            std::thread puller([&] {
                auto pullOnce = [&] {
                    auto page = s->pull(marketer, cursor, 7);
                    if (!page) {
                        failures.fetch_add(1);
                        return false;
                    }
                    for (const Change &c : page->changes)
                        seen.insert(c.recordId, c);
                    cursor = page->newSeq;
                    return page->hasMore;
                };
                while (writersLeft.load() > 0)
                    pullOnce();
                while (pullOnce()) { }
            });
            std::vector<std::thread> writers;
            for (int w = 0; w < kWriters; ++w) {
                writers.emplace_back([&, w] {
                    AuthContext ctx = w % 2 ? admin : marketer;
                    ctx.deviceId = uuid();
                    const QString device = u"w%1"_s.arg(w);
                    for (int b = 0; b < kBatches; ++b) {
                        QList<Mutation> batch;
                        for (int k = 0; k < 3; ++k) {
                            const QString &record = records.at((w * 7 + b * 3 + k) % kRecords);
                            batch << upsert(Entity::Tag, record, at(round * 100000 + b * 10 + k, device, w),
                                {{u"name"_s, u"%1-%2-%3"_s.arg(w).arg(b).arg(k)}, {u"color"_s, u"#00000%1"_s.arg(w)}});
                        }
                        if (!s->push(ctx, batch, kNow))
                            failures.fetch_add(1);
                    }
                    writersLeft.fetch_sub(1);
                });
            }
            for (auto &t : writers)
                t.join();
            puller.join();
            QCOMPARE(failures.load(), 0);
            const QHash<QString, Change> truth = pullAll(marketer, start, nullptr, 1000);
            QCOMPARE(seen.size(), truth.size());
            for (auto it = truth.begin(); it != truth.end(); ++it) {
                QVERIFY(seen.contains(it.key()));
                QCOMPARE(seen.value(it.key()), it.value());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestServerStorage)
#include "tst_serverstorage.moc"
