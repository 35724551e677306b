#include "storage/serverstorage.h"

#include "records/validator.h"
#include "storage/connectionpool.h"
#include "storage/merge.h"
#include "storage/walcheckpointer.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <memory>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::server {

using protocol::Change;
using protocol::Conflict;
using protocol::Mutation;
using protocol::MutationResult;
using protocol::MutationStatus;

namespace {

constexpr char kCursorVersion = 1;
constexpr int kCursorPayloadBytes = 1 + 16 + 8;
constexpr int kCursorBytes = kCursorPayloadBytes + crypto_auth_hmacsha256_BYTES;

// ---- schema: numbered migrations; the same DDL works on SQLite and PostgreSQL (BIGINT is INTEGER to SQLite).
const QList<QStringList> &migrations()
{
    static const QList<QStringList> steps {
        // 1: teams, users, devices, server secrets
        {
            u"CREATE TABLE teams (id TEXT PRIMARY KEY, name TEXT NOT NULL, created BIGINT NOT NULL)"_s,
            u"CREATE TABLE users (id TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id),"
            " email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE,"
            " role TEXT NOT NULL CHECK (role IN ('admin', 'marketer', 'sales')),"
            " password_hash TEXT NOT NULL, created BIGINT NOT NULL)"_s,
            u"CREATE INDEX users_team ON users (team_id)"_s,
            u"CREATE TABLE devices (id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),"
            " name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created BIGINT NOT NULL,"
            " last_seen BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)"_s,
            u"CREATE INDEX devices_user ON devices (user_id)"_s,
            u"CREATE TABLE server_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)"_s,
        },
        // 2: records and sync state
        {
            u"CREATE TABLE team_seq (team_id TEXT PRIMARY KEY REFERENCES teams(id), last_seq BIGINT NOT NULL)"_s,
            u"INSERT INTO team_seq (team_id, last_seq) SELECT id, 0 FROM teams"_s,
            u"CREATE TABLE records (team_id TEXT NOT NULL REFERENCES teams(id), record_id TEXT NOT NULL,"
            " entity TEXT NOT NULL, deleted INTEGER NOT NULL, fields TEXT NOT NULL, field_hlcs TEXT NOT NULL,"
            " field_seqs TEXT NOT NULL, hlc TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (team_id, record_id))"_s,
            u"CREATE UNIQUE INDEX records_team_seq ON records (team_id, seq)"_s,
            u"CREATE TABLE conflicts (team_id TEXT NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,"
            " value TEXT NOT NULL, hlc TEXT NOT NULL, device_id TEXT NOT NULL, seq BIGINT NOT NULL,"
            " PRIMARY KEY (team_id, record_id, field, hlc))"_s,
            u"CREATE TABLE applied_mutations (device_id TEXT NOT NULL, mutation_id TEXT NOT NULL,"
            " team_id TEXT NOT NULL, result TEXT NOT NULL, created BIGINT NOT NULL,"
            " PRIMARY KEY (device_id, mutation_id))"_s,
        },
        // 3: each record's change X in wire form and what sales may see of it, written with the record so that a
        // pull reads one row per change and encodes nothing (decision 0008). Existing rows: storeEncodedChanges().
        {
            u"ALTER TABLE records ADD COLUMN change_json TEXT NOT NULL DEFAULT ''"_s,
            u"ALTER TABLE records ADD COLUMN sales_view INTEGER NOT NULL DEFAULT 0"_s,
        },
        // 4: retention of the remembered mutation ids (decision 0014): pruning finds the old rows by index.
        {
            u"CREATE INDEX applied_mutations_created ON applied_mutations (created)"_s,
        },
        // 5: the login throttle, shared by every instance on the database (decision 0015). A key is an HMAC of the
        // throttle key (an email or a client address), never the key itself; pruning finds ended windows by index.
        {
            u"CREATE TABLE login_failures (key_hash TEXT PRIMARY KEY, window_start BIGINT NOT NULL,"
            " failures INTEGER NOT NULL)"_s,
            u"CREATE INDEX login_failures_window ON login_failures (window_start)"_s,
        },
    };
    return steps;
}

Error internal(const QString &what)
{
    // Never the driver's text: it can hold SQL and values.
    return makeError(ErrorCode::Internal, u"the server database failed to %1"_s.arg(what));
}

bool exec(QSqlQuery &q, const QString &sql, const QVariantList &binds = {})
{
    if (binds.isEmpty())
        return q.exec(sql);
    if (!q.prepare(sql))
        return false;
    for (const QVariant &v : binds)
        q.addBindValue(v);
    return q.exec();
}

/**
 * The statements of one push (or migration), each prepared once and run as often as it is needed. A push's come from
 * its connection's StatementCache, so a later push on the same connection prepares nothing: no PREPARE round trip to
 * PostgreSQL while the team's lock is held (a push still prepares its fixed statements before it takes the lock, for
 * the first push on a connection). A migration's are its own, freed with it. Call finish() before the commit.
 */
class Statements
{
public:
    explicit Statements(StatementCache &cache)
        : m_cache(&cache)
    { }
    explicit Statements(QSqlDatabase db)
        : m_own(std::make_unique<StatementCache>(std::move(db)))
        , m_cache(m_own.get())
    { }

    /// Prepares ahead of use, e.g. before a lock is taken.
    bool prepare(const QStringList &sqls)
    {
        return std::all_of(sqls.begin(), sqls.end(), [this](const QString &sql) { return m_cache->prepared(sql); });
    }

    /// Ends every result still open (SQLite commits only without a statement in the middle of its rows).
    void finish() { m_cache->finishAll(); }

    /// The executed query, positioned before its first row; nullptr if preparing or running it failed.
    QSqlQuery *run(const QString &sql, const QVariantList &binds) { return m_cache->run(sql, binds); }
    /// Runs a statement that returns no rows (see StatementCache::write); false if that failed.
    bool write(const QString &sql, const QVariantList &binds) { return m_cache->write(sql, binds); }

private:
    std::unique_ptr<StatementCache> m_own;
    StatementCache *m_cache;
};

/// A statement of the connection's cache, executed (or nullptr if that failed); its results end when this goes, so
/// that no SELECT keeps its snapshot open on SQLite (see StatementCache).
class CachedQuery
{
public:
    explicit CachedQuery(QSqlQuery *query)
        : m_query(query)
    { }
    ~CachedQuery()
    {
        if (m_query)
            m_query->finish();
    }
    Q_DISABLE_COPY_MOVE(CachedQuery)

