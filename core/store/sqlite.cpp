#include "store/sqlite.h"

#include "base/securebuffer.h"

#include <sqlite3.h>

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

// SQLCipher takes a raw key as the text x'<64 hex digits>'; build it in locked memory.
SecureBuffer rawKeyLiteral(const SecureBuffer &key)
{
    static constexpr char kHex[] = "0123456789abcdef";
    SecureBuffer literal(key.size() * 2 + 3);
    unsigned char *out = literal.data();
    *out++ = 'x';
    *out++ = '\'';
    for (size_t i = 0; i < key.size(); ++i) {
        *out++ = static_cast<unsigned char>(kHex[key.data()[i] >> 4]);
        *out++ = static_cast<unsigned char>(kHex[key.data()[i] & 0x0f]);
    }
    *out = '\'';
    return literal;
}

// Creates the file with 0600 before SQLite does; SQLite gives -wal and -shm the same mode.
Result<void> createPrivateFile(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return makeError(ErrorCode::AlreadyExists, u"A database file already exists at %1."_s.arg(path));
        return makeError(ErrorCode::Io, u"Cannot create the database file at %1."_s.arg(path));
    }
    ::close(fd);
    return {};
}

} // namespace

Database::~Database()
{
    close();
}

Database::Database(Database &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr))
    , m_cache(std::move(other.m_cache))
{
    other.m_cache.clear();
}

Database &Database::operator=(Database &&other) noexcept
{
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
        m_cache = std::move(other.m_cache);
        other.m_cache.clear();
    }
    return *this;
}

void Database::close()
{
    for (auto &[sql, stmt] : m_cache)
        sqlite3_finalize(stmt);
    m_cache.clear();
    if (m_db) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }
}

Result<void> Database::checkCipherVersion(const QString &version)
{
    if (!version.startsWith(u"4."_s)) {
        return makeError(ErrorCode::Incompatible,
                         u"This build links SQLCipher %1, but Fieldnotes needs SQLCipher 4.x (with FTS5). "
                         u"Install libsqlcipher-dev from bookworm-backports."_s
                             .arg(version.isEmpty() ? u"(none: plain SQLite)"_s : version));
    }
    return {};
}

