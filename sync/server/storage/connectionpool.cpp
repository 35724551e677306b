#include "storage/connectionpool.h"

#include "storage/walcheckpointer.h"

#include <QAtomicInteger>
#include <QHash>
#include <QMutex>
#include <QSet>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlResult>
#include <QUrl>
#include <QUrlQuery>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::server {

// The names of a pool's connections in every thread, and their statements (destroyed before their connection).
struct ConnectionPool::Registry
{
    QMutex mutex;
    QSet<QString> names;
    std::unordered_map<QString, std::unique_ptr<StatementCache>> statements;

    // Call with the mutex held.
    void remove(const QString &name)
    {
        statements.erase(name);
        if (names.remove(name))
            QSqlDatabase::removeDatabase(name);
    }
};

namespace {

QAtomicInteger<quint64> g_nextPoolId {1};
QAtomicInteger<quint64> g_nextConnection {1};

// Owned by each thread: removes the thread's connections when it ends, unless their pool went first.
struct ThreadConnections
{
    struct Entry
    {
        std::weak_ptr<ConnectionPool::Registry> registry;
        QString name;
        StatementCache *statements = nullptr; ///< owned by the registry
    };
    QHash<quint64, Entry> entries;

    ~ThreadConnections()
    {
        for (const Entry &entry : std::as_const(entries)) {
            if (auto registry = entry.registry.lock()) {
                QMutexLocker lock(&registry->mutex);
                registry->remove(entry.name);
            }
        }
    }
};

thread_local ThreadConnections t_connections;

Error dbError(const QString &what)
{
    return makeError(ErrorCode::Unavailable, u"cannot open the server database: %1"_s.arg(what));
}

// libpq options that may come in the URL query; anything else is refused rather than silently ignored.
const QStringList &knownPgOptions()
{
    static const QStringList options {u"sslmode"_s, u"sslrootcert"_s, u"sslcert"_s, u"sslkey"_s, u"connect_timeout"_s,
        u"application_name"_s, u"target_session_attrs"_s};
    return options;
}

} // namespace

Result<DbConfig> DbConfig::parse(const QString &url)
{
    DbConfig config;
    if (url.startsWith(u"postgresql://"_s) || url.startsWith(u"postgres://"_s)) {
        const QUrl parsed(url, QUrl::StrictMode);
        if (!parsed.isValid())
            return makeError(ErrorCode::InvalidInput, u"the PostgreSQL URL is not valid"_s);
        config.postgres = true;
        config.host = parsed.host();
        config.port = parsed.port(-1);
        config.user = parsed.userName();
        config.password = parsed.password();
        config.database = parsed.path().mid(1);
        QStringList options;
        const QUrlQuery query(parsed);
        for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
            if (key == u"host"_s)
                config.host = value;
            else if (key == u"port"_s)
                config.port = value.toInt();
            else if (key == u"user"_s)
                config.user = value;
            else if (key == u"password"_s)
                config.password = value;
            else if (key == u"dbname"_s)
                config.database = value;
            else if (knownPgOptions().contains(key) && !value.contains(u';'))
                options << u"%1=%2"_s.arg(key, value);
            else
                return makeError(ErrorCode::InvalidInput, u"the PostgreSQL URL has an unsupported option"_s);
        }
        config.connectOptions = options.join(u';');
        if (config.database.isEmpty())
            return makeError(ErrorCode::InvalidInput, u"the PostgreSQL URL names no database"_s);
        return config;
    }
    QString path = url;
    if (path.startsWith(u"sqlite:"_s))
        path = path.mid(7);
    if (path.isEmpty() || path == u":memory:"_s)
        return makeError(ErrorCode::InvalidInput, u"the SQLite database must be a file"_s);
    config.path = path;
    return config;
}

ConnectionPool::ConnectionPool(DbConfig config)
    : m_config(std::move(config))
    , m_id(g_nextPoolId.fetchAndAddRelaxed(1))
    , m_registry(std::make_shared<Registry>())
{ }

ConnectionPool::~ConnectionPool()
{
    // The threads that used this pool are idle now (their connections may not be used once it is gone); their
    // statements go before their connections.
    QMutexLocker lock(&m_registry->mutex);
    m_registry->statements.clear();
    for (const QString &name : std::as_const(m_registry->names))
        QSqlDatabase::removeDatabase(name);
    m_registry->names.clear();
    t_connections.entries.remove(m_id);
}