    explicit operator bool() const { return m_query != nullptr; }
    QSqlQuery *operator->() const { return m_query; }
    QSqlQuery &operator*() const { return *m_query; }

private:
    QSqlQuery *m_query;
};

// The statements of a push (see Statements).
const QString kLockTeamPostgres = u"SELECT last_seq FROM team_seq WHERE team_id = ? FOR UPDATE"_s;
const QString kLockTeamSqlite = u"SELECT last_seq FROM team_seq WHERE team_id = ?"_s;
const QString kAdvanceTeam = u"UPDATE team_seq SET last_seq = ? WHERE team_id = ?"_s;
// A change sales may pull after a cursor (the pull's condition).
const QString kSalesChangesAfter = u"SELECT seq FROM records WHERE team_id = ? AND seq > ? AND sales_view > 0 LIMIT 1"_s;
// Statements over a list of keys or rows are built for the list's length (see inList and valueRows) and run once per
// chunk of kChunkRows: a push of 500 mutations is a handful of statements, not five per mutation (on PostgreSQL,
// each one a round trip while the team's lock is held).
constexpr qsizetype kChunkRows = 50;

// "?, ?, ?" for `n` values.
QString inList(qsizetype n)
{
    QString out;
    out.reserve(n * 3);
    for (qsizetype i = 0; i < n; ++i)
        out += i == 0 ? u"?"_s : u", ?"_s;
    return out;
}

// "(?, ?), (?, ?)" for `rows` rows of `columns` values.
QString valueRows(qsizetype rows, qsizetype columns)
{
    const QString row = u"("_s + inList(columns) + u")"_s;
    QString out;
    out.reserve(rows * (row.size() + 2));
    for (qsizetype i = 0; i < rows; ++i) {
        if (i > 0)
            out += u", "_s;
        out += row;
    }
    return out;
}

// Calls `run(first, count)` for consecutive chunks of at most kChunkRows of `total` items; stops at the first error.
template<typename Run> Result<void> forEachChunk(qsizetype total, Run run)
{
    for (qsizetype first = 0; first < total; first += kChunkRows) {
        if (auto done = run(first, std::min(kChunkRows, total - first)); !done)
            return done;
    }
    return {};
}

/**
 * A read by a list of keys that share a leading value (a team, a device): each key must reach the index with the
 * leading value. SQLite's planner always takes `lead = ? AND key IN (…)` to the index that way. PostgreSQL's may
 * not: for a leading value its statistics have not seen (a new device, a new team), it estimates one row, scans the
 * index on the leading value alone and filters the keys, which took 15 ms per 50 keys once a device had 10,000
 * rows. So PostgreSQL's form looks up each key in a LATERAL subquery (kept apart by LIMIT or OFFSET), where both
 * values are equalities on the index whatever the estimates.
 */
struct KeyedSql
{
    QString sqlite; ///< `%1` takes "?, ?, …" for the keys, after the leading `?`
    QString postgres; ///< `%1` takes "(?), (?), …" for the keys, after the leading `?`
};

// Runs `sql` once per chunk of `keys` with `leading` bound first, and calls `row` (returning Result<void>) for each
// row; `what` names the step in the error.
template<typename Row>
Result<void> runForKeys(Statements &st, bool postgres, const KeyedSql &sql, const QVariant &leading,
    const QStringList &keys, const QString &what, Row row)
{
    return forEachChunk(keys.size(), [&](qsizetype first, qsizetype count) -> Result<void> {
        QVariantList binds {leading};
        for (qsizetype i = first; i < first + count; ++i)
            binds << keys.at(i);
        QSqlQuery *q = st.run(postgres ? sql.postgres.arg(valueRows(count, 1)) : sql.sqlite.arg(inList(count)), binds);
        if (!q)
            return internal(what);
        while (q->next()) {
            if (auto done = row(*q); !done)
                return done;
        }
        return {};
    });
}

const KeyedSql kSelectApplied {
    u"SELECT mutation_id FROM applied_mutations WHERE device_id = ? AND mutation_id IN (%1)"_s,
    u"SELECT a.mutation_id FROM (SELECT CAST(? AS TEXT) AS device_id) AS p CROSS JOIN (VALUES %1) AS k (id)"
    " CROSS JOIN LATERAL (SELECT mutation_id FROM applied_mutations"
    " WHERE device_id = p.device_id AND mutation_id = k.id LIMIT 1) AS a"_s,
};
const KeyedSql kSelectRecords {
    u"SELECT record_id, entity, deleted, fields, field_hlcs, field_seqs, hlc, seq FROM records"
    " WHERE team_id = ? AND record_id IN (%1)"_s,
    u"SELECT r.record_id, r.entity, r.deleted, r.fields, r.field_hlcs, r.field_seqs, r.hlc, r.seq"
    " FROM (SELECT CAST(? AS TEXT) AS team_id) AS p CROSS JOIN (VALUES %1) AS k (id)"
    " CROSS JOIN LATERAL (SELECT * FROM records WHERE team_id = p.team_id AND record_id = k.id LIMIT 1) AS r"_s,
};
const KeyedSql kSelectConflicts {
    u"SELECT record_id, field, value, hlc, seq FROM conflicts"
    " WHERE team_id = ? AND record_id IN (%1) ORDER BY seq, field, hlc"_s,
    u"SELECT c.record_id, c.field, c.value, c.hlc, c.seq"
    " FROM (SELECT CAST(? AS TEXT) AS team_id) AS p CROSS JOIN (VALUES %1) AS k (id)"
    " CROSS JOIN LATERAL (SELECT record_id, field, value, hlc, seq FROM conflicts"
    " WHERE team_id = p.team_id AND record_id = k.id OFFSET 0) AS c ORDER BY c.seq, c.field, c.hlc"_s,
};
const KeyedSql kDeleteConflicts {
    u"DELETE FROM conflicts WHERE team_id = ? AND record_id IN (%1)"_s,
    u"DELETE FROM conflicts WHERE ctid IN (SELECT c.ctid"
    " FROM (SELECT CAST(? AS TEXT) AS team_id) AS p CROSS JOIN (VALUES %1) AS k (id)"
    " CROSS JOIN LATERAL (SELECT ctid FROM conflicts WHERE team_id = p.team_id AND record_id = k.id OFFSET 0) AS c)"_s,
};
const QString kInsertApplied
    = u"INSERT INTO applied_mutations (device_id, mutation_id, team_id, result, created) VALUES %1"_s;
const QString kUpsertRecords
    = u"INSERT INTO records (team_id, record_id, entity, deleted, fields, field_hlcs, field_seqs, hlc, seq,"
      " change_json, sales_view) VALUES %1"
      " ON CONFLICT (team_id, record_id) DO UPDATE SET"
      " entity = excluded.entity, deleted = excluded.deleted, fields = excluded.fields,"
      " field_hlcs = excluded.field_hlcs, field_seqs = excluded.field_seqs, hlc = excluded.hlc,"
      " seq = excluded.seq, change_json = excluded.change_json, sales_view = excluded.sales_view"_s;
const QString kInsertConflicts
    = u"INSERT INTO conflicts (team_id, record_id, field, value, hlc, device_id, seq) VALUES %1"_s;

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

QJsonObject parseObjectBytes(const QByteArray &utf8)
{
    return QJsonDocument::fromJson(utf8).object();
}

QString encodeValue(const QJsonValue &value)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact));
}

QJsonValue decodeValue(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).array().at(0);
}

// A record's columns as JSON text, and its change X as a pull sends it to every role but sales (and to sales when
// salesView() is Full), written from those parts: the fields are serialised once, for their column and the change.
// Field names are an entity's (the validator admits no other), stamps and ids are ASCII that JSON never escapes,
// and QMap iterates names in the order QJsonObject writes members: the bytes are those QJsonDocument would write for
// protocol::toJson(Change). Conflicts in the order pulls always listed them: by seq, field, hlc.
struct EncodedRecord
{
    QByteArray fields;
    QByteArray fieldHlcs;
    QByteArray fieldSeqs;
    QByteArray change;
};

// Appends ASCII text (a field name, a stamp) without a QByteArray of its own.
void appendAscii(QByteArray &out, QStringView text)
{
    const qsizetype at = out.size();
    out.resize(at + text.size());
    char *to = out.data() + at;
    for (const QChar c : text)
        *to++ = char(c.unicode());
}

// `valueBytes` is a guess of each value's length, for one allocation.
template<typename Value, typename Write>
QByteArray plainObject(const QMap<QString, Value> &map, qsizetype valueBytes, Write write)
{
    QByteArray out;
    out.reserve(2 + map.size() * (valueBytes + 20));
    out += '{';
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (it != map.begin())
            out += ',';
        out += '"';
        appendAscii(out, it.key());
        out += "\":";
        write(out, it.value());
    }
    out += '}';
    return out;
}