Result<Database> Database::open(const QString &path, const SecureBuffer &key, OpenMode mode)
{
    const QFileInfo info(path);
    if (mode == OpenMode::Existing && !info.exists())
        return makeError(ErrorCode::NotFound, u"There is no database file at %1."_s.arg(path));
    // SQLite would take an empty file for a new database and write to it; ours are never empty.
    if (mode == OpenMode::Existing && info.size() == 0) {
        return makeError(ErrorCode::Corrupt, u"The database file is empty: it is damaged, or its creation was "
                                             u"interrupted. The file was not changed."_s);
    }
    if (mode == OpenMode::Create) {
        if (auto created = createPrivateFile(path); !created)
            return created.error();
    }

    sqlite3 *raw = nullptr;
    const QByteArray native = QFile::encodeName(path);
    const int rc = sqlite3_open_v2(native.constData(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
    Database db(raw);
    if (rc != SQLITE_OK)
        return errorFor(rc, u"open the database"_s);
    sqlite3_extended_result_codes(raw, 1);

    if (!key.isEmpty()) {
        const SecureBuffer literal = rawKeyLiteral(key);
        if (sqlite3_key_v2(raw, "main", literal.data(), static_cast<int>(literal.size())) != SQLITE_OK)
            return db.lastError(u"set the database key"_s);
    }

    // SQLCipher's own log lines (e.g. "hmac check failed for pgno=1") would reach the user's terminal; our errors
    // say the same in words.
    if (auto quiet = db.exec("PRAGMA cipher_log_level = NONE"); !quiet)
        return quiet.error();

    // Refuse before touching the file: 3.x silently lacks FTS5 and uses another format.
    auto version = db.scalar("PRAGMA cipher_version");
    if (!version)
        return version.error();
    if (auto ok = checkCipherVersion(version->toString()); !ok)
        return ok.error();

    // Every connection: temporary tables and sorts stay in memory (Debian's build would spill them to
    // unencrypted files), and no plaintext is left in freed SQLCipher memory.
    if (auto r = db.exec("PRAGMA temp_store = MEMORY"); !r)
        return r.error();

    // Proves the key: the first read of an encrypted page fails with SQLITE_NOTADB on a wrong key,
    // a damaged first page, or a file of another cipher version.
    if (auto schema = db.scalar("SELECT count(*) FROM sqlite_schema"); !schema) {
        if (schema.error().code == ErrorCode::Corrupt) {
            return makeError(ErrorCode::Corrupt,
                             u"The database file could not be decrypted with its key: it is damaged, or it was "
                             u"written by another SQLCipher version (Fieldnotes uses 4.x). The file was not changed."_s);
        }
        return schema.error();
    }

    // Connection settings only: nothing here writes to the file (WAL is switched on by enableWal()).
    // The page cache holds decrypted pages; a page read again after it left the cache is read from the file and
    // decrypted (HMAC and AES) once more. 32 MiB holds what searches over 100k insights keep coming back to; with
    // 16 MiB, 1000 searches missed the cache 5x as often and their p95 was 35 % higher (decision 0023). It is a
    // limit, not an allocation: a small store uses what it has.
    for (const char *pragma : {"PRAGMA synchronous = FULL", "PRAGMA cache_size = -32768", "PRAGMA busy_timeout = 5000",
                               "PRAGMA trusted_schema = OFF"}) {
        if (auto r = db.exec(pragma); !r)
            return r.error();
    }
    return db;
}

Result<void> Database::enableWal()
{
    auto mode = scalar("PRAGMA journal_mode = WAL");
    if (!mode)
        return mode.error();
    if (mode->toString() != u"wal"_s)
        return makeError(ErrorCode::Io, u"The database cannot use write-ahead logging on this file system."_s);
    return {};
}

Result<void> Database::exec(const char *sql)
{
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
        return lastError(u"update the database"_s);
    return {};
}

Result<Statement> Database::prepare(const char *sql)
{
    sqlite3_stmt *stmt = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql, -1, 0, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return lastError(u"read the database"_s);
    }
    return Statement(stmt, m_db);
}

Result<Statement> Database::cached(const QByteArray &sql)
{
    const std::string key(sql.constData(), size_t(sql.size()));
    if (const auto it = m_cache.find(key); it != m_cache.end()) {
        // In use by an outer caller (re-entrant use of the same SQL): hand out a statement of its own.
        if (sqlite3_stmt_busy(it->second))
            return prepare(sql.constData());
        return Statement(it->second, m_db, true);
    }
    sqlite3_stmt *stmt = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.constData(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return lastError(u"read the database"_s);
    }
    m_cache.emplace(key, stmt);
    return Statement(stmt, m_db, true);
}

qint64 Database::changes() const
{
    return sqlite3_changes64(m_db);
}

qint64 Database::lastInsertRowId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

Result<QVariant> Database::scalar(const char *sql)
{
    auto stmt = prepare(sql);
    if (!stmt)
        return stmt.error();
    auto row = stmt->step();
    if (!row)
        return row.error();
    return *row ? stmt->value(0) : QVariant();
}

Result<int> Database::scalarInt(const char *sql)
{
    auto value = scalar(sql);
    if (!value)
        return value.error();
    return value->toInt();
}

Error Database::lastError(const QString &what) const
{
    const int code = m_db ? sqlite3_extended_errcode(m_db) : SQLITE_ERROR;
    if ((code & 0xff) == SQLITE_IOERR && m_db) {
        const int sysErrno = sqlite3_system_errno(m_db);
        if (sysErrno == ENOSPC || sysErrno == EFBIG || sysErrno == EDQUOT)
            return errorFor(SQLITE_FULL, what);
    }
    return errorFor(code, what);
}

Error Database::errorFor(int sqliteCode, const QString &what)
{
    // Messages name the operation and the cause, never SQL text or values (they may hold record content).
    switch (sqliteCode & 0xff) {
    case SQLITE_FULL:
        return makeError(ErrorCode::DiskFull,
                         u"The disk is full: could not %1. Nothing was changed; free some space and try again."_s.arg(what));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return makeError(ErrorCode::Corrupt, u"The database file is damaged: could not %1."_s.arg(what));
    case SQLITE_IOERR:
        return makeError(ErrorCode::Io,
                         u"The operating system refused a read or write: could not %1 (SQLite code %2)."_s.arg(what).arg(
                             sqliteCode));
    case SQLITE_CANTOPEN:
        return makeError(ErrorCode::Io, u"The database file cannot be opened: could not %1."_s.arg(what));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return makeError(ErrorCode::Io, u"The database file is read-only: could not %1."_s.arg(what));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return makeError(ErrorCode::Locked, u"The store is in use by another program: could not %1."_s.arg(what));
    case SQLITE_NOMEM:
        return makeError(ErrorCode::Internal, u"Out of memory: could not %1."_s.arg(what));
    default:
        return makeError(ErrorCode::Internal, u"Unexpected database error (SQLite code %1): could not %2."_s
                                                  .arg(sqliteCode)
                                                  .arg(what));
    }
}

Statement::~Statement()
{
    release();
}

void Statement::release()
{
    if (!m_stmt)
        return;
    if (m_cached) {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    } else {
        sqlite3_finalize(m_stmt);
    }
    m_stmt = nullptr;
}

Statement::Statement(Statement &&other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr))
    , m_db(std::exchange(other.m_db, nullptr))
    , m_cached(other.m_cached)
{
}