Result<QSqlDatabase> ConnectionPool::get()
{
    auto it = t_connections.entries.find(m_id);
    if (it != t_connections.entries.end()) {
        QSqlDatabase db = QSqlDatabase::database(it->name, false);
        if (db.isOpen())
            return db;
        // Closed after a broken link: drop it and connect anew.
        db = QSqlDatabase();
        QMutexLocker lock(&m_registry->mutex);
        m_registry->remove(it->name);
        t_connections.entries.erase(it);
    }

    const QString name = u"fieldnotes-server-%1-%2"_s.arg(m_id).arg(g_nextConnection.fetchAndAddRelaxed(1));
    QString failure;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(m_config.postgres ? u"QPSQL"_s : u"QSQLITE"_s, name);
        if (!db.isValid()) {
            failure = u"the Qt SQL driver %1 is not installed"_s.arg(m_config.postgres ? u"QPSQL"_s : u"QSQLITE"_s);
        } else {
            if (m_config.postgres) {
                if (!m_config.host.isEmpty())
                    db.setHostName(m_config.host);
                if (m_config.port > 0)
                    db.setPort(m_config.port);
                db.setUserName(m_config.user);
                db.setPassword(m_config.password);
                db.setDatabaseName(m_config.database);
                db.setConnectOptions(m_config.connectOptions);
            } else {
                db.setDatabaseName(m_config.path);
                db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=30000"_s);
            }
            if (!db.open()) {
                // The driver's text may name the host or user; it never holds the password.
                failure = m_config.postgres ? u"PostgreSQL refused the connection"_s : u"SQLite cannot open the file"_s;
            } else {
                QSqlQuery q(db);
                const QStringList setup = m_config.postgres
                    ? QStringList {u"SET client_min_messages TO WARNING"_s}
                    : QStringList {u"PRAGMA journal_mode=WAL"_s, u"PRAGMA synchronous=FULL"_s,
                        u"PRAGMA foreign_keys=ON"_s,
                        // WalCheckpointer keeps the log short; this is the writers' fallback (decision 0026).
                        u"PRAGMA wal_autocheckpoint=%1"_s.arg(WalCheckpointer::kFallbackPages)};
                for (const QString &sql : setup) {
                    if (!q.exec(sql)) {
                        failure = u"cannot set up the connection"_s;
                        break;
                    }
                }
            }
        }
    }
    if (!failure.isEmpty()) {
        QSqlDatabase::removeDatabase(name);
        return dbError(failure);
    }
    QSqlDatabase db = QSqlDatabase::database(name, false);
    auto statements = std::make_unique<StatementCache>(db);
    StatementCache *kept = statements.get();
    {
        QMutexLocker lock(&m_registry->mutex);
        m_registry->names.insert(name);
        m_registry->statements.emplace(name, std::move(statements));
    }
    t_connections.entries.insert(m_id, {m_registry, name, kept});
    return db;
}

StatementCache *ConnectionPool::statements()
{
    auto it = t_connections.entries.find(m_id);
    return it == t_connections.entries.end() ? nullptr : it->statements;
}

void ConnectionPool::checkBroken(const QSqlDatabase &db)
{
    if (!m_config.postgres)
        return;
    QSqlDatabase copy = db;
    QSqlQuery ping(copy);
    if (ping.exec(u"SELECT 1"_s))
        return;
    // The link is gone: its prepared statements with it (a reconnect prepares anew), then the connection.
    auto it = t_connections.entries.find(m_id);
    if (it != t_connections.entries.end() && it->name == copy.connectionName()) {
        QMutexLocker lock(&m_registry->mutex);
        m_registry->statements.erase(it->name);
        it->statements = nullptr;
    }
    ping = QSqlQuery();
    copy.close();
}

namespace {

// Whether `db` is a QSQLITE connection whose SQLite is the library this program calls: then its statements may be
// driven through the C API. A driver built with its own copy of SQLite reports that copy's source id.
bool runsOurSqlite(const QSqlDatabase &db)
{
    if (db.driverName() != "QSQLITE"_L1 || !db.isOpen())
        return false;
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || std::strcmp(handle.typeName(), "sqlite3*") != 0)
        return false;
    QSqlQuery q(db);
    return q.exec(u"SELECT sqlite_source_id()"_s) && q.next()
        && q.value(0).toString() == QLatin1StringView(sqlite3_sourceid());
}