EncodedRecord encodeRecord(const StoredRecord &record)
{
    EncodedRecord e;
    e.fields = QJsonDocument(record.fields).toJson(QJsonDocument::Compact);
    // The fields a mutation wrote share its stamp (a create: all of them): each distinct stamp is written once.
    const Hlc *last = nullptr;
    QByteArray lastText;
    e.fieldHlcs = plainObject(record.fieldHlcs, 40, [&](QByteArray &out, const Hlc &hlc) {
        if (!last || !(*last == hlc)) {
            last = &hlc;
            lastText = hlc.toString().toLatin1();
        }
        out += '"';
        out += lastText;
        out += '"';
    });
    e.fieldSeqs = plainObject(record.fieldSeqs, 12, [](QByteArray &out, qint64 seq) {
        char digits[24];
        const auto end = std::to_chars(std::begin(digits), std::end(digits), seq).ptr;
        out.append(digits, end - digits);
    });

    QByteArray conflicts = "[]";
    if (!record.conflicts.isEmpty()) {
        QList<StoredConflict> sorted = record.conflicts;
        std::stable_sort(sorted.begin(), sorted.end(), [](const StoredConflict &a, const StoredConflict &b) {
            if (a.seq != b.seq)
                return a.seq < b.seq;
            if (a.field != b.field)
                return a.field < b.field;
            return a.hlc.toString() < b.hlc.toString();
        });
        QJsonArray array;
        for (const StoredConflict &c : std::as_const(sorted))
            array.append(protocol::toJson(Conflict {c.field, c.value, c.hlc, c.hlc.deviceId}));
        conflicts = QJsonDocument(array).toJson(QJsonDocument::Compact);
    }
    QByteArray &out = e.change;
    out.reserve(e.fields.size() + e.fieldHlcs.size() + conflicts.size() + 160);
    out += "{\"conflicts\":";
    out += conflicts;
    out += record.deleted ? ",\"deleted\":true" : ",\"deleted\":false";
    out += ",\"entity\":\"";
    out += entityName(record.entity).toLatin1();
    out += "\",\"field_hlcs\":";
    if (record.deleted) {
        out += "{}";
    } else {
        out += e.fieldHlcs;
        out += ",\"fields\":";
        out += e.fields;
    }
    out += ",\"hlc\":\"";
    out += record.hlc.toString().toLatin1();
    out += "\",\"record_id\":\"";
    out += record.recordId.toLatin1();
    out += "\"}";
    return e;
}

// A record that is not (or no longer) visible to the puller: deleted, without fields, field hlcs or conflicts.
QByteArray encodeRemoval(Entity entity, const QString &recordId, const Hlc &hlc)
{
    Change c;
    c.entity = entity;
    c.recordId = recordId;
    c.deleted = true;
    c.hlc = hlc;
    return QJsonDocument(protocol::toJson(c)).toJson(QJsonDocument::Compact);
}

bool isEmailAddress(const QString &email)
{
    if (email.size() > 320 || email.count(u'@') != 1)
        return false;
    const qsizetype at = email.indexOf(u'@');
    if (at == 0 || at == email.size() - 1)
        return false;
    for (QChar c : email) {
        if (c.unicode() <= 0x20 || c.unicode() == 0x7f)
            return false;
    }
    return true;
}

QString emailKey(const QString &email)
{
    return email.toCaseFolded();
}

struct PwhashParams
{
    unsigned long long ops;
    size_t mem;
};

PwhashParams pwhashParams()
{
    if (qEnvironmentVariable("FIELDNOTES_INSECURE_FAST_KDF") == u"1"_s)
        return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
    return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

std::optional<QByteArray> hashPassword(const QString &password)
{
    const QByteArray utf8 = password.toUtf8();
    std::array<char, crypto_pwhash_argon2id_STRBYTES> out {};
    const PwhashParams p = pwhashParams();
    if (crypto_pwhash_argon2id_str(
            out.data(), utf8.constData(), static_cast<unsigned long long>(utf8.size()), p.ops, p.mem)
        != 0)
        return std::nullopt;
    return QByteArray(out.data());
}

bool verifyPassword(const QByteArray &hash, const QString &password)
{
    const QByteArray utf8 = password.toUtf8();
    return crypto_pwhash_argon2id_str_verify(
               hash.constData(), utf8.constData(), static_cast<unsigned long long>(utf8.size()))
        == 0;
}

// Verified against for unknown emails, so that an unknown email costs what a wrong password costs.
const QByteArray &dummyHash()
{
    static const QByteArray hash = hashPassword(u"fieldnotes-dummy-password"_s).value_or(QByteArray());
    return hash;
}

Error wrongLogin()
{
    return makeError(ErrorCode::WrongPassphrase, u"wrong email or password"_s);
}

User userFrom(const QSqlQuery &q, int first)
{
    User u;
    u.id = q.value(first).toString();
    u.teamId = q.value(first + 1).toString();
    u.email = q.value(first + 2).toString();
    u.role = roleFromName(q.value(first + 3).toString()).value_or(Role::Sales);
    return u;
}

Device deviceFrom(const QSqlQuery &q, int first)
{
    Device d;
    d.id = q.value(first).toString();
    d.userId = q.value(first + 1).toString();
    d.name = q.value(first + 2).toString();
    d.createdMs = q.value(first + 3).toLongLong();
    d.lastSeenMs = q.value(first + 4).toLongLong();
    d.revoked = q.value(first + 5).toLongLong() != 0;
    return d;
}

} // namespace

struct ServerStorage::Private
{
    explicit Private(DbConfig config, Options opts)
        : pool(std::move(config))
        , options(std::move(opts))
    { }

    ConnectionPool pool;
    /// SQLite only: the log's checkpoints, off the pushes' thread (decision 0026). Declared after the pool: it goes
    /// first.
    std::unique_ptr<WalCheckpointer> checkpointer;
    Options options;
    QByteArray cursorKey; // crypto_auth_hmacsha256_KEYBYTES
    QByteArray throttleKey; // crypto_auth_hmacsha256_KEYBYTES: login_failures.key_hash = HMAC(throttleKey, key)

    bool postgres() const { return pool.config().postgres; }

    /// `sql` from this thread's connection's statement cache, run with `binds` (call after pool.get() succeeded).
    CachedQuery run(const QString &sql, const QVariantList &binds)
    {
        StatementCache *statements = pool.statements();
        return CachedQuery(statements ? statements->run(sql, binds) : nullptr);
    }

    // The encoded change as bound to `records.change_json`. SQLite keeps the UTF-8 bytes as they are (a BLOB value in
    // the TEXT column): reading them back costs no UTF-16 round trip, which was a tenth of a pull's CPU.
    QVariant changeColumn(const QByteArray &change) const { return textColumn(change); }

    // JSON text as bound to a TEXT column: UTF-8 bytes kept as they are on SQLite (read back with toByteArray), text
    // on PostgreSQL.
    QVariant textColumn(const QByteArray &utf8) const
    {
        return postgres() ? QVariant(QString::fromUtf8(utf8)) : QVariant(utf8);
    }

    // Rolls back whatever is open and notes a broken link so that the next call reconnects.
    void abandon(QSqlDatabase &db)
    {
        QSqlQuery q(db);
        q.exec(u"ROLLBACK"_s);
        pool.checkBroken(db);
    }

    /// One chunk of a pruning: the DELETE `sql` with `chunkRows` bound last, in a transaction of its own (IMMEDIATE on
    /// SQLite, so that its read never fails to become a write), and the rows it deleted. `%1` in `sql` ends the
    /// subquery that picks the rows: on PostgreSQL, rows another instance has locked are skipped, not waited for.
    Result<int> deleteChunk(const QString &sql, QVariantList binds, int chunkRows, const QString &what)
    {
        if (chunkRows < 1)
            return makeError(ErrorCode::InvalidInput, u"a prune chunk holds at least one row"_s);
        binds << chunkRows;
        auto db = pool.get();
        if (!db)
            return db.error();
        QSqlQuery q(*db);
        if (!exec(q, postgres() ? u"BEGIN"_s : u"BEGIN IMMEDIATE"_s)
            || !exec(q, sql.arg(postgres() ? u" FOR UPDATE SKIP LOCKED"_s : QString()), binds)) {
            abandon(*db);
            return internal(what);
        }
        const int deleted = q.numRowsAffected();
        q.finish();
        if (!exec(q, u"COMMIT"_s)) {
            abandon(*db);
            return internal(what);
        }
        return std::max(deleted, 0);
    }

