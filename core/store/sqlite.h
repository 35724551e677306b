#pragma once

#include "base/result.h"

#include <QByteArray>
#include <QString>
#include <QVariant>

#include <memory>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace fieldnotes {

class SecureBuffer;
class Statement;

/** One SQLCipher connection with the settings every Fieldnotes connection must have. */
class Database final
{
public:
    enum class OpenMode { Existing, Create };

    Database() = default;
    ~Database();
    Database(Database &&other) noexcept;
    Database &operator=(Database &&other) noexcept;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    /**
     * Opens (or creates) the file, keys it with the raw 32-byte key (an empty key opens it unencrypted: the
     * benchmark's baseline only), refuses a SQLCipher library that is not 4.x, proves the key by reading
     * the schema, and applies WAL, temp_store=MEMORY and the page cache.
     */
    [[nodiscard]] static Result<Database> open(const QString &path, const SecureBuffer &key, OpenMode mode);

    /// Switches the file to write-ahead logging (this writes to it: only for a file known to be ours).
    [[nodiscard]] Result<void> enableWal();

    [[nodiscard]] Result<void> exec(const char *sql);
    [[nodiscard]] Result<Statement> prepare(const char *sql);
    /// Like prepare(), but the compiled statement is kept for the next call with the same SQL: the store's hot
    /// paths run the same few statements for every record. The handle resets it when it goes out of scope.
    [[nodiscard]] Result<Statement> cached(const QByteArray &sql);
    [[nodiscard]] Result<QVariant> scalar(const char *sql);
    /// scalar() of a statement that yields an integer (a count).
    [[nodiscard]] Result<int> scalarInt(const char *sql);

    /// Maps the connection's last SQLite error to an Error; `what` names the operation ("save the record").
    [[nodiscard]] Error lastError(const QString &what) const;
    [[nodiscard]] static Error errorFor(int sqliteCode, const QString &what);

    /// Rows the last INSERT, UPDATE or DELETE on this connection changed, and the rowid of the last insert: what a
    /// RETURNING clause would give without the savepoint it opens (see Store::indexForSearch).
    [[nodiscard]] qint64 changes() const;
    [[nodiscard]] qint64 lastInsertRowId() const;

    sqlite3 *handle() const { return m_db; }
    bool isOpen() const { return m_db != nullptr; }
    void close();

    /// "4.6.1 community": the version of the SQLCipher library this process uses.
    [[nodiscard]] static Result<void> checkCipherVersion(const QString &version);

private:
    explicit Database(sqlite3 *db) : m_db(db) { }
    sqlite3 *m_db = nullptr;
    std::unordered_map<std::string, sqlite3_stmt *> m_cache;
};

/** A prepared statement: bind by 1-based index, step, read columns. */
class Statement final
{
public:
    Statement() = default;
    ~Statement();
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, const QString &text);
    Statement &bind(int index, const QByteArray &utf8);
    Statement &bind(int index, qint64 value);
    Statement &bindNull(int index);
    Statement &bindVariant(int index, const QVariant &value);

    /// true: a row is ready; false: done. An error leaves the statement reset.
    [[nodiscard]] Result<bool> step();
    /// Runs to completion (for statements without rows).
    [[nodiscard]] Result<void> run();
    /// Steps through every row, calling `onRow()` for each; stops at the first error.
    template<typename OnRow>
    [[nodiscard]] Result<void> forEachRow(OnRow &&onRow)
    {
        while (true) {
            auto row = step();
            if (!row)
                return row.error();
            if (!*row)
                return {};
            onRow();
        }
    }
    void reset();

    QString text(int column) const;
    /// The column's text as SQLite holds it (UTF-8), without a QString in between; empty for NULL.
    QByteArray utf8(int column) const;
    qint64 integer(int column) const;
    double real(int column) const;
    bool isNull(int column) const;
    QVariant value(int column) const;
    int columnCount() const;

private:
    friend class Database;
    Statement(sqlite3_stmt *stmt, sqlite3 *db, bool cached = false) : m_stmt(stmt), m_db(db), m_cached(cached) { }
    void release();
    sqlite3_stmt *m_stmt = nullptr;
    sqlite3 *m_db = nullptr;
    bool m_cached = false; ///< owned by the Database's cache: reset, not finalized, when released
};

/** BEGIN IMMEDIATE … COMMIT, rolled back if commit() was not reached. */
class Transaction final
{
public:
    /**
     * Relaxed: the commit skips the fsync (`synchronous = NORMAL` from begin() until the transaction ends): WAL stays
     * atomic and survives the process being killed, and only a power cut can lose it. For writes that are done again
     * when lost (decision 0013: a pulled page with its cursor, an acknowledgement, the search backlog's drain).
     */
    enum class Sync { Full, Relaxed };

    explicit Transaction(Database &db) : m_db(db) { }
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    [[nodiscard]] Result<void> begin(Sync sync = Sync::Full);
    [[nodiscard]] Result<void> commit();

private:
    void restoreSync();

    Database &m_db;
    bool m_open = false;
    bool m_relaxed = false;
};

} // namespace fieldnotes
