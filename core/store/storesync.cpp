// The Store's side of sync: applying pulled pages, acknowledging pushed outbox entries, and the conflict log.
// The rules are those of ARCHITECTURE.md "Sync" and SYNC-API.md "Merge rules", seen from one device: the server's
// state is the truth for everything this device has no pending edit of.

#include "store/store.h"

#include "records/validator.h"
#include "store/storeinternal.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

using namespace storeinternal;

namespace {

QString syncKey(const QString &key)
{
    return u"sync."_s + key;
}

ConflictEntry::Origin originFromName(const QString &name)
{
    if (name == u"superseded"_s)
        return ConflictEntry::Origin::Superseded;
    if (name == u"rejected"_s)
        return ConflictEntry::Origin::Rejected;
    return ConflictEntry::Origin::Server;
}

// A single JSON value as text ("null" for none), and back.
QByteArray valueToText(const QJsonValue &value)
{
    QJsonArray wrapper{value};
    const QByteArray text = QJsonDocument(wrapper).toJson(QJsonDocument::Compact);
    return text.mid(1, text.size() - 2);
}

QJsonValue valueFromText(const QString &text)
{
    const QJsonArray wrapper = QJsonDocument::fromJson((u"["_s + text + u"]"_s).toUtf8()).array();
    return wrapper.isEmpty() ? QJsonValue(QJsonValue::Null) : wrapper.first();
}

// The pending (not yet acknowledged) local edits of one record.
struct Pending
{
    QMap<QString, QString> fieldHlcs; ///< field -> newest pending stamp
    bool deleted = false;
};

} // namespace

QString conflictOriginName(ConflictEntry::Origin origin)
{
    switch (origin) {
    case ConflictEntry::Origin::Server:
        return u"server"_s;
    case ConflictEntry::Origin::Superseded:
        return u"superseded"_s;
    case ConflictEntry::Origin::Rejected:
        return u"rejected"_s;
    }
    return u"server"_s;
}