    Result<int> readVersion(QSqlDatabase &db)
    {
        QSqlQuery q(db);
        if (!exec(q, u"SELECT version FROM schema_version"_s) || !q.next())
            return internal(u"read the schema version"_s);
        return q.value(0).toInt();
    }

    Result<void> migrate(QSqlDatabase &db, int target)
    {
        QSqlQuery q(db);
        if (!exec(q, postgres() ? u"BEGIN"_s : u"BEGIN IMMEDIATE"_s))
            return internal(u"start the migration"_s);
        // Several instances may start at once on one PostgreSQL database: one migrates, the others wait.
        if (postgres() && !exec(q, u"SELECT pg_advisory_xact_lock(84700001)"_s)) {
            abandon(db);
            return internal(u"lock the schema for migration"_s);
        }
        if (!exec(q, u"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"_s)
            || !exec(q, u"SELECT version FROM schema_version"_s)) {
            abandon(db);
            return internal(u"create the schema version table"_s);
        }
        int version = 0;
        if (q.next()) {
            version = q.value(0).toInt();
        } else if (!exec(q, u"INSERT INTO schema_version (version) VALUES (0)"_s)) {
            abandon(db);
            return internal(u"initialise the schema version"_s);
        }
        if (version > kSchemaVersion) {
            abandon(db);
            return makeError(ErrorCode::Incompatible,
                u"the server database has schema version %1; this server knows up to %2: upgrade it"_s.arg(version).arg(
                    kSchemaVersion));
        }
        for (int v = version + 1; v <= target && v <= kSchemaVersion; ++v) {
            for (const QString &sql : migrations().at(v - 1)) {
                if (!exec(q, sql)) {
                    abandon(db);
                    return internal(u"migrate to schema version %1"_s.arg(v));
                }
            }
            if (v == 3) {
                if (auto stored = storeEncodedChanges(db); !stored) {
                    abandon(db);
                    return stored.error();
                }
            }
            if (!exec(q, u"UPDATE schema_version SET version = ?"_s, {v})) {
                abandon(db);
                return internal(u"record schema version %1"_s.arg(v));
            }
        }
        if (!exec(q, u"COMMIT"_s)) {
            abandon(db);
            return internal(u"commit the migration"_s);
        }
        return {};
    }

    // Migration 3: the encoded change and the sales view of every record written before them.
    Result<void> storeEncodedChanges(QSqlDatabase &db)
    {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        if (!exec(q, u"SELECT team_id, record_id FROM records"_s))
            return internal(u"read the records to migrate"_s);
        QList<std::pair<QString, QString>> keys;
        while (q.next())
            keys.append({q.value(0).toString(), q.value(1).toString()});
        QHash<QString, QStringList> idsByTeam;
        for (const auto &[teamId, recordId] : std::as_const(keys))
            idsByTeam[teamId] << recordId;
        Statements st(db);
        for (auto team = idsByTeam.cbegin(); team != idsByTeam.cend(); ++team) {
            for (qsizetype first = 0; first < team->size(); first += 1000) { // a slice of records in memory at a time
                auto records = loadRecords(st, team.key(), team->mid(first, 1000));
                if (!records)
                    return records.error();
                for (const StoredRecord &record : std::as_const(*records)) {
                    if (!st.run(
                            u"UPDATE records SET change_json = ?, sales_view = ? WHERE team_id = ? AND record_id = ?"_s,
                            {changeColumn(encodeRecord(record).change), int(salesView(record)), team.key(),
                                record.recordId}))
                        return internal(u"store a migrated record"_s);
                }
            }
        }
        return {};
    }

