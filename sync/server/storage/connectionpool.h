#pragma once

#include "base/result.h"

#include <QSqlDatabase>
#include <QString>
#include <QVariant>

#include <memory>
#include <unordered_map>

class QSqlQuery;

namespace fieldnotes::server {

/** Where the database is: parsed from `sqlite:PATH`, a path, or a `postgresql://` URL. */
struct DbConfig
{
    bool postgres = false;
    QString path; ///< SQLite file
    QString host; ///< PostgreSQL host name, address, or unix socket directory
    int port = -1;
    QString user;
    QString password;
    QString database;
    QString connectOptions; ///< libpq options from the URL query, "key=value;…"

    [[nodiscard]] static Result<DbConfig> parse(const QString &url);
};

/**
 * The prepared statements of one connection, kept from one call to the next. Preparing is not free: on PostgreSQL
 * Qt's driver sends PREPARE, then EXECUTE, and DEALLOCATE when the query is destroyed, so a statement prepared per
 * call costs three round trips instead of one; on SQLite it parses the SQL again (a tenth of a push's CPU for the
 * long multi-row statements). At most `capacity` statements are kept: the one used longest ago goes first.
 *
 * A statement's results stay open until it is finished or run again. On SQLite an open SELECT holds its snapshot
 * (and a write lock's statement its transaction): every caller finishes what it ran.
 */
class StatementCache final
{
public:
    explicit StatementCache(QSqlDatabase db, qsizetype capacity = 96);
    ~StatementCache();
    StatementCache(const StatementCache &) = delete;
    StatementCache &operator=(const StatementCache &) = delete;

    /// `sql`, prepared now or by an earlier call; nullptr if it cannot be prepared. The pointer stays valid until
    /// the next call of prepared() for a statement not in the cache.
    [[nodiscard]] QSqlQuery *prepared(const QString &sql);
    /// `sql` prepared, with `binds` bound in order, and executed; nullptr if preparing or running it failed.
    [[nodiscard]] QSqlQuery *run(const QString &sql, const QVariantList &binds);
    /// Runs `sql`, a statement that returns no rows (INSERT, UPDATE, DELETE), with `binds` bound in order; false if
    /// preparing or running it failed. On SQLite the values go to the statement through SQLite's C API (decision
    /// 0028): Qt's bindValue formats a placeholder name and looks it up in a hash for every value, a tenth of a
    /// push's CPU. The values are bound as Qt's driver binds them, so a row reads back the same either way.
    [[nodiscard]] bool write(const QString &sql, const QVariantList &binds);
    /// Whether write() binds through SQLite's C API: the driver is QSQLITE and runs the SQLite this program links.
    [[nodiscard]] bool writesDirectly() const { return m_direct; }
    /// Ends the results of every statement still open.
    void finishAll();
    [[nodiscard]] qsizetype size() const { return qsizetype(m_entries.size()); }

private:
    struct Entry
    {
        std::unique_ptr<QSqlQuery> query;
        quint64 lastUse = 0;
    };
    QSqlDatabase m_db;
    bool m_direct = false;
    qsizetype m_capacity;
    quint64 m_uses = 0;
    std::unordered_map<QString, Entry> m_entries;
};

/**
 * One named Qt SQL connection per thread and pool (Qt SQL connections may not cross threads). A thread's connection
 * is removed when the thread ends (a thread_local owner) or when the pool is destroyed, whichever comes first.
 */
class ConnectionPool final
{
public:
    explicit ConnectionPool(DbConfig config);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool &) = delete;
    ConnectionPool &operator=(const ConnectionPool &) = delete;

    /// This thread's open connection, opened (and set up) on first use or after it was found broken.
    [[nodiscard]] Result<QSqlDatabase> get();
    /// The prepared statements of this thread's connection (nullptr before get() succeeded). They go with the
    /// connection: at a reconnect, the thread's end or the pool's end.
    [[nodiscard]] StatementCache *statements();
    /// Closes this thread's connection if the last error says the link is gone, so the next get() reconnects.
    void checkBroken(const QSqlDatabase &db);
    const DbConfig &config() const { return m_config; }

    struct Registry;

private:
    DbConfig m_config;
    quint64 m_id;
    std::shared_ptr<Registry> m_registry;
};

} // namespace fieldnotes::server