Statement &Statement::operator=(Statement &&other) noexcept
{
    if (this != &other) {
        release();
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_db = std::exchange(other.m_db, nullptr);
        m_cached = other.m_cached;
    }
    return *this;
}

Statement &Statement::bind(int index, const QString &text)
{
    return bind(index, text.toUtf8());
}

Statement &Statement::bind(int index, const QByteArray &utf8)
{
    if (utf8.isNull())
        sqlite3_bind_null(m_stmt, index);
    else
        sqlite3_bind_text(m_stmt, index, utf8.constData(), static_cast<int>(utf8.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement &Statement::bindNull(int index)
{
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Statement &Statement::bindVariant(int index, const QVariant &value)
{
    if (!value.isValid() || value.isNull())
        return bindNull(index);
    switch (value.typeId()) {
    case QMetaType::Bool:
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        return bind(index, value.toLongLong());
    case QMetaType::Double:
        sqlite3_bind_double(m_stmt, index, value.toDouble());
        return *this;
    default:
        return bind(index, value.toString());
    }
}

Result<bool> Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    Error error = Database::errorFor(sqlite3_extended_errcode(m_db), u"complete the operation"_s);
    if ((rc & 0xff) == SQLITE_IOERR) {
        const int sysErrno = sqlite3_system_errno(m_db);
        if (sysErrno == ENOSPC || sysErrno == EFBIG || sysErrno == EDQUOT)
            error = Database::errorFor(SQLITE_FULL, u"save the change"_s);
    }
    sqlite3_reset(m_stmt);
    return error;
}

Result<void> Statement::run()
{
    if (auto r = forEachRow([] {}); !r)
        return r.error();
    sqlite3_reset(m_stmt);
    return {};
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

QString Statement::text(int column) const
{
    const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    if (!data)
        return {};
    return QString::fromUtf8(data, sqlite3_column_bytes(m_stmt, column));
}

QByteArray Statement::utf8(int column) const
{
    const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    if (!data)
        return {};
    return QByteArray(data, sqlite3_column_bytes(m_stmt, column));
}

qint64 Statement::integer(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const
{
    return sqlite3_column_double(m_stmt, column);
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

QVariant Statement::value(int column) const
{
    switch (sqlite3_column_type(m_stmt, column)) {
    case SQLITE_INTEGER:
        return integer(column);
    case SQLITE_FLOAT:
        return real(column);
    case SQLITE_NULL:
        return {};
    default:
        return text(column);
    }
}

int Statement::columnCount() const
{
    return sqlite3_column_count(m_stmt);
}

Transaction::~Transaction()
{
    if (m_open)
        (void)m_db.exec("ROLLBACK");
    restoreSync();
}

Result<void> Transaction::begin(Sync sync)
{
    if (sync == Sync::Relaxed) {
        if (auto r = m_db.exec("PRAGMA synchronous = NORMAL"); !r)
            return r.error();
        m_relaxed = true;
    }
    if (auto r = m_db.exec("BEGIN IMMEDIATE"); !r) {
        restoreSync();
        return r.error();
    }
    m_open = true;
    return {};
}

Result<void> Transaction::commit()
{
    if (auto r = m_db.exec("COMMIT"); !r)
        return r.error();
    m_open = false;
    restoreSync();
    return {};
}

void Transaction::restoreSync()
{
    if (m_relaxed)
        (void)m_db.exec("PRAGMA synchronous = FULL");
    m_relaxed = false;
}

} // namespace fieldnotes