    /// The HMAC key called `name`: created once and shared by every instance on the same database.
    static Result<QByteArray> loadSecret(QSqlDatabase &db, const QString &name)
    {
        std::array<unsigned char, crypto_auth_hmacsha256_KEYBYTES> fresh {};
        randombytes_buf(fresh.data(), fresh.size());
        const QString hex
            = QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(fresh.data()), fresh.size()).toHex());
        sodium_memzero(fresh.data(), fresh.size());
        QSqlQuery q(db);
        if (!exec(q, u"INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"_s,
                {name, hex})
            || !exec(q, u"SELECT value FROM server_secrets WHERE name = ?"_s, {name}) || !q.next())
            return internal(u"read the server secret"_s);
        QByteArray key = QByteArray::fromHex(q.value(0).toString().toLatin1());
        if (key.size() != crypto_auth_hmacsha256_KEYBYTES)
            return makeError(ErrorCode::Corrupt, u"the server secret is damaged"_s);
        return key;
    }

    Result<void> loadSecrets(QSqlDatabase &db)
    {
        auto cursor = loadSecret(db, u"cursor_hmac"_s);
        if (!cursor)
            return cursor.error();
        auto throttle = loadSecret(db, u"login_throttle_hmac"_s);
        if (!throttle)
            return throttle.error();
        cursorKey = std::move(cursor).value();
        throttleKey = std::move(throttle).value();
        return {};
    }

    /// What login_failures stores for throttle keys: HMAC-SHA256 under the throttle secret, hex, each once, sorted
    /// (so that every statement touches its rows in one order and two of them cannot deadlock on PostgreSQL).
    QStringList throttleHashes(const QStringList &keys) const
    {
        QStringList hashes;
        if (throttleKey.size() != crypto_auth_hmacsha256_KEYBYTES) // open() loads it from schema version 1 on
            return hashes;
        for (const QString &key : keys) {
            const QByteArray utf8 = key.toUtf8();
            std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac {};
            crypto_auth_hmacsha256(mac.data(), reinterpret_cast<const unsigned char *>(utf8.constData()),
                static_cast<unsigned long long>(utf8.size()),
                reinterpret_cast<const unsigned char *>(throttleKey.constData()));
            hashes << QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(mac.data()), mac.size()).toHex());
        }
        hashes.sort();
        hashes.removeDuplicates();
        return hashes;
    }

    /// The records `ids` of a team, each with its conflicts, keyed by id; an id without a row maps to a record that
    /// does not exist yet.
    Result<QHash<QString, StoredRecord>> loadRecords(Statements &st, const QString &teamId, const QStringList &ids)
    {
        QHash<QString, StoredRecord> records;
        records.reserve(ids.size());
        for (const QString &id : ids)
            records[id].recordId = id;
        const QStringList wanted = records.keys();
        QStringList existing;
        auto loaded = runForKeys(st, postgres(), kSelectRecords, teamId, wanted, u"read a record"_s,
            [&](const QSqlQuery &q) -> Result<void> {
                const auto entity = entityFromName(q.value(1).toString());
                const auto hlc = Hlc::parse(q.value(6).toString());
                auto it = records.find(q.value(0).toString());
                if (!entity || !hlc || it == records.end())
                    return makeError(ErrorCode::Corrupt, u"a stored record is damaged"_s);
                StoredRecord &record = *it;
                record.exists = true;
                record.entity = *entity;
                record.deleted = q.value(2).toLongLong() != 0;
                record.fields = parseObjectBytes(q.value(3).toByteArray());
                const QJsonObject hlcs = parseObjectBytes(q.value(4).toByteArray());
                for (auto h = hlcs.begin(); h != hlcs.end(); ++h) {
                    if (auto fieldHlc = Hlc::parse(h.value().toString()))
                        record.fieldHlcs.insert(h.key(), *fieldHlc);
                }
                const QJsonObject seqs = parseObjectBytes(q.value(5).toByteArray());
                for (auto f = seqs.begin(); f != seqs.end(); ++f)
                    record.fieldSeqs.insert(f.key(), f.value().toInteger());
                record.hlc = *hlc;
                record.seq = q.value(7).toLongLong();
                existing << record.recordId;
                return {};
            });
        if (!loaded)
            return loaded.error();

        // Only a stored record can have conflicts: a batch of new records asks nothing more.
        auto conflicts = runForKeys(st, postgres(), kSelectConflicts, teamId, existing, u"read a record's conflicts"_s,
            [&](const QSqlQuery &c) -> Result<void> {
                auto it = records.find(c.value(0).toString());
                auto conflictHlc = Hlc::parse(c.value(3).toString());
                if (it != records.end() && conflictHlc) {
                    it->conflicts.append(StoredConflict {c.value(1).toString(), decodeValue(c.value(2).toString()),
                        *conflictHlc, c.value(4).toLongLong()});
                }
                return {};
            });
        if (!conflicts)
            return conflicts.error();
        return records;
    }

    /// A record a push changed, and whether its row had conflicts when it was loaded (if not, none to delete).
    struct ChangedRecord
    {
        const StoredRecord *record = nullptr;
        bool hadConflicts = false;
    };

    Result<void> saveRecords(Statements &st, const QString &teamId, const QList<ChangedRecord> &changed)
    {
        auto upserted = forEachChunk(changed.size(), [&](qsizetype first, qsizetype count) -> Result<void> {
            QVariantList binds;
            binds.reserve(count * 11);
            for (qsizetype i = first; i < first + count; ++i) {
                const StoredRecord &record = *changed.at(i).record;
                const EncodedRecord encoded = encodeRecord(record);
                binds << teamId << record.recordId << entityName(record.entity) << (record.deleted ? 1 : 0)
                      << textColumn(encoded.fields) << textColumn(encoded.fieldHlcs)
                      << textColumn(encoded.fieldSeqs) << record.hlc.toString() << record.seq
                      << changeColumn(encoded.change) << int(salesView(record));
            }
            if (!st.write(kUpsertRecords.arg(valueRows(count, 11)), binds))
                return internal(u"store a record"_s);
            return {};
        });
        if (!upserted)
            return upserted;

        QStringList stale; // conflicts are written anew for every record that had some
        QList<QVariantList> conflictRows;
        for (const ChangedRecord &c : changed) {
            if (c.hadConflicts)
                stale << c.record->recordId;
            for (const StoredConflict &conflict : c.record->conflicts) {
                conflictRows << QVariantList {teamId, c.record->recordId, conflict.field, encodeValue(conflict.value),
                    conflict.hlc.toString(), conflict.hlc.deviceId, conflict.seq};
            }
        }
        auto deleted = runForKeys(st, postgres(), kDeleteConflicts, teamId, stale, u"store a record's conflicts"_s,
            [](const QSqlQuery &) -> Result<void> { return {}; });
        if (!deleted)
            return deleted;
        return forEachChunk(conflictRows.size(), [&](qsizetype first, qsizetype count) -> Result<void> {
            QVariantList binds;
            for (qsizetype i = first; i < first + count; ++i)
                binds += conflictRows.at(i);
            if (!st.write(kInsertConflicts.arg(valueRows(count, 7)), binds))
                return internal(u"store a record's conflicts"_s);
            return {};
        });
    }

    QStringList pushStatements() const
    {
        return {postgres() ? kLockTeamPostgres : kLockTeamSqlite, kAdvanceTeam, kSalesChangesAfter};
    }

    /// Which of `ids` this device has pushed before.
    Result<QSet<QString>> appliedBefore(Statements &st, const QString &deviceId, const QStringList &ids)
    {
        QSet<QString> applied;
        auto read = runForKeys(st, postgres(), kSelectApplied, deviceId, ids, u"check a mutation id"_s,
            [&](const QSqlQuery &q) -> Result<void> {
                applied.insert(q.value(0).toString());
                return {};
            });
        if (!read)
            return read.error();
        return applied;
    }

    // Reads what the batch touches in a few statements, merges in memory in the batch's order, and writes every
    // changed record once: a record changed twice in one batch keeps the later seq, as if stored in between.
    Result<PushOutcome> pushLocked(Statements &st, const AuthContext &ctx, const QList<Mutation> &mutations,
        qint64 serverNowMs, std::optional<qint64> cursorSeq)
    {
        // The team's row lock first: pushes of one team commit one after another, so seqs are commit-ordered
        // (decision 0006). SQLite's BEGIN IMMEDIATE already serialises every writer.
        QSqlQuery *locked = st.run(postgres() ? kLockTeamPostgres : kLockTeamSqlite, {ctx.teamId});
        if (!locked)
            return internal(u"lock the team"_s);
        if (!locked->next())
            return makeError(ErrorCode::NotFound, u"the team does not exist"_s);
        qint64 seq = locked->value(0).toLongLong();
        const qint64 firstSeq = seq;
        locked->finish();
        // Whether the pusher holds every change it may see up to now; then an exact push keeps it caught up.
        bool caughtUp = false;
        if (cursorSeq) {
            if (ctx.role != Role::Sales) {
                caughtUp = *cursorSeq == firstSeq;
            } else if (*cursorSeq <= firstSeq) {
                // Sales never gets conversations and guides: its cursor stays behind their changes.
                QSqlQuery *unseen = st.run(kSalesChangesAfter, {ctx.teamId, *cursorSeq});
                if (!unseen)
                    return internal(u"read changes"_s);
                caughtUp = !unseen->next();
                unseen->finish();
            }
        }

        QStringList mutationIds;
        mutationIds.reserve(mutations.size());
        for (const Mutation &m : mutations)
            mutationIds << m.id;
        mutationIds.removeDuplicates();
        auto applied = appliedBefore(st, ctx.deviceId, mutationIds);
        if (!applied)
            return applied.error();
        QStringList recordIds;
        for (const Mutation &m : mutations) {
            if (!applied->contains(m.id))
                recordIds << m.recordId;
        }
        auto records = loadRecords(st, ctx.teamId, recordIds);
        if (!records)
            return records.error();
        QSet<QString> storedConflicts; // the records whose rows have conflicts now
        for (const StoredRecord &record : std::as_const(*records)) {
            if (!record.conflicts.isEmpty())
                storedConflicts.insert(record.recordId);
        }
        QSet<QString> changedIds;
        QList<QVariantList> appliedRows;

        // What the pusher has pulled: no more than the team's changes before this push.
        const qint64 seenUpTo = cursorSeq ? std::clamp<qint64>(*cursorSeq, 0, firstSeq) : 0;
        const MergeOptions mergeOptions {serverNowMs, options.maxClockAheadMs, seenUpTo};
        QList<MutationResult> results;
        results.reserve(mutations.size());
        for (int i = 0; i < mutations.size(); ++i) {
            const Mutation &m = mutations.at(i);
            if (applied->contains(m.id)) {
                results << MutationResult {m.id, MutationStatus::Duplicate, {}, {}, {}};
            } else {
                StoredRecord &record = (*records)[m.recordId];
                const MergeOutcome outcome = applyMutation(record, m, ctx.role, seq + 1, mergeOptions);
                if (outcome.changed) {
                    record.seq = ++seq;
                    changedIds.insert(record.recordId);
                    caughtUp = caughtUp && outcome.exact
                        && (ctx.role != Role::Sales || salesView(record) == SalesView::Full);
                }
                caughtUp = caughtUp && outcome.result.status == MutationStatus::Applied;
                if (outcome.result.status != MutationStatus::Rejected) {
                    applied->insert(m.id);
                    appliedRows << QVariantList {
                        ctx.deviceId, m.id, ctx.teamId, textColumn(protocol::encodeResult(outcome.result)), serverNowMs};
                }
                results << outcome.result;
            }
            if (options.pushHook) {
                if (auto hooked = options.pushHook(i); !hooked)
                    return hooked.error();
            }
        }

        QList<ChangedRecord> changed;
        changed.reserve(changedIds.size());
        for (const QString &id : std::as_const(changedIds))
            changed << ChangedRecord {&records->find(id).value(), storedConflicts.contains(id)};
        std::sort(changed.begin(), changed.end(),
            [](const ChangedRecord &a, const ChangedRecord &b) { return a.record->seq < b.record->seq; });
        if (auto saved = saveRecords(st, ctx.teamId, changed); !saved)
            return saved.error();
        auto inserted = forEachChunk(appliedRows.size(), [&](qsizetype first, qsizetype count) -> Result<void> {
            QVariantList binds;
            binds.reserve(count * 5);
            for (qsizetype i = first; i < first + count; ++i)
                binds += appliedRows.at(i);
            if (!st.write(kInsertApplied.arg(valueRows(count, 5)), binds))
                return internal(u"record a mutation id"_s);
            return {};
        });
        if (!inserted)
            return inserted.error();
        if (seq != firstSeq && !st.write(kAdvanceTeam, {seq, ctx.teamId}))
            return internal(u"advance the team sequence"_s);
        PushOutcome out {std::move(results), std::nullopt};
        if (caughtUp)
            out.caughtUpSeq = seq;
        return out;
    }

    // One statement, so one snapshot: a record's conflicts are in its own row (decision 0008).
    // From the statement cache (every sync pulls), called after pool.get() succeeded.
    Result<EncodedPullResult> pullEncoded(const AuthContext &ctx, qint64 cursorSeq, int limit)
    {
        EncodedPullResult out;
        out.newSeq = cursorSeq;
        const bool sales = ctx.role == Role::Sales;
        CachedQuery ran = run(sales ? u"SELECT seq, change_json, sales_view, entity, record_id, hlc FROM records"
                                      " WHERE team_id = ? AND seq > ? AND sales_view > 0 ORDER BY seq LIMIT ?"_s
                                    : u"SELECT seq, change_json FROM records WHERE team_id = ? AND seq > ?"
                                      " ORDER BY seq LIMIT ?"_s,
            {ctx.teamId, cursorSeq, limit + 1});
        if (!ran)
            return internal(u"read changes"_s);
        QSqlQuery &q = *ran;
        out.changes.reserve(limit);
        while (q.next()) {
            if (out.changes.size() == limit) {
                out.hasMore = true;
                break;
            }
            out.newSeq = q.value(0).toLongLong();
            if (sales && q.value(2).toInt() != int(SalesView::Full)) {
                const auto entity = entityFromName(q.value(3).toString());
                const auto hlc = Hlc::parse(q.value(5).toString());
                if (!entity || !hlc)
                    return makeError(ErrorCode::Corrupt, u"a stored record is damaged"_s);
                out.changes << encodeRemoval(*entity, q.value(4).toString(), *hlc);
                continue;
            }
            QByteArray change = q.value(1).toByteArray();
            if (change.isEmpty())
                return makeError(ErrorCode::Corrupt, u"a stored record has no encoded change"_s);
            out.changes << std::move(change);
        }
        return out;
    }
};

