#pragma once

#include "base/result.h"
#include "records/hlc.h"
#include "records/record.h"
#include "store/checkpointer.h"
#include "store/sqlite.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>

#include <memory>
#include <optional>
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
 * An outbox entry as the database holds it, for the push body: `fields` and `base` are the compact JSON text the store
 * wrote (with QJsonDocument), so they can be sent as they are, without being parsed and written again.
 */
struct OutboxText
{
    qint64 seq = 0;
    QByteArray mutationId;
    QByteArray entity;
    QByteArray recordId;
    QByteArray op; ///< "upsert" or "delete"
    QByteArray hlc;
    QByteArray fields; ///< a JSON object; empty (NULL) for a delete
    QByteArray base; ///< a JSON object; empty (NULL) for a delete
};

/**
 * Changes whenever the outbox may have changed: any row added, rewritten or removed by this Store, and any commit of
 * another connection to the same database. A reader compares it with the value it read before a read of the outbox
 * to know whether what it read is still what the outbox holds (the sync engine's prepared push batch).
 */
struct OutboxVersion
{
    quint64 writes = 0; ///< outbox writes through this Store (counted per statement, also when rolled back)
    qint64 others = 0; ///< PRAGMA data_version: changes when another connection committed
    friend bool operator==(const OutboxVersion &, const OutboxVersion &) = default;
};

/** A record as the server sent it in a pull (a change X of SYNC-API.md, in core's terms). */
struct RemoteChange
{
    struct Conflict
    {
        QString field;
        QJsonValue value;
        QString hlc;
        QString deviceId;
    };
    Entity entity = Entity::Account;
    QString id;
    bool deleted = false; ///< deleted, or no longer visible to this user
    QJsonObject fields; ///< the whole record; a null value means the field was cleared
    QMap<QString, QString> fieldHlcs;
    QString hlc;
    QList<Conflict> conflicts;
};

/** What applying one pulled page did, or (when `refused`) would have done. */
struct PullApplyReport
{
    int applied = 0; ///< changes written
    int deletedLive = 0; ///< records this device showed that the page deletes (or hides)
    int revealed = 0; ///< records the page makes appear (new, or back in view)
    bool refused = false; ///< the page would delete more than allowed: nothing was written
};

/** The server's answer to one pushed outbox entry. */
struct PushAck
{
    enum class Status { Applied, Duplicate, Superseded, Rejected };
    QString mutationId;
    Status status = Status::Applied;
    QStringList lostFields; ///< Superseded
    QString reason; ///< Rejected: a human reason from the server
};

/** What Store::acknowledge did. */
struct AckReport
{
    int removed = 0; ///< outbox entries acknowledged and removed
    int conflictsAdded = 0; ///< values that lost (superseded or rejected) now in the conflict log
    int rejected = 0; ///< rejected entries: their values were reverted locally and a full pull is due
    bool cursorAdvanced = false; ///< the sync cursor moved to the one the server gave with the answer
};

/**
 * A pull cursor the server gave with a push answer (decision 0025): `to` replaces the saved sync cursor if that is
 * still `from`, the one sent with the push.
 */
struct CursorAdvance
{
    QString from;
    QString to;
};

/** A value that lost a merge, kept so the user can review and restore it. */
struct ConflictEntry
{
    enum class Origin {
        Server, ///< kept by the server on the record: lost a concurrent edit (any device's)
        Superseded, ///< this device's value lost to a newer one when it was pushed
        Rejected, ///< this device's edit the server refused (role, clock); `reason` says why
    };
    qint64 id = 0;
    Entity entity = Entity::Account;
    QString recordId;
    QString field; ///< empty for a rejected delete
    QJsonValue value;
    QString hlc;
    QString deviceId;
    Origin origin = Origin::Server;
    QString reason;
    qint64 createdMs = 0;
    bool recordDeleted = false; ///< the record is deleted: restoring makes a new record
};

