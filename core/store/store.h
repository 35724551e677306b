#pragma once

#include "base/result.h"
#include "records/hlc.h"
#include "records/record.h"
#include "store/sqlite.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

#include <memory>
#include <utility>

namespace fieldnotes {

class SecureBuffer;

/** A full-text search result: which record, and a snippet of the matching text with the hits marked. */
struct SearchHit
{
    Entity entity = Entity::Account;
    QString id;
    QString snippet; ///< plain text around the best match
    QList<std::pair<int, int>> highlights; ///< (start, length) of each hit within `snippet`
};

/** Which records `Store::list` returns. */
struct ListQuery
{
    QString accountId; ///< only records of this account (entities that have account_id)
    int limit = -1; ///< -1: all
    int offset = 0;
};

/** A local change waiting for the server: one mutation of SYNC-API.md. */
struct OutboxEntry
{
    qint64 seq = 0;
    QString mutationId;
    Entity entity = Entity::Account;
    QString recordId;
    QString op; ///< "upsert" or "delete"
    QString hlc;
    QJsonObject fields;
    QJsonObject base;
};

/**
 * The encrypted local store of one user on one device: records, their change log (outbox) and the search index
 * in one SQLCipher 4 database. Every write and its outbox entry commit in one transaction.
 */
class Store final
{
public:
    static constexpr const char *kDatabaseFile = "fieldnotes.db";

    /// Creates a new database in `dir` (which must exist and be private) keyed with the raw 32-byte `key`.
    [[nodiscard]] static Result<std::unique_ptr<Store>> create(const QString &dir, const SecureBuffer &key,
                                                               HlcClock::WallClock clock = {});
    /// Opens the existing database in `dir`; never creates or modifies anything when the key or file is bad.
    [[nodiscard]] static Result<std::unique_ptr<Store>> open(const QString &dir, const SecureBuffer &key,
                                                             HlcClock::WallClock clock = {});
    /// The benchmark's baseline: the same schema in a plain, unencrypted file. Never for user data.
    [[nodiscard]] static Result<std::unique_ptr<Store>> createUnencryptedForBenchmark(const QString &dir);
    /// Opens a database file at `path` and brings it to schema `version` only (migration tests).
    [[nodiscard]] static Result<Database> openAtVersionForTests(const QString &path, const SecureBuffer &key,
                                                                int version, bool create);

    /// Paths of every file of the database (main, -wal, -shm) in `dir`.
    static QStringList databaseFiles(const QString &dir);

    ~Store();
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    QString directory() const { return m_dir; }
    QString deviceId() const { return m_clock.deviceId(); }

    /// Creates (empty `id`, or an id not yet stored) or updates a record with `fields`; returns its id.
    [[nodiscard]] Result<QString> put(Entity entity, const QString &id, const QJsonObject &fields);
    struct PutItem
    {
        Entity entity = Entity::Account;
        QString id; ///< empty: a new record
        QJsonObject fields;
    };
    /// Many puts, of any entities, in one transaction: all are stored, or none. Returns the ids in order.
    [[nodiscard]] Result<QStringList> putMany(const QList<PutItem> &items);
    /// Deletes the record: a tombstone without content, and a delete mutation in the outbox.
    [[nodiscard]] Result<void> remove(Entity entity, const QString &id);

    [[nodiscard]] Result<Record> get(Entity entity, const QString &id);
    [[nodiscard]] Result<QList<Record>> list(Entity entity, const ListQuery &query = {});
    /// Ranked full-text search over conversations (title, notes), insights (text, quote) and accounts.
    [[nodiscard]] Result<QList<SearchHit>> search(const QString &text, int limit = 20);

    [[nodiscard]] Result<QMap<Entity, int>> counts();
    [[nodiscard]] Result<int> pendingCount();
    [[nodiscard]] Result<QList<OutboxEntry>> pendingMutations(int limit);

    /// integrity_check, cipher_integrity_check and the search index's own check; empty when sound.
    [[nodiscard]] Result<QStringList> verify();

    /// Turns user text into an FTS5 query that cannot have a syntax error: quoted prefix terms, ANDed.
    static QString ftsQuery(const QString &text);

private:
    Store(QString dir, Database db, HlcClock clock);
    static Result<std::unique_ptr<Store>> finishOpen(const QString &dir, Database db, HlcClock::WallClock clock,
                                                     bool fresh);

    Result<QString> putInTransaction(Entity entity, const QString &id, const QJsonObject &fields, qint64 nowMs);
    Result<std::optional<Record>> load(Entity entity, const QString &id);
    Result<void> writeRecord(const Record &record, bool insert);
    Result<void> indexForSearch(const Record &record);
    Result<void> removeFromSearch(const QString &id);
    Result<void> deleteSearchRow(qint64 docid);
    Result<void> appendOutbox(const OutboxEntry &entry, qint64 nowMs);
    Result<void> saveClock();

    QString m_dir;
    Database m_db;
    HlcClock m_clock;
};

} // namespace fieldnotes
