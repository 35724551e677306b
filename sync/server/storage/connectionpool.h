#pragma once

#include "base/result.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

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