ServerStorage::ServerStorage(std::unique_ptr<Private> dd)
    : d(std::move(dd))
{ }

ServerStorage::~ServerStorage() = default;

Result<std::unique_ptr<ServerStorage>> ServerStorage::open(const QString &url, Options options)
{
    if (sodium_init() < 0)
        return makeError(ErrorCode::Internal, u"libsodium cannot be initialised"_s);
    auto config = DbConfig::parse(url);
    if (!config)
        return config.error();
    const int target = std::clamp(options.migrateTo, 0, kSchemaVersion);
    std::unique_ptr<ServerStorage> storage(new ServerStorage(std::make_unique<Private>(*config, std::move(options))));
    auto db = storage->d->pool.get();
    if (!db)
        return db.error();
    if (auto migrated = storage->d->migrate(*db, target); !migrated)
        return migrated.error();
    auto version = storage->d->readVersion(*db);
    if (!version)
        return version.error();
    if (*version >= 1) {
        if (auto secrets = storage->d->loadSecrets(*db); !secrets)
            return secrets.error();
    }
    if (!storage->d->postgres())
        storage->d->checkpointer = std::make_unique<WalCheckpointer>(storage->d->pool);
    return storage;
}

int ServerStorage::walCheckpointsRun()
{
    if (!d->checkpointer)
        return -1;
    d->checkpointer->waitUntilIdle();
    return d->checkpointer->checkpointsRun();
}

ServerStorage::Backend ServerStorage::backend() const
{
    return d->postgres() ? Backend::Postgres : Backend::Sqlite;
}

Result<int> ServerStorage::schemaVersion()
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    return d->readVersion(*db);
}

Result<QSqlDatabase> ServerStorage::connection()
{
    return d->pool.get();
}

// ---- teams, users, devices

Result<QString> ServerStorage::createTeam(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty() || trimmed.size() > 200)
        return makeError(ErrorCode::InvalidInput, u"a team name has 1 to 200 characters"_s);
    auto db = d->pool.get();
    if (!db)
        return db.error();
    const QString id = newId();
    QSqlQuery q(*db);
    if (!exec(q, d->postgres() ? u"BEGIN"_s : u"BEGIN IMMEDIATE"_s)
        || !exec(q, u"INSERT INTO teams (id, name, created) VALUES (?, ?, ?)"_s,
            {id, trimmed, QDateTime::currentMSecsSinceEpoch()})
        || !exec(q, u"INSERT INTO team_seq (team_id, last_seq) VALUES (?, 0)"_s, {id}) || !exec(q, u"COMMIT"_s)) {
        d->abandon(*db);
        return internal(u"create the team"_s);
    }
    return id;
}

Result<User> ServerStorage::addUser(const QString &teamId, const QString &email, Role role, const QString &password)
{
    if (!isEmailAddress(email))
        return makeError(ErrorCode::InvalidInput, u"email must be an email address"_s);
    if (password.isEmpty() || password.size() > 1024)
        return makeError(ErrorCode::InvalidInput, u"a password has 1 to 1024 characters"_s);
    const auto hash = hashPassword(password); // slow: outside any transaction
    if (!hash)
        return makeError(ErrorCode::Internal, u"cannot hash the password (out of memory?)"_s);
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!exec(q, u"SELECT 1 FROM teams WHERE id = ?"_s, {teamId}))
        return internal(u"find the team"_s);
    if (!q.next())
        return makeError(ErrorCode::NotFound, u"the team does not exist"_s);
    User user {newId(), teamId, email, role};
    if (!exec(q,
            u"INSERT INTO users (id, team_id, email, email_key, role, password_hash, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"_s,
            {user.id, teamId, email, emailKey(email), roleName(role), QString::fromLatin1(*hash),
                QDateTime::currentMSecsSinceEpoch()})) {
        QSqlQuery check(*db);
        if (exec(check, u"SELECT 1 FROM users WHERE email_key = ?"_s, {emailKey(email)}) && check.next())
            return makeError(ErrorCode::AlreadyExists, u"a user with this email exists"_s);
        d->pool.checkBroken(*db);
        return internal(u"add the user"_s);
    }
    return user;
}

Result<User> ServerStorage::verifyLogin(const QString &email, const QString &password)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!exec(
            q, u"SELECT id, team_id, email, role, password_hash FROM users WHERE email_key = ?"_s, {emailKey(email)})) {
        d->pool.checkBroken(*db);
        return internal(u"look up the user"_s);
    }
    if (!q.next()) {
        (void)verifyPassword(dummyHash(), password);
        return wrongLogin();
    }
    const User user = userFrom(q, 0);
    if (!verifyPassword(q.value(4).toString().toLatin1(), password))
        return wrongLogin();
    return user;
}