/// "server", "superseded" or "rejected": the origin as the CLI prints it and the conflicts table stores it.
QString conflictOriginName(ConflictEntry::Origin origin);

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
    /// Whether open() will first upgrade the database in `dir` to this version's schema (which can take a while on a
    /// large store); reads its version only, changes nothing.
    [[nodiscard]] static Result<bool> needsUpgrade(const QString &dir, const SecureBuffer &key);
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

    /// Whether the write-ahead log is checkpointed on a thread of its own (Checkpointer), as it is unless a second
    /// connection could not be opened.
    [[nodiscard]] bool checkpointsInBackground() const { return m_checkpointer != nullptr; }
    /// Blocks until the background checkpoint has caught up with the writes made so far. Benchmarks count this in
    /// the time of the writes that caused it; nothing else needs it.
    void waitForCheckpoints()
    {
        if (m_checkpointer)
            m_checkpointer->waitUntilIdle();
    }

    /** How often the connection found a page in its page cache, and how often it read and decrypted it. */
    struct PageCacheCounters
    {
        qint64 hits = 0;
        qint64 misses = 0;
    };
    /// Since the store was opened. Benchmarks report them: misses are what a search pays beyond its CPU.
    [[nodiscard]] PageCacheCounters pageCacheCounters() const;

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
    /// Up to `limit` outbox entries with a seq above `afterSeq`, oldest first, as stored (see OutboxText).
    [[nodiscard]] Result<QList<OutboxText>> pendingMutationTexts(int limit, qint64 afterSeq = 0);
    /// Read it *before* reading the outbox: if it is still the same later, nothing of what was read has changed.
    [[nodiscard]] Result<OutboxVersion> outboxVersion();

    // Sync (sync/client drives these; definitions in storesync.cpp)

    /// Non-secret sync settings and state kept inside the encrypted database (server, user, cursor…).
    [[nodiscard]] Result<QString> syncValue(const QString &key);
    /// Sets (or, with a null QString, removes) several values in one transaction.
    [[nodiscard]] Result<void> setSyncValues(const QMap<QString, QString> &values);
    /// The difference to the server's clock, added to the device's clock for every new stamp; persisted.
    [[nodiscard]] Result<void> setClockOffset(qint64 offsetMs);
    [[nodiscard]] qint64 clockOffset() const { return m_clock.wallClockOffset(); }
    /// This device's clock (ms since the epoch), without the offset: what the offset corrects.
    [[nodiscard]] qint64 deviceWallTime() const { return m_clock.wallTime(); }
    /**
     * Unsent edits stamped more than `aheadMs` ahead of the corrected clock were made while the device's clock was
     * wrong, before a server told the difference; a server refuses stamps that far ahead of its clock. They get new
     * stamps right after every stamp that stays (this device's others, and the team's in its records: a server took
     * none of those further ahead than `aheadMs`), in the order they were made; their records' fields, the bases
     * that name them and the clock follow, in one transaction. No query at all while the clock itself is within
     * the limit. Returns how many edits got new stamps.
     */
    [[nodiscard]] Result<int> restampAhead(qint64 aheadMs);
    /// Whether restampAhead(aheadMs) would have anything to do: a stamp this device issued or saw is that far ahead
    /// of its corrected clock.
    [[nodiscard]] bool hasStampsAhead(qint64 aheadMs) const;

    /// When applyPull indexes the search text of the records it writes (decision 0027).
    enum class SearchIndexing {
        Now, ///< in the page's transaction
        Later, ///< queued in the search backlog, indexed by indexSearchBacklog (deletions leave the index at once)
    };
    /**
     * Applies one pulled page and saves `cursor` with it, in one transaction. Per field the server's value wins
     * unless this device has a pending edit of it with a newer stamp. A page that would delete (or hide) more
     * than `maxLiveDeletions` records this device shows is refused and nothing is written (-1: no limit).
     */
    [[nodiscard]] Result<PullApplyReport> applyPull(const QList<RemoteChange> &changes, const QString &cursor,
                                                    int maxLiveDeletions = -1,
                                                    SearchIndexing indexing = SearchIndexing::Now);
    /**
     * Indexes the search text of up to `limit` records of the search backlog (decision 0027), in one transaction
     * that needs no sync to the disk (the backlog is written with the records; a lost drain is done again). Records
     * deleted meanwhile just leave the backlog. Returns how many entries it took; 0 when the backlog is empty.
     */
    [[nodiscard]] Result<int> indexSearchBacklog(int limit);
    /// Records pulled whose search text is not indexed yet: searches do not find them until indexSearchBacklog.
    [[nodiscard]] Result<int> searchBacklogCount();
    /**
     * Removes acknowledged entries from the outbox; values that lost go to the conflict log, in one transaction. The
     * acks name distinct mutations (one answer per mutation sent). Changes nothing but these entries' rows in the
     * outbox. Acks that only remove entries (applied, duplicate) commit without waiting for the disk: lost in a power
     * cut, the entries are sent again and answered `duplicate`.
     * With `cursor.to` set and every ack applied or duplicate, the sync cursor moves as CursorAdvance says, in the
     * same transaction: this device's own changes are then not pulled back.
     */
    [[nodiscard]] Result<AckReport> acknowledge(const QList<PushAck> &acks, const CursorAdvance &cursor = {});
    /// Records that are not deleted, over every entity.
    [[nodiscard]] Result<int> liveRecordCount();

    [[nodiscard]] Result<QList<ConflictEntry>> conflicts();
    [[nodiscard]] Result<int> conflictCount();
    /// Writes the conflict's value again as a new edit; for a deleted record, a new record with the record's
    /// conflict values. Returns the id of the record written.
    [[nodiscard]] Result<QString> restoreConflict(qint64 conflictId);
    /// Keeps the current value: removes the entry, and for a server conflict writes the current value again so the
    /// server drops the conflict on every device.
    [[nodiscard]] Result<void> dismissConflict(qint64 conflictId);

    /// integrity_check, cipher_integrity_check and the search index's own check; empty when sound.
    [[nodiscard]] Result<QStringList> verify();

    /// Turns user text into an FTS5 query that cannot have a syntax error: quoted prefix terms, ANDed.
    static QString ftsQuery(const QString &text);

    // Queries for the app's view models (defined in storequeries.cpp). Each reads one page of rows with the
    // columns a list shows (never a conversation's notes), so a list of 100k records loads a page at a time.
    /** Which conversations conversationSummaries() returns; empty members do not filter. */
    struct ConversationFilter
    {
        QString accountId;
        QString tagId; ///< has an insight with this tag
        QString kind; ///< has an insight of this kind
        QString from; ///< occurred_at >= from (ISO 8601 UTC)
        QString to; ///< occurred_at < to
        std::optional<QStringList> ids; ///< only these (in this order, e.g. search ranking)
        int limit = 50;
        int offset = 0;
    };
    /** One row of the conversations list. */
    struct ConversationSummary
    {
        QString id;
        QString title;
        QString accountId;
        QString accountName;
        QString occurredAt;
        QString channel;
        QString status;
        int insightCount = 0;
    };
    /** Which insights insightSummaries() returns; empty members do not filter. */
    struct InsightFilter
    {
        QString accountId;
        QString conversationId;
        QString tagId;
        QString kind;
        std::optional<bool> published;
        int limit = 50;
        int offset = 0;
    };
    /** One row of an insights list. */
    struct InsightSummary
    {
        QString id;
        QString conversationId;
        QString accountId;
        QString accountName;
        QString kind;
        QString text;
        QString quote;
        int importance = 0; ///< 0: not set
        QStringList tagIds;
        bool published = false;
    };
    /** One row of the accounts list, with what the account page counts. */
    struct AccountSummary
    {
        QString id;
        QString name;
        QString domain;
        QString segment;
        int conversationCount = 0;
        int insightCount = 0;
        int openLeadCount = 0;
    };
    /** Which leads leadSummaries() returns; empty members do not filter. */
    struct LeadFilter
    {
        enum class Order {
            Priority, ///< priority 1 first (none last), then the latest change
            Newest, ///< the latest change first
        };
        QString accountId;
        QString status; ///< "open" includes leads without a status
        Order order = Order::Priority;
        int limit = 50;
        int offset = 0;
    };
    /** One row of a leads list, with its account's name. */
    struct LeadSummary
    {
        QString id;
        QString accountId;
        QString accountName;
        QString recommendation;
        int priority = 0; ///< 0: not set
        QString horizon;
        QString status; ///< "open" when the record has none
        QString outcome;
    };
    /** A conversation found by search: by its own text or by one of its insights. */
    struct ConversationHit
    {
        QString conversationId;
        SearchHit hit;
    };
    /// Newest first (occurred_at, then last change).
    [[nodiscard]] Result<QList<ConversationSummary>> conversationSummaries(const ConversationFilter &filter);
    /// Newest change first.
    [[nodiscard]] Result<QList<InsightSummary>> insightSummaries(const InsightFilter &filter);
    /// By name; `nameContains` matches anywhere in the name, case-insensitively.
    [[nodiscard]] Result<QList<AccountSummary>> accountSummaries(const QString &nameContains, int limit, int offset);
    /// In `filter.order`.
    [[nodiscard]] Result<QList<LeadSummary>> leadSummaries(const LeadFilter &filter);
    /// search() restricted to conversations: an insight hit stands for its conversation. Best first, no repeats.
    [[nodiscard]] Result<QList<ConversationHit>> searchConversations(const QString &text, int limit);