// The prepared statement under a QSQLITE query (see runsOurSqlite).
sqlite3_stmt *sqliteStatement(const QSqlQuery &query)
{
    const QVariant handle = query.result()->handle();
    if (!handle.isValid() || std::strcmp(handle.typeName(), "sqlite3_stmt*") != 0)
        return nullptr;
    return *static_cast<sqlite3_stmt *const *>(handle.constData());
}

// Binds `value` to parameter `index` (from 1) as Qt's QSQLITE driver does: NULL for an empty variant and for a
// null string or byte array, BLOB for bytes, integer, real, UTF-16 text for strings and anything else as its
// string. Strings and bytes are bound in place: `value` must outlive the statement's step.
int bindLikeQt(sqlite3_stmt *stmt, int index, const QVariant &value)
{
    if (value.isNull())
        return sqlite3_bind_null(stmt, index);
    switch (value.typeId()) {
    case QMetaType::QByteArray: {
        const QByteArray *bytes = static_cast<const QByteArray *>(value.constData());
        if (bytes->isNull())
            return sqlite3_bind_null(stmt, index);
        return sqlite3_bind_blob(stmt, index, bytes->constData(), int(bytes->size()), SQLITE_STATIC);
    }
    case QMetaType::QString: {
        const QString *text = static_cast<const QString *>(value.constData());
        if (text->isNull())
            return sqlite3_bind_null(stmt, index);
        return sqlite3_bind_text16(
            stmt, index, text->constData(), int(text->size() * sizeof(char16_t)), SQLITE_STATIC);
    }
    case QMetaType::Bool:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::Long:
    case QMetaType::Short:
        return sqlite3_bind_int64(stmt, index, value.toLongLong());
    case QMetaType::Double:
    case QMetaType::Float:
        return sqlite3_bind_double(stmt, index, value.toDouble());
    default: {
        const QString text = value.toString();
        return sqlite3_bind_text16(
            stmt, index, text.constData(), int(text.size() * sizeof(char16_t)), SQLITE_TRANSIENT);
    }
    }
}

} // namespace

StatementCache::StatementCache(QSqlDatabase db, qsizetype capacity)
    : m_db(std::move(db))
    , m_direct(runsOurSqlite(m_db))
    , m_capacity(std::max<qsizetype>(1, capacity))
{ }

StatementCache::~StatementCache() = default;

QSqlQuery *StatementCache::prepared(const QString &sql)
{
    auto it = m_entries.find(sql);
    if (it == m_entries.end()) {
        if (qsizetype(m_entries.size()) >= m_capacity) {
            auto oldest = std::min_element(m_entries.begin(), m_entries.end(),
                [](const auto &a, const auto &b) { return a.second.lastUse < b.second.lastUse; });
            m_entries.erase(oldest);
        }
        auto query = std::make_unique<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(sql))
            return nullptr;
        it = m_entries.emplace(sql, Entry {std::move(query), 0}).first;
    }
    it->second.lastUse = ++m_uses;
    return it->second.query.get();
}

QSqlQuery *StatementCache::run(const QString &sql, const QVariantList &binds)
{
    QSqlQuery *q = prepared(sql);
    if (!q)
        return nullptr;
    for (int i = 0; i < binds.size(); ++i)
        q->bindValue(i, binds.at(i));
    return q->exec() ? q : nullptr;
}

bool StatementCache::write(const QString &sql, const QVariantList &binds)
{
    if (!m_direct)
        return run(sql, binds) != nullptr;
    QSqlQuery *q = prepared(sql);
    if (!q)
        return false;
    sqlite3_stmt *stmt = sqliteStatement(*q);
    if (!stmt)
        return run(sql, binds) != nullptr;
    // Qt's result is not active (finished or never run): its rows are not in the middle of anything reset here.
    q->finish();
    sqlite3_reset(stmt);
    if (sqlite3_bind_parameter_count(stmt) != binds.size())
        return false;
    for (int i = 0; i < binds.size(); ++i) {
        if (bindLikeQt(stmt, i + 1, binds.at(i)) != SQLITE_OK) {
            sqlite3_clear_bindings(stmt);
            return false;
        }
    }
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(stmt);
    // Reset at once: no statement stays in the middle of its work (SQLite commits only without one), and the
    // bindings point into `binds`, which the caller is about to free.
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_DONE;
}

void StatementCache::finishAll()
{
    for (auto &[sql, entry] : m_entries)
        entry.query->finish();
}

} // namespace fieldnotes::server