Result<User> ServerStorage::user(const QString &userId)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!exec(q, u"SELECT id, team_id, email, role FROM users WHERE id = ?"_s, {userId}))
        return internal(u"look up the user"_s);
    if (!q.next())
        return makeError(ErrorCode::NotFound, u"no such user"_s);
    return userFrom(q, 0);
}

Result<Device> ServerStorage::createDevice(
    const QString &userId, const QString &name, const QString &hash, qint64 nowMs)
{
    if (name.isEmpty() || name.size() > 200)
        return makeError(ErrorCode::InvalidInput, u"a device name has 1 to 200 characters"_s);
    if (hash.size() != 64)
        return makeError(ErrorCode::InvalidInput, u"a token hash is 64 hex digits"_s);
    auto db = d->pool.get();
    if (!db)
        return db.error();
    Device device {newId(), userId, name, nowMs, nowMs, false};
    QSqlQuery q(*db);
    if (!exec(q,
            u"INSERT INTO devices (id, user_id, name, token_hash, created, last_seen, revoked)"
            " VALUES (?, ?, ?, ?, ?, ?, 0)"_s,
            {device.id, userId, name, hash, nowMs, nowMs})) {
        d->pool.checkBroken(*db);
        return internal(u"register the device"_s);
    }
    return device;
}

Result<DeviceWithUser> ServerStorage::findDeviceByTokenHash(const QString &hash)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    // Every authenticated request asks: from the statement cache.
    CachedQuery q = d->run(
        u"SELECT d.id, d.user_id, d.name, d.created, d.last_seen, d.revoked, u.id, u.team_id, u.email, u.role"
        " FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?"_s,
        {hash});
    if (!q) {
        d->pool.checkBroken(*db);
        return internal(u"look up the device"_s);
    }
    if (!q->next())
        return makeError(ErrorCode::NotFound, u"no device has this token"_s);
    return DeviceWithUser {deviceFrom(*q, 0), userFrom(*q, 6)};
}

Result<QList<Device>> ServerStorage::listDevices(const QString &teamId)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!exec(q,
            u"SELECT d.id, d.user_id, d.name, d.created, d.last_seen, d.revoked FROM devices d"
            " JOIN users u ON u.id = d.user_id WHERE u.team_id = ? ORDER BY d.created, d.id"_s,
            {teamId}))
        return internal(u"list the devices"_s);
    QList<Device> devices;
    while (q.next())
        devices << deviceFrom(q, 0);
    return devices;
}

Result<void> ServerStorage::revokeDevice(const QString &teamId, const QString &deviceId)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!exec(q,
            u"UPDATE devices SET revoked = 1 WHERE id = ?"
            " AND user_id IN (SELECT id FROM users WHERE team_id = ?)"_s,
            {deviceId, teamId}))
        return internal(u"revoke the device"_s);
    if (q.numRowsAffected() < 1)
        return makeError(ErrorCode::NotFound, u"no such device in this team"_s);
    return {};
}

Result<void> ServerStorage::deleteDevice(const QString &deviceId)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QSqlQuery q(*db);
    if (!exec(q, u"DELETE FROM devices WHERE id = ?"_s, {deviceId}))
        return internal(u"remove the device"_s);
    return {};
}

Result<void> ServerStorage::touchDevice(const QString &deviceId, qint64 nowMs)
{
    auto db = d->pool.get();
    if (!db)
        return db.error();
    if (!d->run(u"UPDATE devices SET last_seen = ? WHERE id = ? AND last_seen < ?"_s, {nowMs, deviceId, nowMs}))
        return internal(u"update the device"_s);
    return {};
}

QString ServerStorage::newToken()
{
    std::array<unsigned char, 32> bytes {};
    randombytes_buf(bytes.data(), bytes.size());
    const QByteArray raw(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    sodium_memzero(bytes.data(), bytes.size());
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString ServerStorage::tokenHash(const QString &token)
{
    const QByteArray utf8 = token.toUtf8();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest {};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char *>(utf8.constData()),
        static_cast<unsigned long long>(utf8.size()));
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest.data()), digest.size()).toHex());
}

// ---- sync

Result<QList<MutationResult>> ServerStorage::push(
    const AuthContext &ctx, const QList<Mutation> &mutations, qint64 serverNowMs)
{
    auto outcome = push(ctx, mutations, serverNowMs, std::nullopt);
    if (!outcome)
        return outcome.error();
    return std::move(outcome->results);
}

Result<ServerStorage::PushOutcome> ServerStorage::push(const AuthContext &ctx, const QList<Mutation> &mutations,
    qint64 serverNowMs, std::optional<qint64> cursorSeq)
{
    if (mutations.size() > protocol::kMaxMutationsPerPush)
        return makeError(
            ErrorCode::InvalidInput, u"a push holds at most %1 mutations"_s.arg(protocol::kMaxMutationsPerPush));
    auto db = d->pool.get();
    if (!db)
        return db.error();
    // From the connection's cache, prepared before the transaction if this is its first push: no PREPARE round trip
    // to PostgreSQL while the team's lock is held.
    StatementCache *cache = d->pool.statements();
    if (!cache)
        return internal(u"prepare the push"_s);
    Statements st(*cache);
    if (!st.prepare(d->pushStatements())) {
        d->pool.checkBroken(*db);
        return internal(u"prepare the push"_s);
    }
    QSqlQuery q(*db);
    if (!exec(q, d->postgres() ? u"BEGIN"_s : u"BEGIN IMMEDIATE"_s)) {
        d->abandon(*db);
        return internal(u"start the push"_s);
    }
    auto results = d->pushLocked(st, ctx, mutations, serverNowMs, cursorSeq);
    st.finish();
    if (!results) {
        d->abandon(*db);
        return results.error();
    }
    if (!exec(q, u"COMMIT"_s)) {
        d->abandon(*db);
        return internal(u"commit the push"_s);
    }
    if (d->checkpointer)
        d->checkpointer->request();
    return results;
}

namespace {

// Runs `chunk` (one transaction each) until one deletes fewer than `chunkRows` rows; the rows deleted in all.
template<typename Chunk> Result<int> pruneInChunks(int chunkRows, Chunk chunk)
{
    int total = 0;
    for (;;) {
        auto deleted = chunk();
        if (!deleted)
            return deleted.error();
        total += *deleted;
        if (*deleted < chunkRows)
            return total;
    }
}

} // namespace

Result<int> ServerStorage::pruneAppliedMutations(qint64 olderThanMs, int chunkRows)
{
    return pruneInChunks(chunkRows, [&] { return pruneAppliedMutationsChunk(olderThanMs, chunkRows); });
}

Result<int> ServerStorage::pruneAppliedMutationsChunk(qint64 olderThanMs, int chunkRows)
{
    // Oldest first by the `created` index.
    return d->deleteChunk(u"DELETE FROM applied_mutations WHERE (device_id, mutation_id) IN (SELECT device_id,"
                          " mutation_id FROM applied_mutations WHERE created < ? ORDER BY created LIMIT ?%1)"_s,
        {olderThanMs}, chunkRows, u"prune mutation ids"_s);
}

// ---- login throttle