private:
    Store(QString dir, Database db, HlcClock clock);
    static Result<std::unique_ptr<Store>> finishOpen(const QString &dir, Database db, const SecureBuffer &key,
                                                     HlcClock::WallClock clock, bool fresh);

    /// `forceRewrite`: fields equal to the stored value are written again too (to resolve a conflict).
    Result<QString> putInTransaction(Entity entity, const QString &id, const QJsonObject &fields, qint64 nowMs,
                                     bool forceRewrite = false);
    Result<std::optional<Record>> load(Entity entity, const QString &id);
    Result<void> writeRecord(const Record &record, bool insert);
    Result<void> indexForSearch(const Record &record);
    Result<void> removeFromSearch(const QString &id);
    Result<void> deleteSearchRow(qint64 docid);
    /** A ranked match of the search index; its snippet is read apart, for the matches a caller keeps. */
    struct SearchMatch
    {
        qint64 docid = 0;
        SearchHit hit;
    };
    /// The best `limit` of the newest kMaxRankedMatches matches of an FTS query (ftsQuery), best first.
    Result<QList<SearchMatch>> rankMatches(const QString &query, int limit);
    /// Reads the snippets of `matches` (the rows a caller keeps).
    Result<void> readSnippets(const QString &query, QList<SearchMatch> &matches);
    Result<void> appendOutbox(const OutboxEntry &entry, qint64 nowMs);
    /// Takes the fields of a new local edit out of the record's earlier outbox edits (their values were never
    /// seen elsewhere or are overwritten anyway) and gives the edit their base instead; decision 0013.
    Result<void> supersedePending(Entity entity, const QString &recordId, const QJsonObject &changed,
                                  QJsonObject &base);
    Result<void> saveClock();
    /// `serverConflicts`: whether any server conflict may exist (false: none to replace); set when some are added.
    Result<void> applyChange(const RemoteChange &change, const std::optional<Record> &local, bool outboxEmpty,
                             bool &serverConflicts, SearchIndexing indexing);
    Result<void> revertRejected(const OutboxEntry &entry);
    Result<std::optional<OutboxEntry>> outboxEntry(const QString &mutationId);
    Result<void> addConflict(const ConflictEntry &conflict, qint64 nowMs);
    Result<std::optional<ConflictEntry>> conflict(qint64 id);

    /// Every statement that adds, rewrites or removes outbox rows calls this (OutboxVersion).
    void outboxWritten() { ++m_outboxWrites; }

    QString m_dir;
    Database m_db;
    std::unique_ptr<Checkpointer> m_checkpointer; ///< goes before m_db (declared after it)
    HlcClock m_clock;
    quint64 m_outboxWrites = 0;
};

} // namespace fieldnotes