Result<QString> Store::syncValue(const QString &key)
{
    auto stmt = m_db.cached(QByteArrayLiteral("SELECT value FROM meta WHERE key = ?"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, syncKey(key));
    auto row = stmt->step();
    if (!row)
        return row.error();
    return *row ? stmt->text(0) : QString();
}

Result<void> Store::setSyncValues(const QMap<QString, QString> &values)
{
    Transaction transaction(m_db);
    if (auto r = transaction.begin(); !r)
        return r.error();
    for (auto it = values.begin(); it != values.end(); ++it) {
        auto stmt = it.value().isNull()
            ? m_db.cached(QByteArrayLiteral("DELETE FROM meta WHERE key = ?"))
            : m_db.cached(QByteArrayLiteral(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
        if (!stmt)
            return stmt.error();
        stmt->bind(1, syncKey(it.key()));
        if (!it.value().isNull())
            stmt->bind(2, it.value());
        if (auto r = stmt->run(); !r)
            return r.error();
    }
    return transaction.commit();
}

Result<void> Store::setClockOffset(qint64 offsetMs)
{
    if (auto r = setSyncValues({{u"clock_offset_ms"_s, QString::number(offsetMs)}}); !r)
        return r.error();
    m_clock.setWallClockOffset(offsetMs);
    return {};
}

namespace {

/// The corrected clock's time, and the latest stamp a server takes `aheadMs` ahead of it.
struct StampLimit
{
    qint64 now = 0;
    qint64 limitMs = 0;
};

StampLimit stampLimit(const HlcClock &clock, qint64 aheadMs)
{
    const qint64 now = std::clamp<qint64>(clock.wallTime() + clock.wallClockOffset(), 0, Hlc::kMaxMillis);
    return {now, std::min(now + std::max<qint64>(aheadMs, 0), Hlc::kMaxMillis)};
}

} // namespace

bool Store::hasStampsAhead(qint64 aheadMs) const
{
    return m_clock.last().millis > stampLimit(m_clock, aheadMs).limitMs;
}

Result<int> Store::restampAhead(qint64 aheadMs)
{
    const auto [now, limitMs] = stampLimit(m_clock, aheadMs);
    if (m_clock.last().millis <= limitMs)
        return 0; // every stamp this device issued or saw is within the limit
    // Stamps sort as strings: everything up to the limit sorts before this.
    const QString beyond = Hlc{limitMs + 1, 0, QString()}.toString();

    Transaction transaction(m_db);
    if (auto r = transaction.begin(); !r)
        return r.error();

    // The new stamps start after every stamp that stays: this device's own within the limit (in the outbox, or in
    // records after the server took them) and those pulled from the team (in records).
    Hlc floor{now, 0, deviceId()};
    QList<OutboxEntry> ahead;
    {
        auto stmt = m_db.cached(QByteArray("SELECT ") + kOutboxColumns + " FROM outbox ORDER BY seq");
        if (!stmt)
            return stmt.error();
        if (auto rows = stmt->forEachRow([&] {
            OutboxEntry entry = outboxFromRow(*stmt);
            if (entry.hlc >= beyond)
                ahead << std::move(entry);
            else if (auto stamp = Hlc::parse(entry.hlc); stamp && *stamp > floor)
                floor = *stamp;
        }); !rows)
            return rows.error();
    }
    for (const EntitySpec &spec : allEntities()) {
        const QByteArray sql = u"SELECT max(hlc) FROM %1 WHERE hlc < ?"_s.arg(spec.table).toUtf8();
        auto stmt = m_db.prepare(sql.constData());
        if (!stmt)
            return stmt.error();
        stmt->bind(1, beyond);
        if (auto rows = stmt->forEachRow([&] {
            if (auto stamp = Hlc::parse(stmt->text(0)); stamp && *stamp > floor)
                floor = *stamp;
        }); !rows)
            return rows.error();
    }

    // In the order they were made; a base that names an earlier one of them follows it.
    QHash<QString, QString> renamed;
    Hlc last = floor;
    for (const OutboxEntry &entry : std::as_const(ahead)) {
        last = m_clock.successor(last);
        renamed.insert(entry.hlc, last.toString());
    }
    const auto renamedStamp = [&](const QString &stamp) { return renamed.value(stamp, stamp); };
    QHash<QString, Entity> records; // record id -> entity
    for (OutboxEntry &entry : ahead) {
        for (auto it = entry.base.begin(); it != entry.base.end(); ++it) {
            if (it.value().isString())
                it.value() = renamedStamp(it.value().toString());
        }
        auto update = m_db.cached(QByteArrayLiteral("UPDATE outbox SET hlc = ?, base = ? WHERE seq = ?"));
        if (!update)
            return update.error();
        update->bind(1, renamedStamp(entry.hlc)).bind(2, compactJson(entry.base)).bind(3, entry.seq);
        outboxWritten();
        if (auto r = update->run(); !r)
            return r.error();
        records.insert(entry.recordId, entry.entity);
    }
    for (auto it = records.cbegin(); it != records.cend(); ++it) {
        auto loaded = load(it.value(), it.key());
        if (!loaded)
            return loaded.error();
        if (!loaded->has_value())
            continue;
        Record record = std::move(**loaded);
        for (QString &stamp : record.fieldHlcs)
            stamp = renamedStamp(stamp);
        record.hlc = renamedStamp(record.hlc);
        if (auto r = writeRecord(record, false); !r)
            return r.error();
    }

    auto saveLast = m_db.cached(QByteArrayLiteral("INSERT INTO meta (key, value) VALUES ('hlc_last', ?) "
                                                  "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!saveLast)
        return saveLast.error();
    saveLast->bind(1, last.toString());
    if (auto r = saveLast->run(); !r)
        return r.error();
    if (auto r = transaction.commit(); !r)
        return r.error();
    m_clock.rewind(last);
    return int(ahead.size());
}

Result<int> Store::liveRecordCount()
{
    auto counts = this->counts();
    if (!counts)
        return counts.error();
    int total = 0;
    for (int count : std::as_const(*counts))
        total += count;
    return total;
}

Result<PullApplyReport> Store::applyPull(const QList<RemoteChange> &changes, const QString &cursor,
                                         int maxLiveDeletions, SearchIndexing indexing)
{
    PullApplyReport report;
    // A pulled page need not reach the disk before the next one: lost in a power cut, it is lost together with its
    // cursor and pulled again; the next local write's commit syncs the log again (decision 0013).
    Transaction transaction(m_db);
    if (auto r = transaction.begin(Transaction::Sync::Relaxed); !r)
        return r.error();

    auto pendingRows = m_db.scalar("SELECT EXISTS (SELECT 1 FROM outbox)");
    if (!pendingRows)
        return pendingRows.error();
    const bool outboxEmpty = pendingRows->toInt() == 0;
    // Most devices have no server conflicts at all: then no change needs its old ones deleted.
    auto conflictRows = m_db.scalar("SELECT EXISTS (SELECT 1 FROM conflicts WHERE origin = 'server')");
    if (!conflictRows)
        return conflictRows.error();
    bool serverConflicts = conflictRows->toInt() != 0;

    // First what this device has of each record, to count what the page would take away before writing anything.
    std::vector<std::optional<Record>> locals;
    locals.reserve(size_t(changes.size()));
    for (const RemoteChange &change : changes) {
        auto local = load(change.entity, change.id);
        if (!local)
            return local.error();
        const bool shown = local->has_value() && !(*local)->deleted;
        if (change.deleted && shown)
            ++report.deletedLive;
        else if (!change.deleted && !shown)
            ++report.revealed;
        locals.push_back(std::move(*local));
    }
    if (maxLiveDeletions >= 0 && report.deletedLive > maxLiveDeletions) {
        report.refused = true;
        return report; // the transaction rolls back: nothing written
    }

    Hlc newest = m_clock.last();
    for (qsizetype i = 0; i < changes.size(); ++i) {
        const RemoteChange &change = changes.at(i);
        if (auto r = applyChange(change, locals.at(size_t(i)), outboxEmpty, serverConflicts, indexing); !r)
            return r.error();
        if (auto hlc = Hlc::parse(change.hlc); hlc && *hlc > newest)
            newest = *hlc;
        ++report.applied;
    }

    // Later local edits must sort after everything seen from the team.
    const Hlc before = m_clock.last();
    m_clock.observe(newest);
    if (!(m_clock.last() == before)) {
        if (auto r = saveClock(); !r)
            return r.error();
    }
    auto saveCursor = m_db.cached(QByteArrayLiteral(
        "INSERT INTO meta (key, value) VALUES ('sync.cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!saveCursor)
        return saveCursor.error();
    saveCursor->bind(1, cursor);
    if (auto r = saveCursor->run(); !r)
        return r.error();
    if (auto r = transaction.commit(); !r)
        return r.error();
    return report;
}

Result<void> Store::applyChange(const RemoteChange &change, const std::optional<Record> &local, bool outboxEmpty,
                                bool &serverConflicts, SearchIndexing indexing)
{
    if (local && local->entity != change.entity)
        return makeError(ErrorCode::Corrupt, u"The server sent a record whose kind differs from this device's copy."_s);

    Pending pending;
    if (!outboxEmpty) {
        auto stmt = m_db.cached(QByteArrayLiteral("SELECT op, hlc, fields FROM outbox WHERE record_id = ? ORDER BY seq"));
        if (!stmt)
            return stmt.error();
        stmt->bind(1, change.id);
        if (auto rows = stmt->forEachRow([&] {
            if (stmt->text(0) == u"delete"_s) {
                pending.deleted = true;
                return;
            }
            const QString hlc = stmt->text(1);
            const QJsonObject fields = parseObject(stmt->text(2));
            for (auto it = fields.begin(); it != fields.end(); ++it)
                pending.fieldHlcs.insert(it.key(), hlc); // in seq order: the last is the newest
        }); !rows)
            return rows.error();
    }

    Record record;
    record.entity = change.entity;
    record.id = change.id;
    record.hlc = change.hlc;
    bool write = true;
    if (change.deleted) {
        // A delete wins over every edit; pending edits still go to the server, which keeps them as conflicts.
        record.deleted = true;
        if (local && local->deleted && local->hlc >= change.hlc)
            record.hlc = local->hlc;
    } else if (pending.deleted && local) {
        write = false; // this device's delete is on its way and will win
    } else {
        // Null means cleared: not stored. Without nulls (the usual case) the object is shared, not rebuilt.
        const bool hasNull = std::any_of(change.fields.begin(), change.fields.end(),
                                         [](const auto &value) { return value.isNull(); });
        if (!hasNull) {
            record.fields = change.fields;
        } else {
            for (auto it = change.fields.begin(); it != change.fields.end(); ++it) {
                if (!it.value().isNull())
                    record.fields.insert(it.key(), it.value());
            }
        }
        record.fieldHlcs = change.fieldHlcs;
        // A pending local edit newer than the server's value survives, to be pushed later.
        for (auto it = pending.fieldHlcs.begin(); it != pending.fieldHlcs.end() && local; ++it) {
            const QString &field = it.key();
            const QString localHlc = local->fieldHlcs.value(field);
            if (localHlc.isEmpty() || localHlc <= change.fieldHlcs.value(field))
                continue;
            const QJsonValue value = local->fields.value(field);
            if (value.isUndefined())
                record.fields.remove(field);
            else
                record.fields.insert(field, value);
            record.fieldHlcs.insert(field, localHlc);
            record.hlc = std::max(record.hlc, localHlc);
        }
    }

    // The usual case after this device's own push: the server sends back what this device already holds. Nothing
    // to write then, and no search text to index again.
    if (write && local && local->deleted == record.deleted && local->hlc == record.hlc
        && local->fieldHlcs == record.fieldHlcs && local->fields == record.fields)
        write = false;

    if (write) {
        if (auto r = writeRecord(record, !local.has_value()); !r)
            return r.error();
        if (isSearchable(record.entity)) {
            if (record.deleted) {
                // A deleted record leaves the index at once; a backlog entry of it is dropped by the drain.
                if (auto r = removeFromSearch(record.id); !r)
                    return r.error();
            } else if (indexing == SearchIndexing::Later) {
                // In the order first pulled: the drain indexes in that order, as indexing at once would have.
                auto queue = m_db.cached(QByteArrayLiteral(
                    "INSERT INTO search_backlog (record_id, entity) VALUES (?, ?) ON CONFLICT (record_id) DO NOTHING"));
                if (!queue)
                    return queue.error();
                queue->bind(1, record.id).bind(2, entityName(record.entity));
                if (auto r = queue->run(); !r)
                    return r.error();
            } else if (auto r = indexForSearch(record); !r) {
                return r.error();
            }
        }
    }

    // The server's conflicts of this record replace the ones it sent before.
    if (serverConflicts && (local || !change.conflicts.isEmpty())) {
        auto clear = m_db.cached(QByteArrayLiteral("DELETE FROM conflicts WHERE record_id = ? AND origin = 'server'"));
        if (!clear)
            return clear.error();
        clear->bind(1, change.id);
        if (auto r = clear->run(); !r)
            return r.error();
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const RemoteChange::Conflict &c : change.conflicts) {
        ConflictEntry entry;
        entry.entity = change.entity;
        entry.recordId = change.id;
        entry.field = c.field;
        entry.value = c.value;
        entry.hlc = c.hlc;
        entry.deviceId = c.deviceId;
        entry.origin = ConflictEntry::Origin::Server;
        if (auto r = addConflict(entry, nowMs); !r)
            return r.error();
        serverConflicts = true;
    }
    return {};
}

Result<void> Store::addConflict(const ConflictEntry &conflict, qint64 nowMs)
{
    // The same lost value may be known twice (this device's superseded value that the server also kept): one row,
    // and the server's word wins because the server will tell when it is resolved.
    auto stmt = m_db.cached(QByteArrayLiteral(
        "INSERT INTO conflicts (entity, record_id, field, value, hlc, device_id, origin, reason, created_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, field, hlc) DO UPDATE SET "
        "origin = CASE WHEN excluded.origin = 'server' THEN 'server' ELSE conflicts.origin END"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, entityName(conflict.entity))
        .bind(2, conflict.recordId)
        .bind(3, conflict.field)
        .bind(4, valueToText(conflict.value))
        .bind(5, conflict.hlc)
        .bind(6, conflict.deviceId)
        .bind(7, conflictOriginName(conflict.origin));
    if (conflict.reason.isEmpty())
        stmt->bindNull(8);
    else
        stmt->bind(8, conflict.reason);
    stmt->bind(9, nowMs);
    return stmt->run();
}

Result<std::optional<OutboxEntry>> Store::outboxEntry(const QString &mutationId)
{
    auto stmt = m_db.cached(QByteArray("SELECT ") + kOutboxColumns + " FROM outbox WHERE mutation_id = ?");
    if (!stmt)
        return stmt.error();
    stmt->bind(1, mutationId);
    auto row = stmt->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<OutboxEntry>();
    return std::optional<OutboxEntry>(outboxFromRow(*stmt));
}

Result<int> Store::indexSearchBacklog(int limit)
{
    // Derived data: a drain lost in a power cut is done again from the backlog, which commits with the records.
    Transaction transaction(m_db);
    if (auto r = transaction.begin(Transaction::Sync::Relaxed); !r)
        return r.error();
    // Set-based, as migration 2 built the index: the chunk (the oldest of the backlog) loses its old search rows,
    // and every live record of it gets its document and row from its table's columns, as indexForSearch would have
    // given them, for the ranking, which weighs the newest rows (decision 0004): a record indexed before keeps its
    // docid, a new one gets the next, in the order the records were pulled. CROSS JOIN keeps the chunk the outer
    // loop: SQLite knows nothing of the temporary table's size and would scan a whole entity table per chunk
    // otherwise.
    if (auto r = m_db.exec("CREATE TEMP TABLE IF NOT EXISTS search_chunk (record_id TEXT PRIMARY KEY,"
                           " pulled INTEGER NOT NULL, docid INTEGER) WITHOUT ROWID;"
                           "DELETE FROM search_chunk"); !r)
        return r.error();
    auto fill = m_db.cached(QByteArrayLiteral(
        "INSERT INTO search_chunk (record_id, pulled, docid) SELECT b.record_id, b.rowid, d.docid "
        "FROM (SELECT rowid, record_id FROM search_backlog ORDER BY rowid LIMIT ?) AS b "
        "LEFT JOIN search_docs d ON d.record_id = b.record_id"));
    if (!fill)
        return fill.error();
    fill->bind(1, qint64(std::max(limit, 1)));
    if (auto r = fill->run(); !r)
        return r.error();
    const int taken = int(m_db.changes());
    if (taken == 0)
        return 0;
    // Rows indexed before (a record pulled again): their text goes by rowid (FTS5 scans the whole table for an IN),
    // in ascending order like the inserts below.
    QList<qint64> indexed;
    {
        auto old = m_db.cached(
            QByteArrayLiteral("SELECT docid FROM search_chunk WHERE docid IS NOT NULL ORDER BY docid"));
        if (!old)
            return old.error();
        if (auto rows = old->forEachRow([&] { indexed << old->integer(0); }); !rows)
            return rows.error();
    }
    for (const qint64 docid : std::as_const(indexed)) {
        if (auto r = deleteSearchRow(docid); !r)
            return r.error();
    }
    static const char *const steps[] = {
        "DELETE FROM search_docs WHERE record_id IN (SELECT record_id FROM search_chunk)",
        // A NULL docid is the next one.
        "INSERT INTO search_docs (docid, entity, record_id) SELECT docid, entity, id FROM ("
        "SELECT c.pulled, c.docid, 'account' AS entity, a.id FROM search_chunk c "
        "CROSS JOIN accounts a ON a.id = c.record_id WHERE a.deleted = 0 "
        "UNION ALL SELECT c.pulled, c.docid, 'conversation', v.id FROM search_chunk c "
        "CROSS JOIN conversations v ON v.id = c.record_id WHERE v.deleted = 0 "
        "UNION ALL SELECT c.pulled, c.docid, 'insight', i.id FROM search_chunk c "
        "CROSS JOIN insights i ON i.id = c.record_id WHERE i.deleted = 0) ORDER BY pulled",
        // In ascending rowid order: FTS5 flushes what it holds in memory whenever a rowid is not above the last one.
        "INSERT INTO search (rowid, title, body, extra) SELECT docid, title, body, extra FROM ("
        "SELECT d.docid, coalesce(a.name, '') AS title, coalesce(a.domain, '') AS body, coalesce(a.segment, '') AS extra "
        "FROM search_chunk c CROSS JOIN search_docs d ON d.record_id = c.record_id CROSS JOIN accounts a ON a.id = c.record_id "
        "WHERE d.entity = 'account' "
        "UNION ALL SELECT d.docid, coalesce(v.title, ''), coalesce(v.notes, ''), '' "
        "FROM search_chunk c CROSS JOIN search_docs d ON d.record_id = c.record_id CROSS JOIN conversations v ON v.id = c.record_id "
        "WHERE d.entity = 'conversation' "
        "UNION ALL SELECT d.docid, '', coalesce(i.text, ''), coalesce(i.quote, '') "
        "FROM search_chunk c CROSS JOIN search_docs d ON d.record_id = c.record_id CROSS JOIN insights i ON i.id = c.record_id "
        "WHERE d.entity = 'insight') ORDER BY docid",
        "DELETE FROM search_backlog WHERE record_id IN (SELECT record_id FROM search_chunk)",
    };
    for (const char *sql : steps) {
        auto step = m_db.cached(QByteArray::fromRawData(sql, qsizetype(qstrlen(sql))));
        if (!step)
            return step.error();
        if (auto r = step->run(); !r)
            return r.error();
    }
    if (auto r = transaction.commit(); !r)
        return r.error();
    return taken;
}

Result<int> Store::searchBacklogCount()
{
    return m_db.scalarInt("SELECT count(*) FROM search_backlog");
}

Result<AckReport> Store::acknowledge(const QList<PushAck> &acks, const CursorAdvance &cursor)
{
    AckReport report;
    // Entries that were stored or were stored before (a retried push) go, all in one statement: nothing of them is
    // needed. Only the others are looked at one by one.
    QStringList removable;
    removable.reserve(acks.size());
    for (const PushAck &ack : acks) {
        if (ack.status == PushAck::Status::Applied || ack.status == PushAck::Status::Duplicate)
            removable << ack.mutationId;
    }
    const bool onlyRemovals = removable.size() == acks.size();

    // An acknowledgement that only removes entries need not reach the disk before the next batch: lost in a power cut,
    // those entries are sent again and answered `duplicate`, then removed (decision 0018). Conflicts and reverted
    // values (superseded, rejected) are kept with a full sync, like every other local write.
    Transaction transaction(m_db);
    if (auto r = transaction.begin(onlyRemovals ? Transaction::Sync::Relaxed : Transaction::Sync::Full); !r)
        return r.error();
    if (!removable.isEmpty()) {
        auto remove = m_db.cached(QByteArrayLiteral(
            "DELETE FROM outbox WHERE mutation_id IN (SELECT value FROM json_each(?))"));
        if (!remove)
            return remove.error();
        remove->bind(1, jsonStringArray(removable));
        outboxWritten();
        if (auto r = remove->run(); !r)
            return r.error();
        report.removed += int(m_db.changes());
    }
    // The server's cursor is only worth as much as this device's copy of the pushed records: an ack that reverts or
    // keeps a lost value changes them, and a full sync pulls as before.
    if (onlyRemovals && !cursor.to.isEmpty() && !cursor.from.isEmpty()) {
        auto advance = m_db.cached(QByteArrayLiteral("UPDATE meta SET value = ? WHERE key = ? AND value = ?"));
        if (!advance)
            return advance.error();
        advance->bind(1, cursor.to).bind(2, syncKey(u"cursor"_s)).bind(3, cursor.from);
        if (auto r = advance->run(); !r)
            return r.error();
        report.cursorAdvanced = m_db.changes() == 1;
    }

    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    bool fullPullDue = false;
    for (const PushAck &ack : acks) {
        if (ack.status == PushAck::Status::Applied || ack.status == PushAck::Status::Duplicate)
            continue;
        auto found = outboxEntry(ack.mutationId);
        if (!found)
            return found.error();
        if (!found->has_value())
            continue; // acknowledged before (a retried push)
        const OutboxEntry &entry = **found;

        ConflictEntry lost;
        lost.entity = entry.entity;
        lost.recordId = entry.recordId;
        lost.hlc = entry.hlc;
        lost.deviceId = deviceId();
        if (ack.status == PushAck::Status::Superseded) {
            lost.origin = ConflictEntry::Origin::Superseded;
            for (const QString &field : ack.lostFields) {
                if (!entry.fields.contains(field))
                    continue;
                lost.field = field;
                lost.value = entry.fields.value(field);
                if (auto r = addConflict(lost, nowMs); !r)
                    return r.error();
                ++report.conflictsAdded;
            }
        } else if (ack.status == PushAck::Status::Rejected) {
            lost.origin = ConflictEntry::Origin::Rejected;
            lost.reason = ack.reason.left(500);
            if (entry.op == u"delete"_s) {
                lost.value = QJsonValue::Null;
                if (auto r = addConflict(lost, nowMs); !r)
                    return r.error();
                ++report.conflictsAdded;
            }
            for (auto it = entry.fields.begin(); it != entry.fields.end(); ++it) {
                lost.field = it.key();
                lost.value = it.value();
                if (auto r = addConflict(lost, nowMs); !r)
                    return r.error();
                ++report.conflictsAdded;
            }
            if (auto r = revertRejected(entry); !r)
                return r.error();
            ++report.rejected;
            fullPullDue = true;
        }

        auto remove = m_db.cached(QByteArrayLiteral("DELETE FROM outbox WHERE seq = ?"));
        if (!remove)
            return remove.error();
        remove->bind(1, entry.seq);
        outboxWritten();
        if (auto r = remove->run(); !r)
            return r.error();
        ++report.removed;
    }
    if (fullPullDue) {
        // The device shows values the server refused; pulling everything again puts the server's back.
        if (auto r = m_db.exec("DELETE FROM meta WHERE key = 'sync.cursor'"); !r)
            return r.error();
    }
    if (auto r = transaction.commit(); !r)
        return r.error();
    return report;
}

Result<void> Store::revertRejected(const OutboxEntry &entry)
{
    // Take back the refused values that nothing has overwritten since; a delete cannot be taken back here (its
    // values are gone): the full pull that follows brings the record back.
    if (entry.op == u"delete"_s)
        return {};
    auto existing = load(entry.entity, entry.recordId);
    if (!existing)
        return existing.error();
    if (!existing->has_value() || (*existing)->deleted)
        return {};
    Record record = std::move(**existing);
    bool changed = false;
    for (auto it = entry.fields.begin(); it != entry.fields.end(); ++it) {
        if (record.fieldHlcs.value(it.key()) != entry.hlc)
            continue;
        record.fields.remove(it.key());
        record.fieldHlcs.remove(it.key());
        changed = true;
    }
    if (!changed)
        return {};
    // A refused create (no value was based on one the server had) leaves nothing the server knows: gone. Anything
    // else stays, with fewer fields, until the full pull brings the server's values back.
    const bool wasCreate = std::all_of(entry.base.begin(), entry.base.end(),
                                       [](const QJsonValue &base) { return base.isNull(); });
    if (record.fieldHlcs.isEmpty() && wasCreate)
        record.deleted = true;
    if (auto r = writeRecord(record, false); !r)
        return r.error();
    if (isSearchable(record.entity)) {
        if (auto r = record.deleted ? removeFromSearch(record.id) : indexForSearch(record); !r)
            return r.error();
    }
    return {};
}

Result<std::optional<ConflictEntry>> Store::conflict(qint64 id)
{
    auto stmt = m_db.cached(QByteArrayLiteral("SELECT id, entity, record_id, field, value, hlc, device_id, origin, "
                                              "reason, created_ms FROM conflicts WHERE id = ?"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<ConflictEntry>();
    ConflictEntry entry;
    entry.id = stmt->integer(0);
    entry.entity = entityFromName(stmt->text(1)).value_or(Entity::Account);
    entry.recordId = stmt->text(2);
    entry.field = stmt->text(3);
    entry.value = valueFromText(stmt->text(4));
    entry.hlc = stmt->text(5);
    entry.deviceId = stmt->text(6);
    entry.origin = originFromName(stmt->text(7));
    entry.reason = stmt->text(8);
    entry.createdMs = stmt->integer(9);
    return std::optional<ConflictEntry>(std::move(entry));
}

Result<QList<ConflictEntry>> Store::conflicts()
{
    QList<qint64> ids;
    {
        auto stmt = m_db.prepare("SELECT id FROM conflicts ORDER BY hlc DESC, id");
        if (!stmt)
            return stmt.error();
        if (auto rows = stmt->forEachRow([&] { ids << stmt->integer(0); }); !rows)
            return rows.error();
    }
    QList<ConflictEntry> entries;
    entries.reserve(ids.size());
    for (qint64 id : std::as_const(ids)) {
        auto entry = conflict(id);
        if (!entry)
            return entry.error();
        if (!entry->has_value())
            continue;
        auto record = load((*entry)->entity, (*entry)->recordId);
        if (!record)
            return record.error();
        (*entry)->recordDeleted = !record->has_value() || (*record)->deleted;
        entries << std::move(**entry);
    }
    return entries;
}

Result<int> Store::conflictCount()
{
    return m_db.scalarInt("SELECT count(*) FROM conflicts");
}

Result<QString> Store::restoreConflict(qint64 conflictId)
{
    auto found = conflict(conflictId);
    if (!found)
        return found.error();
    if (!found->has_value())
        return makeError(ErrorCode::NotFound, u"There is no conflict %1."_s.arg(conflictId));
    const ConflictEntry entry = std::move(**found);
    if (entry.field.isEmpty())
        return makeError(ErrorCode::InvalidInput,
                         u"This entry is a delete the server refused; there is no value to restore."_s);

    const Hlc clockBefore = m_clock.last();
    Transaction transaction(m_db);
    if (auto r = transaction.begin(); !r)
        return r.error();
    auto record = load(entry.entity, entry.recordId);
    if (!record)
        return record.error();
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    QString writtenId;
    if (record->has_value() && !(*record)->deleted) {
        // Written as a plain overwrite of the current value: the server then drops the field's conflicts.
        auto id = putInTransaction(entry.entity, entry.recordId, QJsonObject{{entry.field, entry.value}}, nowMs, true);
        if (!id)
            return id.error();
        writtenId = *id;
        auto remove = m_db.cached(QByteArrayLiteral("DELETE FROM conflicts WHERE id = ?"));
        if (!remove)
            return remove.error();
        remove->bind(1, entry.id);
        if (auto r = remove->run(); !r)
            return r.error();
    } else {
        // A deleted record never comes back by itself; a person brings its values back as a new record.
        QJsonObject fields;
        QMap<QString, QString> newest;
        auto stmt = m_db.cached(QByteArrayLiteral("SELECT field, value, hlc FROM conflicts WHERE record_id = ? AND field != ''"));
        if (!stmt)
            return stmt.error();
        stmt->bind(1, entry.recordId);
        if (auto rows = stmt->forEachRow([&] {
            const QString field = stmt->text(0);
            const QString hlc = stmt->text(2);
            if (hlc > newest.value(field)) {
                newest.insert(field, hlc);
                fields.insert(field, valueFromText(stmt->text(1)));
            }
        }); !rows)
            return rows.error();
        for (auto it = fields.begin(); it != fields.end();)
            it = it.value().isNull() ? fields.erase(it) : std::next(it);
        auto id = putInTransaction(entry.entity, QString(), fields, nowMs);
        if (!id)
            return id.error();
        writtenId = *id;
        auto remove = m_db.cached(QByteArrayLiteral("DELETE FROM conflicts WHERE record_id = ?"));
        if (!remove)
            return remove.error();
        remove->bind(1, entry.recordId);
        if (auto r = remove->run(); !r)
            return r.error();
    }
    if (!(m_clock.last() == clockBefore)) {
        if (auto r = saveClock(); !r)
            return r.error();
    }
    if (auto r = transaction.commit(); !r)
        return r.error();
    return writtenId;
}

Result<void> Store::dismissConflict(qint64 conflictId)
{
    auto found = conflict(conflictId);
    if (!found)
        return found.error();
    if (!found->has_value())
        return makeError(ErrorCode::NotFound, u"There is no conflict %1."_s.arg(conflictId));
    const ConflictEntry entry = std::move(**found);

    const Hlc clockBefore = m_clock.last();
    Transaction transaction(m_db);
    if (auto r = transaction.begin(); !r)
        return r.error();
    if (entry.origin == ConflictEntry::Origin::Server && !entry.field.isEmpty()) {
        auto record = load(entry.entity, entry.recordId);
        if (!record)
            return record.error();
        if (record->has_value() && !(*record)->deleted) {
            // Keep the current value by writing it again over itself: the server drops the field's conflicts.
            const QJsonValue current = (*record)->fields.value(entry.field);
            auto id = putInTransaction(entry.entity, entry.recordId,
                                       QJsonObject{{entry.field, current.isUndefined() ? QJsonValue() : current}},
                                       QDateTime::currentMSecsSinceEpoch(), true);
            if (!id)
                return id.error();
        }
    }
    auto remove = m_db.cached(QByteArrayLiteral("DELETE FROM conflicts WHERE id = ?"));
    if (!remove)
        return remove.error();
    remove->bind(1, entry.id);
    if (auto r = remove->run(); !r)
        return r.error();
    if (!(m_clock.last() == clockBefore)) {
        if (auto r = saveClock(); !r)
            return r.error();
    }
    return transaction.commit();
}

} // namespace fieldnotes