Result<int> ServerStorage::countLoginAttempt(const QStringList &keys, qint64 nowMs)
{
    if (keys.size() > 8)
        return makeError(ErrorCode::InvalidInput, u"a login attempt has at most 8 throttle keys"_s);
    const QStringList hashes = d->throttleHashes(keys);
    if (hashes.isEmpty())
        return keys.isEmpty() ? Result<int>(0) : internal(u"count a login attempt"_s);
    auto db = d->pool.get();
    if (!db)
        return db.error();
    const qint64 windowMs = d->options.loginWindowMs;
    // A window that started at or before this has ended: the attempt starts a new one.
    const qint64 endedBy = nowMs - windowMs;
    QStringList rows;
    QVariantList binds;
    for (const QString &hash : hashes) {
        rows << u"(?, ?, 1)"_s;
        binds << hash << nowMs;
    }
    binds << endedBy << endedBy;
    // One statement for every key, so one atomic step per row on either backend: two instances that count at once
    // both count. SET sees the row as it was, so both CASEs test the old window.
    const QString sql = u"INSERT INTO login_failures (key_hash, window_start, failures) VALUES %1"
                        " ON CONFLICT (key_hash) DO UPDATE SET"
                        " failures = CASE WHEN login_failures.window_start <= ? THEN 1"
                        " ELSE login_failures.failures + 1 END,"
                        " window_start = CASE WHEN login_failures.window_start <= ? THEN excluded.window_start"
                        " ELSE login_failures.window_start END"
                        " RETURNING window_start, failures"_s.arg(rows.join(u", "_s));
    QSqlQuery q(*db);
    q.setForwardOnly(true);
    if (!exec(q, sql, binds)) {
        d->pool.checkBroken(*db);
        return internal(u"count a login attempt"_s);
    }
    qint64 waitMs = 0;
    while (q.next()) {
        if (q.value(1).toLongLong() > d->options.loginMaxFailures) {
            // Another instance's clock may be ahead: never longer than a window.
            const qint64 left = q.value(0).toLongLong() + windowMs - nowMs;
            waitMs = std::max(waitMs, std::clamp<qint64>(left, 1, windowMs));
        }
    }
    q.finish(); // SQLite ends the statement's transaction only when it is reset
    return int((waitMs + 999) / 1000);
}

Result<void> ServerStorage::clearLoginFailures(const QStringList &keys)
{
    const QStringList hashes = d->throttleHashes(keys);
    if (hashes.isEmpty())
        return keys.isEmpty() ? Result<void>() : internal(u"clear failed logins"_s);
    auto db = d->pool.get();
    if (!db)
        return db.error();
    QStringList marks;
    QVariantList binds;
    for (const QString &hash : hashes) {
        marks << u"?"_s;
        binds << hash;
    }
    QSqlQuery q(*db);
    if (!exec(q, u"DELETE FROM login_failures WHERE key_hash IN (%1)"_s.arg(marks.join(u", "_s)), binds)) {
        d->pool.checkBroken(*db);
        return internal(u"clear failed logins"_s);
    }
    return {};
}

Result<int> ServerStorage::pruneLoginFailures(qint64 nowMs, int chunkRows)
{
    return pruneInChunks(chunkRows, [&] { return pruneLoginFailuresChunk(nowMs, chunkRows); });
}

Result<int> ServerStorage::pruneLoginFailuresChunk(qint64 nowMs, int chunkRows)
{
    // Ended windows only (the condition that makes countLoginAttempt start a new one), oldest first. On PostgreSQL a
    // row an attempt is counting right now is skipped; one whose window an attempt just restarted no longer matches
    // when it is locked, so it stays.
    return d->deleteChunk(u"DELETE FROM login_failures WHERE key_hash IN (SELECT key_hash FROM login_failures"
                          " WHERE window_start <= ? ORDER BY window_start LIMIT ?%1)"_s,
        {nowMs - d->options.loginWindowMs}, chunkRows, u"prune failed logins"_s);
}

Result<EncodedPullResult> ServerStorage::pullEncoded(const AuthContext &ctx, qint64 cursorSeq, int limit)
{
    if (limit < 1 || limit > protocol::kMaxPullLimit)
        return makeError(ErrorCode::InvalidInput, u"limit must be from 1 to %1"_s.arg(protocol::kMaxPullLimit));
    if (cursorSeq < 0)
        return makeError(ErrorCode::InvalidInput, u"invalid cursor"_s);
    auto db = d->pool.get();
    if (!db)
        return db.error();
    auto page = d->pullEncoded(ctx, cursorSeq, limit);
    if (!page)
        d->pool.checkBroken(*db);
    return page;
}

QByteArray EncodedPullResult::body(const QString &cursor) const
{
    // As protocol::encode(PullPage) writes it (keys in that order), with the changes spliced in as stored.
    qsizetype size = 64 + cursor.size();
    for (const QByteArray &change : changes)
        size += change.size() + 1;
    QByteArray out;
    out.reserve(size);
    out.append("{\"changes\":[");
    for (qsizetype i = 0; i < changes.size(); ++i) {
        if (i)
            out.append(',');
        out.append(changes.at(i));
    }
    out.append("],\"cursor\":");
    out.append(QJsonDocument(QJsonArray {cursor}).toJson(QJsonDocument::Compact).sliced(1).chopped(1));
    out.append(hasMore ? ",\"has_more\":true}" : ",\"has_more\":false}");
    return out;
}

Result<PullResult> ServerStorage::pull(const AuthContext &ctx, qint64 cursorSeq, int limit)
{
    auto encoded = pullEncoded(ctx, cursorSeq, limit);
    if (!encoded)
        return encoded.error();
    PullResult page;
    page.newSeq = encoded->newSeq;
    page.hasMore = encoded->hasMore;
    for (const QByteArray &text : std::as_const(encoded->changes)) {
        const QJsonDocument json = QJsonDocument::fromJson(text);
        auto change = json.isObject() ? protocol::decodeChange(json.object())
                                      : Result<Change>(makeError(ErrorCode::InvalidInput, u"not an object"_s));
        if (!change)
            return makeError(ErrorCode::Corrupt, u"a stored change does not decode: %1"_s.arg(change.error().message));
        page.changes << std::move(change).value();
    }
    return page;
}

QString ServerStorage::encodeCursor(const QString &teamId, qint64 seq) const
{
    QByteArray payload;
    payload.reserve(kCursorBytes);
    payload.append(kCursorVersion);
    payload.append(QUuid::fromString(teamId).toRfc4122());
    for (int shift = 56; shift >= 0; shift -= 8)
        payload.append(static_cast<char>((static_cast<quint64>(seq) >> shift) & 0xff));
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac {};
    crypto_auth_hmacsha256(mac.data(), reinterpret_cast<const unsigned char *>(payload.constData()),
        static_cast<unsigned long long>(payload.size()),
        reinterpret_cast<const unsigned char *>(d->cursorKey.constData()));
    payload.append(reinterpret_cast<const char *>(mac.data()), mac.size());
    return QString::fromLatin1(payload.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Result<qint64> ServerStorage::decodeCursor(const QString &teamId, const QString &cursor) const
{
    if (cursor.isEmpty())
        return qint64(0);
    const Error invalid = makeError(ErrorCode::InvalidInput, u"invalid cursor"_s);
    if (cursor.size() > 200)
        return invalid;
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != kCursorBytes)
        return invalid;
    const QByteArray &raw = decoded.decoded;
    // The canonical form only: no second spelling of one cursor.
    if (raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) != cursor.toLatin1())
        return invalid;
    if (crypto_auth_hmacsha256_verify(reinterpret_cast<const unsigned char *>(raw.constData()) + kCursorPayloadBytes,
            reinterpret_cast<const unsigned char *>(raw.constData()), kCursorPayloadBytes,
            reinterpret_cast<const unsigned char *>(d->cursorKey.constData()))
        != 0)
        return invalid;
    if (raw.at(0) != kCursorVersion || raw.mid(1, 16) != QUuid::fromString(teamId).toRfc4122())
        return invalid;
    quint64 seq = 0;
    for (int i = 0; i < 8; ++i)
        seq = (seq << 8) | static_cast<unsigned char>(raw.at(17 + i));
    if (seq > static_cast<quint64>(std::numeric_limits<qint64>::max()))
        return invalid;
    return static_cast<qint64>(seq);
}

} // namespace fieldnotes::server
