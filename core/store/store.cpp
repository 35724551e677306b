#include "store/store.h"

#include "base/securebuffer.h"
#include "records/validator.h"
#include "store/migrations.h"
#include "store/searchrank.h"
#include "store/storeinternal.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

#include <sqlite3.h>

#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

using namespace storeinternal;

namespace {

constexpr char16_t kHitStart = 0xE000; // private-use marks around hits in FTS snippets
constexpr char16_t kHitEnd = 0xE001;
constexpr int kMaxSearchTerms = 32;
constexpr int kMaxRankedMatches = 500;

// A snippet as FTS5 writes it, with kHitStart/kHitEnd around each hit, into the hit's text and highlights.
void setSnippet(SearchHit &hit, const QString &marked)
{
    hit.snippet.clear();
    hit.highlights.clear();
    int start = -1;
    for (QChar c : marked) {
        if (c == kHitStart) {
            start = int(hit.snippet.size());
        } else if (c == kHitEnd) {
            if (start >= 0)
                hit.highlights.append({start, int(hit.snippet.size()) - start});
            start = -1;
        } else {
            hit.snippet += c;
        }
    }
}

bool isListType(FieldType type)
{
    return type == FieldType::UuidList || type == FieldType::TextList;
}

QVariant toColumn(const FieldSpec &spec, const QJsonValue &value)
{
    if (value.isNull() || value.isUndefined())
        return {};
    if (isListType(spec.type))
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (spec.type == FieldType::Integer)
        return static_cast<qint64>(value.toInt());
    if (spec.type == FieldType::Boolean)
        return static_cast<qint64>(value.toBool() ? 1 : 0);
    return value.toString();
}

QJsonValue fromColumn(const FieldSpec &spec, const Statement &stmt, int column)
{
    if (stmt.isNull(column))
        return QJsonValue::Undefined;
    if (isListType(spec.type))
        return QJsonDocument::fromJson(stmt.text(column).toUtf8()).array();
    if (spec.type == FieldType::Integer)
        return static_cast<int>(stmt.integer(column));
    if (spec.type == FieldType::Boolean)
        return stmt.integer(column) != 0;
    return stmt.text(column);
}

bool hasAccountColumn(const EntitySpec &spec)
{
    return spec.field(u"account_id") != nullptr;
}

QString orderFor(Entity entity)
{
    switch (entity) {
    case Entity::Conversation:
        return u"occurred_at DESC, hlc DESC"_s;
    case Entity::Insight:
        return u"hlc DESC"_s;
    case Entity::Lead:
        return u"priority IS NULL, priority, hlc DESC"_s;
    case Entity::Guide:
        return u"title COLLATE NOCASE, id"_s;
    default:
        return u"name COLLATE NOCASE, id"_s;
    }
}

// title, body, extra columns of the search index for one record
std::array<QString, 3> searchColumns(const Record &record)
{
    const auto f = [&](const char16_t *name) { return record.fields.value(QStringView(name)).toString(); };
    switch (record.entity) {
    case Entity::Account:
        return {f(u"name"), f(u"domain"), f(u"segment")};
    case Entity::Conversation:
        return {f(u"title"), f(u"notes"), QString()};
    case Entity::Insight:
        return {QString(), f(u"text"), f(u"quote")};
    default:
        return {};
    }
}

// load() and writeRecord() run for every record of a pull: their SQL depends on the entity only, so it is built
// once per entity rather than for every call (the statement cache is keyed by the SQL text).
struct EntitySql
{
    QByteArray select;
    QByteArray insert;
    QByteArray update;
};

const EntitySql &entitySql(Entity entity)
{
    static const QList<EntitySql> all = [] {
        QList<EntitySql> sql;
        for (const EntitySpec &spec : allEntities()) {
            QStringList columns {u"id"_s, u"deleted"_s, u"hlc"_s, u"field_hlcs"_s};
            for (const FieldSpec &field : spec.fields)
                columns << field.name;
            QStringList marks;
            QStringList sets;
            for (qsizetype i = 0; i < columns.size(); ++i) {
                marks << u"?"_s;
                if (i > 0)
                    sets << columns.at(i) + u" = ?"_s;
            }
            const qsizetype index = qsizetype(spec.entity);
            if (sql.size() <= index)
                sql.resize(index + 1);
            sql[index] = EntitySql {
                u"SELECT %1 FROM %2 WHERE id = ?"_s.arg(columns.join(u", "_s), spec.table).toUtf8(),
                u"INSERT INTO %1 (%2) VALUES (%3)"_s.arg(spec.table, columns.join(u", "_s), marks.join(u", "_s))
                    .toUtf8(),
                u"UPDATE %1 SET %2 WHERE id = ?"_s.arg(spec.table, sets.join(u", "_s)).toUtf8(),
            };
        }
        return sql;
    }();
    return all.at(qsizetype(entity));
}

// The same text as compactJson() of a QJsonObject with these members (both sort keys by UTF-16 code units).
QByteArray fieldHlcsJson(const QMap<QString, QString> &fieldHlcs)
{
    QByteArray json;
    json.reserve(2 + fieldHlcs.size() * 48);
    json += '{';
    for (auto it = fieldHlcs.begin(); it != fieldHlcs.end(); ++it) {
        if (json.size() > 1)
            json += ',';
        json += '"';
        bool plain = appendPlainJsonText(json, it.key());
        if (plain) {
            json += "\":\"";
            plain = appendPlainJsonText(json, it.value());
        }
        if (!plain) {
            QJsonObject hlcs;
            for (auto all = fieldHlcs.begin(); all != fieldHlcs.end(); ++all)
                hlcs.insert(all.key(), all.value());
            return compactJson(hlcs);
        }
        json += '"';
    }
    json += '}';
    return json;
}

} // namespace

Store::Store(QString dir, Database db, HlcClock clock) : m_dir(std::move(dir)), m_db(std::move(db)), m_clock(std::move(clock))
{
}

Store::~Store() = default;

QStringList Store::databaseFiles(const QString &dir)
{
    const QString main = QDir(dir).filePath(QString::fromLatin1(kDatabaseFile));
    return {main, main + u"-wal"_s, main + u"-shm"_s};
}

Result<std::unique_ptr<Store>> Store::create(const QString &dir, const SecureBuffer &key, HlcClock::WallClock clock)
{
    if (key.size() != 32)
        return makeError(ErrorCode::InvalidInput, u"The store key must be 32 bytes."_s);
    const QString path = databaseFiles(dir).constFirst();
    auto db = Database::open(path, key, Database::OpenMode::Create);
    if (!db) {
        if (db.error().code != ErrorCode::AlreadyExists)
            QFile::remove(path); // only the empty file this call created
        return db.error();
    }
    auto store = finishOpen(dir, std::move(*db), key, std::move(clock), true);
    if (!store) {
        for (const QString &file : databaseFiles(dir))
            QFile::remove(file);
    }
    return store;
}

Result<std::unique_ptr<Store>> Store::open(const QString &dir, const SecureBuffer &key, HlcClock::WallClock clock)
{
    if (key.size() != 32)
        return makeError(ErrorCode::InvalidInput, u"The store key must be 32 bytes."_s);
    auto db = Database::open(databaseFiles(dir).constFirst(), key, Database::OpenMode::Existing);
    if (!db)
        return db.error();
    return finishOpen(dir, std::move(*db), key, std::move(clock), false);
}

Result<bool> Store::needsUpgrade(const QString &dir, const SecureBuffer &key)
{
    auto db = Database::open(databaseFiles(dir).constFirst(), key, Database::OpenMode::Existing);
    if (!db)
        return db.error();
    auto version = Migrations::currentVersion(*db);
    if (!version)
        return version.error();
    return *version < Migrations::latestVersion();
}

Result<std::unique_ptr<Store>> Store::createUnencryptedForBenchmark(const QString &dir)
{
    auto db = Database::open(databaseFiles(dir).constFirst(), SecureBuffer(), Database::OpenMode::Create);
    if (!db)
        return db.error();
    return finishOpen(dir, std::move(*db), SecureBuffer(), {}, true);
}

Result<Database> Store::openAtVersionForTests(const QString &path, const SecureBuffer &key, int version, bool create)
{
    auto db = Database::open(path, key, create ? Database::OpenMode::Create : Database::OpenMode::Existing);
    if (!db)
        return db.error();
    if (auto r = Migrations::migrate(*db, version); !r)
        return r.error();
    return std::move(*db);
}

Result<std::unique_ptr<Store>> Store::finishOpen(const QString &dir, Database db, const SecureBuffer &key,
                                                 HlcClock::WallClock clock, bool fresh)
{
    bool upgraded = false;
    if (!fresh) {
        // An existing store must have our schema: an empty or foreign database is not silently adopted.
        auto version = Migrations::currentVersion(db);
        if (!version)
            return version.error();
        if (*version == 0)
            return makeError(ErrorCode::Incompatible, u"The database file is not a Fieldnotes store."_s);
        upgraded = *version < Migrations::latestVersion();
    }
    if (auto r = db.enableWal(); !r)
        return r.error();
    if (auto r = Migrations::migrate(db); !r)
        return r.error();
    // An upgrade can leave hundreds of megabytes in the write-ahead log (migration 5 rebuilds the search index).
    // Copied into the database file now, while the app still says it is upgrading, and the log emptied: otherwise
    // the log keeps that size while the store is open, and a process stopped before its checkpoint leaves it for
    // the next start to read back.
    if (upgraded) {
        if (auto r = db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); !r)
            return r.error();
    }
    if (auto r = SearchRank::install(db); !r)
        return r.error();

    QString deviceId;
    Hlc last;
    qint64 clockOffsetMs = 0;
    {
        auto stmt = db.prepare(
            "SELECT key, value FROM meta WHERE key IN ('device_id', 'hlc_last', 'sync.clock_offset_ms')");
        if (!stmt)
            return stmt.error();
        if (auto rows = stmt->forEachRow([&] {
            if (stmt->text(0) == u"device_id"_s)
                deviceId = stmt->text(1);
            else if (stmt->text(0) == u"sync.clock_offset_ms"_s)
                clockOffsetMs = stmt->text(1).toLongLong();
            else if (auto hlc = Hlc::parse(stmt->text(1)))
                last = *hlc;
        }); !rows)
            return rows.error();
    }
    if (deviceId.isEmpty()) {
        deviceId = QUuid::createUuid().toString(QUuid::Id128);
        auto stmt = db.prepare("INSERT INTO meta (key, value) VALUES ('device_id', ?)");
        if (!stmt)
            return stmt.error();
        stmt->bind(1, deviceId);
        if (auto r = stmt->run(); !r)
            return r.error();
    }
    HlcClock hlcClock(deviceId, std::move(clock));
    hlcClock.observe(last);
    hlcClock.setWallClockOffset(clockOffsetMs);
    std::unique_ptr<Store> store(new Store(dir, std::move(db), std::move(hlcClock)));
    // Without it (a second connection could not be opened) SQLite checkpoints in the writer's commits, as before.
    if (auto checkpointer = Checkpointer::start(databaseFiles(dir).constFirst(), key, store->m_db))
        store->m_checkpointer = std::move(*checkpointer);
    return store;
}

Result<std::optional<Record>> Store::load(Entity entity, const QString &id)
{
    const EntitySpec &spec = entitySpec(entity);
    auto stmt = m_db.cached(entitySql(entity).select);
    if (!stmt)
        return stmt.error();
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<Record>();
    Record record;
    record.entity = entity;
    record.id = stmt->text(0);
    record.deleted = stmt->integer(1) != 0;
    record.hlc = stmt->text(2);
    const QJsonObject hlcs = parseObject(stmt->text(3));
    for (auto it = hlcs.begin(); it != hlcs.end(); ++it)
        record.fieldHlcs.insert(it.key(), it.value().toString());
    for (int i = 0; i < spec.fields.size(); ++i) {
        const QJsonValue value = fromColumn(spec.fields.at(i), *stmt, 4 + i);
        if (!value.isUndefined())
            record.fields.insert(spec.fields.at(i).name, value);
    }
    return std::optional<Record>(std::move(record));
}

Result<void> Store::writeRecord(const Record &record, bool insert)
{
    const EntitySpec &spec = entitySpec(record.entity);
    const EntitySql &sql = entitySql(record.entity);
    auto stmt = m_db.cached(insert ? sql.insert : sql.update);
    if (!stmt)
        return stmt.error();
    int index = 1;
    if (insert)
        stmt->bind(index++, record.id);
    stmt->bind(index++, qint64(record.deleted ? 1 : 0));
    stmt->bind(index++, record.hlc);
    stmt->bind(index++, fieldHlcsJson(record.fieldHlcs));
    for (const FieldSpec &field : spec.fields)
        stmt->bindVariant(index++, toColumn(field, record.fields.value(field.name)));
    if (!insert)
        stmt->bind(index++, record.id);
    return stmt->run();
}

// No statement on the write paths may have a RETURNING clause (or need a statement journal otherwise): such a
// statement opens a savepoint, and FTS5 writes its pending terms to disk as a new segment at every savepoint. One
// segment per record made indexing 2–3 times dearer than the records themselves (decision 0013).
Result<void> Store::indexForSearch(const Record &record)
{
    // A new document needs no delete of old text: a search row is only ever written and deleted together with its
    // search_docs row, so a new docid has none, and the FTS delete of a missing row is one of the dearest steps of
    // indexing a new record (a pull writes mostly new records).
    const QString entity = entityName(record.entity);
    const auto columns = searchColumns(record);
    auto doc = m_db.cached(QByteArrayLiteral("INSERT INTO search_docs (entity, record_id) VALUES (?, ?) "
                                             "ON CONFLICT (record_id) DO NOTHING"));
    if (!doc)
        return doc.error();
    doc->bind(1, entity).bind(2, record.id);
    if (auto r = doc->run(); !r)
        return r.error();
    qint64 docid = 0;
    if (m_db.changes() == 1) {
        docid = m_db.lastInsertRowId();
    } else {
        auto existing = m_db.cached(QByteArrayLiteral("SELECT docid, entity FROM search_docs WHERE record_id = ?"));
        if (!existing)
            return existing.error();
        existing->bind(1, record.id);
        auto row = existing->step();
        if (!row)
            return row.error();
        if (!*row)
            return makeError(ErrorCode::Corrupt, u"The search index lost a document while it was written."_s);
        docid = existing->integer(0);
        const bool sameEntity = existing->text(1) == entity;
        existing->reset();
        if (!sameEntity) {
            auto retag = m_db.cached(QByteArrayLiteral("UPDATE search_docs SET entity = ? WHERE docid = ?"));
            if (!retag)
                return retag.error();
            retag->bind(1, entity).bind(2, docid);
            if (auto r = retag->run(); !r)
                return r.error();
        } else {
            // Most updates leave the searchable text as it was (a publish, tags, an account picked, a pulled change
            // of another field): replacing an FTS row removes and adds every word and its prefixes (decision 0024).
            auto indexed = m_db.cached(QByteArrayLiteral("SELECT title, body, extra FROM search WHERE rowid = ?"));
            if (!indexed)
                return indexed.error();
            indexed->bind(1, docid);
            auto found = indexed->step();
            if (!found)
                return found.error();
            const bool unchanged = *found && indexed->text(0) == columns[0] && indexed->text(1) == columns[1]
                && indexed->text(2) == columns[2];
            indexed->reset();
            if (unchanged)
                return {};
        }
        if (auto r = deleteSearchRow(docid); !r)
            return r.error();
    }

    auto insert = m_db.cached(QByteArrayLiteral("INSERT INTO search (rowid, title, body, extra) VALUES (?, ?, ?, ?)"));
    if (!insert)
        return insert.error();
    insert->bind(1, docid).bind(2, columns[0]).bind(3, columns[1]).bind(4, columns[2]);
    return insert->run();
}

Result<void> Store::removeFromSearch(const QString &id)
{
    auto find = m_db.cached(QByteArrayLiteral("SELECT docid FROM search_docs WHERE record_id = ?"));
    if (!find)
        return find.error();
    find->bind(1, id);
    auto row = find->step();
    if (!row)
        return row.error();
    if (!*row)
        return {};
    const qint64 docid = find->integer(0);
    find->reset();
    auto forget = m_db.cached(QByteArrayLiteral("DELETE FROM search_docs WHERE docid = ?"));
    if (!forget)
        return forget.error();
    forget->bind(1, docid);
    if (auto r = forget->run(); !r)
        return r.error();
    return deleteSearchRow(docid);
}

Result<void> Store::deleteSearchRow(qint64 docid)
{
    auto remove = m_db.cached(QByteArrayLiteral("DELETE FROM search WHERE rowid = ?"));
    if (!remove)
        return remove.error();
    remove->bind(1, docid);
    return remove->run();
}

Result<void> Store::appendOutbox(const OutboxEntry &entry, qint64 nowMs)
{
    auto stmt = m_db.cached(QByteArrayLiteral("INSERT INTO outbox (mutation_id, entity, record_id, op, hlc, fields, base, created_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, entry.mutationId)
        .bind(2, entityName(entry.entity))
        .bind(3, entry.recordId)
        .bind(4, entry.op)
        .bind(5, entry.hlc);
    if (entry.op == u"delete"_s) {
        stmt->bindNull(6).bindNull(7);
    } else {
        stmt->bind(6, compactJson(entry.fields)).bind(7, compactJson(entry.base));
    }
    stmt->bind(8, nowMs);
    outboxWritten();
    return stmt->run();
}

Result<void> Store::supersedePending(Entity entity, const QString &recordId, const QJsonObject &changed,
                                     QJsonObject &base)
{
    // Autosave writes the notes again and again: without this, every save would wait in the outbox, all of them
    // pushed in turn. A field required to create the record stays where it is, so a pending create stays valid.
    QStringList open;
    for (const FieldSpec &field : entitySpec(entity).fields) {
        if (!field.requiredOnCreate && changed.contains(field.name))
            open << field.name;
    }
    if (open.isEmpty())
        return {};
    auto stmt = m_db.cached(QByteArray("SELECT ") + kOutboxColumns + " FROM outbox WHERE record_id = ? ORDER BY seq DESC");
    if (!stmt)
        return stmt.error();
    stmt->bind(1, recordId);
    QList<OutboxEntry> pending;
    if (auto r = stmt->forEachRow([&] { pending << outboxFromRow(*stmt); }); !r)
        return r.error();

    for (OutboxEntry &entry : pending) { // newest first: the oldest edit of a field gives its base
        if (open.isEmpty() || entry.op != u"upsert"_s || entry.entity != entity)
            break; // before a delete, the record was another life of it
        bool touched = false;
        for (const QString &field : std::as_const(open)) {
            if (!entry.fields.contains(field))
                continue;
            base.insert(field, entry.base.contains(field) ? entry.base.value(field) : QJsonValue(QJsonValue::Null));
            entry.fields.remove(field);
            entry.base.remove(field);
            touched = true;
        }
        if (!touched)
            continue;
        auto write = m_db.cached(entry.fields.isEmpty()
                                     ? QByteArrayLiteral("DELETE FROM outbox WHERE seq = ?1")
                                     : QByteArrayLiteral("UPDATE outbox SET fields = ?2, base = ?3 WHERE seq = ?1"));
        if (!write)
            return write.error();
        write->bind(1, entry.seq);
        if (!entry.fields.isEmpty())
            write->bind(2, compactJson(entry.fields)).bind(3, compactJson(entry.base));
        outboxWritten();
        if (auto r = write->run(); !r)
            return r.error();
    }
    return {};
}

Result<void> Store::saveClock()
{
    auto stmt = m_db.cached(QByteArrayLiteral("INSERT INTO meta (key, value) VALUES ('hlc_last', ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, m_clock.last().toString());
    return stmt->run();
}

Result<QString> Store::putInTransaction(Entity entity, const QString &requestedId, const QJsonObject &fields,
                                        qint64 nowMs, bool forceRewrite)
{
    QString id = requestedId.isEmpty() ? newId() : requestedId.toLower();
    if (!Validator::isUuid(id))
        return makeError(ErrorCode::InvalidInput, u"The record id must be a UUID."_s);
    auto existing = load(entity, id);
    if (!existing)
        return existing.error();
    if (existing->has_value() && (*existing)->deleted)
        return makeError(ErrorCode::NotFound, u"The %1 %2 was deleted."_s.arg(entityName(entity), id));
    const bool creating = !existing->has_value();
    if (auto valid = Validator::validateFields(entity, fields,
                                               creating ? Validator::Mode::Create : Validator::Mode::Update);
        !valid)
        return valid.error();

    Record record;
    if (creating) {
        record.entity = entity;
        record.id = id;
    } else {
        record = std::move(**existing);
    }

    // Only fields whose value really changes become part of the mutation: autosave may repeat itself.
    QJsonObject changed;
    QJsonObject base;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const QJsonValue current = record.fields.value(it.key());
        const bool clearing = it.value().isNull();
        if (!forceRewrite && ((clearing && current.isUndefined()) || (!clearing && current == it.value())))
            continue;
        changed.insert(it.key(), it.value());
        const QString baseHlc = record.fieldHlcs.value(it.key());
        base.insert(it.key(), baseHlc.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(baseHlc));
    }
    if (changed.isEmpty() && !creating)
        return id;

    const QString hlc = m_clock.now().toString();
    for (auto it = changed.begin(); it != changed.end(); ++it) {
        if (it.value().isNull())
            record.fields.remove(it.key());
        else
            record.fields.insert(it.key(), it.value());
        record.fieldHlcs.insert(it.key(), hlc);
    }
    record.hlc = hlc;

    if (auto r = writeRecord(record, creating); !r)
        return r.error();
    if (isSearchable(entity)) {
        if (auto r = indexForSearch(record); !r)
            return r.error();
    }
    if (!creating) {
        if (auto r = supersedePending(entity, id, changed, base); !r)
            return r.error();
    }
    OutboxEntry entry;
    entry.mutationId = newId();
    entry.entity = entity;
    entry.recordId = id;
    entry.op = u"upsert"_s;
    entry.hlc = hlc;
    entry.fields = changed;
    entry.base = base;
    if (auto r = appendOutbox(entry, nowMs); !r)
        return r.error();
    return id;
}

Result<QString> Store::put(Entity entity, const QString &id, const QJsonObject &fields)
{
    auto ids = putMany({PutItem{entity, id, fields}});
    if (!ids)
        return ids.error();
    return ids->constFirst();
}

Result<QStringList> Store::putMany(const QList<PutItem> &items)
{
    const Hlc clockBefore = m_clock.last();
    Transaction transaction(m_db);
    if (auto r = transaction.begin(); !r)
        return r.error();
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    QStringList ids;
    ids.reserve(items.size());
    for (const PutItem &item : items) {
        auto id = putInTransaction(item.entity, item.id, item.fields, nowMs);
        if (!id)
            return id.error();
        ids << *id;
    }
    if (!(m_clock.last() == clockBefore)) {
        if (auto r = saveClock(); !r)
            return r.error();
    }
    if (auto r = transaction.commit(); !r)
        return r.error();
    return ids;
}

Result<void> Store::remove(Entity entity, const QString &requestedId)
{
    const QString id = requestedId.toLower();
    if (!Validator::isUuid(id))
        return makeError(ErrorCode::InvalidInput, u"The record id must be a UUID."_s);
    Transaction transaction(m_db);
    if (auto r = transaction.begin(); !r)
        return r.error();
    auto existing = load(entity, id);
    if (!existing)
        return existing.error();
    if (!existing->has_value() || (*existing)->deleted)
        return makeError(ErrorCode::NotFound, u"There is no %1 with id %2."_s.arg(entityName(entity), id));

    Record tombstone;
    tombstone.entity = entity;
    tombstone.id = id;
    tombstone.deleted = true;
    tombstone.hlc = m_clock.now().toString();
    if (auto r = writeRecord(tombstone, false); !r)
        return r.error();
    if (auto r = removeFromSearch(id); !r)
        return r.error();
    OutboxEntry entry;
    entry.mutationId = newId();
    entry.entity = entity;
    entry.recordId = id;
    entry.op = u"delete"_s;
    entry.hlc = tombstone.hlc;
    if (auto r = appendOutbox(entry, QDateTime::currentMSecsSinceEpoch()); !r)
        return r.error();
    if (auto r = saveClock(); !r)
        return r.error();
    return transaction.commit();
}

Result<Record> Store::get(Entity entity, const QString &id)
{
    auto record = load(entity, id.toLower());
    if (!record)
        return record.error();
    if (!record->has_value() || (*record)->deleted)
        return makeError(ErrorCode::NotFound, u"There is no %1 with id %2."_s.arg(entityName(entity), id.left(64)));
    return std::move(**record);
}

Result<QList<Record>> Store::list(Entity entity, const ListQuery &query)
{
    const EntitySpec &spec = entitySpec(entity);
    if (!query.accountId.isEmpty() && !hasAccountColumn(spec))
        return makeError(ErrorCode::InvalidInput, u"%1 records do not belong to an account."_s.arg(spec.name));
    QString sql = u"SELECT id FROM %1 WHERE deleted = 0"_s.arg(spec.table);
    if (!query.accountId.isEmpty())
        sql += u" AND account_id = ?"_s;
    sql += u" ORDER BY %1 LIMIT ? OFFSET ?"_s.arg(orderFor(entity));
    const QByteArray utf8 = sql.toUtf8();
    auto stmt = m_db.prepare(utf8.constData());
    if (!stmt)
        return stmt.error();
    int index = 1;
    if (!query.accountId.isEmpty())
        stmt->bind(index++, query.accountId.toLower());
    stmt->bind(index++, qint64(query.limit));
    stmt->bind(index++, qint64(std::max(0, query.offset)));
    QStringList ids;
    if (auto rows = stmt->forEachRow([&] {
        ids << stmt->text(0);
    }); !rows)
        return rows.error();
    QList<Record> records;
    records.reserve(ids.size());
    for (const QString &id : std::as_const(ids)) {
        auto record = load(entity, id);
        if (!record)
            return record.error();
        if (record->has_value())
            records << std::move(**record);
    }
    return records;
}

QString Store::ftsQuery(const QString &text)
{
    QStringList terms;
    QString term;
    const auto flush = [&](bool prefix) {
        if (!term.isEmpty() && terms.size() < kMaxSearchTerms)
            terms << u"\""_s + term.left(64) + (prefix ? u"\"*"_s : u"\""_s);
        term.clear();
    };
    for (QChar c : text) {
        if (c.isLetterOrNumber() || c.category() == QChar::Mark_NonSpacing)
            term += c;
        else
            flush(false);
    }
    // Only the word still being typed is a prefix: prefix terms on common words are what makes FTS5 slow. A single
    // letter being typed is no term yet: as a prefix it matches nearly every document (hundreds of ms at 100k).
    if (term.size() < 2)
        term.clear();
    flush(true);
    return terms.join(u' ');
}

Result<QList<SearchHit>> Store::search(const QString &text, int limit)
{
    QList<SearchHit> hits;
    const QString query = ftsQuery(text);
    if (query.isEmpty() || limit <= 0)
        return hits;
    auto matches = rankMatches(query, limit);
    if (!matches)
        return matches.error();
    if (auto r = readSnippets(query, *matches); !r)
        return r.error();
    hits.reserve(matches->size());
    for (SearchMatch &match : *matches)
        hits << std::move(match.hit);
    return hits;
}

Result<QList<Store::SearchMatch>> Store::rankMatches(const QString &query, int limit)
{
    // FTS5 scores every match before it can sort; a word in most records makes that slow. So the ranking
    // considers the newest kMaxRankedMatches matches only (decision 0004): fast, and recent notes matter most.
    // They are read in one pass, newest first (FTS5 walks its doclists in rowid order and stops at the LIMIT), and
    // sorted here; ties keep FTS5's order for `ORDER BY rank` (older first). fieldnotes_rank is bm25 without the
    // scan of every match that only scales the scores of a one-word query (SearchRank, decision 0020).
    // Snippets cost ~25 us each over 1-4 KB notes, and a caller keeps a fraction of the rows (a page of hits, one
    // per conversation): readSnippets() reads them for those rows only, with a second MATCH. That MATCH is cheap for
    // the word being typed too: a prefix of two or three characters is one doclist of the table's prefix indexes,
    // a longer one starts few terms (decisions 0020, 0024).
    auto stmt = m_db.cached(QByteArrayLiteral(
        "SELECT h.rowid, d.entity, d.record_id FROM ("
        "  SELECT rowid, fieldnotes_rank(search, 5.0, 1.0, 1.0) AS score"
        "  FROM search WHERE search MATCH ?1 ORDER BY rowid DESC LIMIT ?3"
        ") AS h JOIN search_docs d ON d.docid = h.rowid ORDER BY h.score, h.rowid LIMIT ?2"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, query).bind(2, qint64(limit)).bind(3, qint64(kMaxRankedMatches));
    QList<SearchMatch> matches;
    if (auto rows = stmt->forEachRow([&] {
        SearchMatch match;
        match.docid = stmt->integer(0);
        match.hit.entity = entityFromName(stmt->text(1)).value_or(Entity::Account);
        match.hit.id = stmt->text(2);
        matches << std::move(match);
    }); !rows)
        return rows.error();
    return matches;
}

Result<void> Store::readSnippets(const QString &query, QList<SearchMatch> &matches)
{
    QHash<qint64, SearchMatch *> wanted;
    QByteArray docids = "[";
    qint64 first = std::numeric_limits<qint64>::max();
    qint64 last = std::numeric_limits<qint64>::min();
    for (SearchMatch &match : matches) {
        wanted.insert(match.docid, &match);
        if (docids.size() > 1)
            docids += ',';
        docids += QByteArray::number(match.docid);
        first = std::min(first, match.docid);
        last = std::max(last, match.docid);
    }
    if (wanted.isEmpty())
        return {};
    docids += ']';
    // The rowid range is FTS5's (it walks the doclists from the first to the last); `+rowid IN` is SQLite's, checked
    // before the snippet column is computed: only the wanted rows pay for one.
    auto stmt = m_db.cached(QByteArrayLiteral(
        "SELECT rowid, snippet(search, -1, char(57344), char(57345), '…', 24) FROM search"
        " WHERE search MATCH ?1 AND rowid BETWEEN ?2 AND ?3 AND +rowid IN (SELECT value FROM json_each(?4))"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, query).bind(2, first).bind(3, last).bind(4, docids);
    if (auto rows = stmt->forEachRow([&] {
        if (SearchMatch *match = wanted.value(stmt->integer(0)))
            setSnippet(match->hit, stmt->text(1));
    }); !rows)
        return rows.error();
    return {};
}

Store::PageCacheCounters Store::pageCacheCounters() const
{
    PageCacheCounters counters;
    int value = 0;
    int highwater = 0;
    if (sqlite3_db_status(m_db.handle(), SQLITE_DBSTATUS_CACHE_HIT, &value, &highwater, 0) == SQLITE_OK)
        counters.hits = value;
    if (sqlite3_db_status(m_db.handle(), SQLITE_DBSTATUS_CACHE_MISS, &value, &highwater, 0) == SQLITE_OK)
        counters.misses = value;
    return counters;
}

Result<QMap<Entity, int>> Store::counts()
{
    QMap<Entity, int> result;
    for (const EntitySpec &spec : allEntities()) {
        // Both counts read indexes only (migration 4); `deleted` is 0 or 1.
        const QByteArray sql = u"SELECT (SELECT count(*) FROM %1) - (SELECT count(*) FROM %1 WHERE deleted = 1)"_s
                                   .arg(spec.table)
                                   .toUtf8();
        auto count = m_db.scalar(sql.constData());
        if (!count)
            return count.error();
        result.insert(spec.entity, count->toInt());
    }
    return result;
}

Result<int> Store::pendingCount()
{
    return m_db.scalarInt("SELECT count(*) FROM outbox");
}

Result<QList<OutboxEntry>> Store::pendingMutations(int limit)
{
    auto stmt = m_db.cached(QByteArray("SELECT ") + kOutboxColumns + " FROM outbox ORDER BY seq LIMIT ?");
    if (!stmt)
        return stmt.error();
    stmt->bind(1, qint64(limit));
    QList<OutboxEntry> entries;
    if (auto rows = stmt->forEachRow([&] { entries << outboxFromRow(*stmt); }); !rows)
        return rows.error();
    return entries;
}

Result<QList<OutboxText>> Store::pendingMutationTexts(int limit, qint64 afterSeq)
{
    auto stmt = m_db.cached(QByteArrayLiteral(
        "SELECT seq, mutation_id, entity, record_id, op, hlc, fields, base FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?"));
    if (!stmt)
        return stmt.error();
    stmt->bind(1, afterSeq).bind(2, qint64(limit));
    QList<OutboxText> entries;
    entries.reserve(std::clamp(limit, 0, 1000));
    if (auto rows = stmt->forEachRow([&] {
        entries.append(OutboxText {stmt->integer(0), stmt->utf8(1), stmt->utf8(2), stmt->utf8(3), stmt->utf8(4),
                                   stmt->utf8(5), stmt->utf8(6), stmt->utf8(7)});
    }); !rows)
        return rows.error();
    return entries;
}

Result<OutboxVersion> Store::outboxVersion()
{
    auto stmt = m_db.cached(QByteArrayLiteral("PRAGMA data_version"));
    if (!stmt)
        return stmt.error();
    auto row = stmt->step();
    if (!row)
        return row.error();
    return OutboxVersion {m_outboxWrites, *row ? stmt->integer(0) : 0};
}

Result<QStringList> Store::verify()
{
    // integrity_check and cipher_integrity_check speak of pages and b-trees; the user gets one sentence per
    // check that failed, with the number of problems found.
    QStringList problems;
    const auto countRows = [this](const char *sql, bool okRowMeansSound) -> Result<int> {
        auto stmt = m_db.prepare(sql);
        if (!stmt)
            return stmt.error();
        int bad = 0;
        if (auto rows = stmt->forEachRow([&] {
            if (!okRowMeansSound || stmt->text(0) != u"ok"_s)
                ++bad;
        }); !rows)
            return rows.error();
        return bad;
    };
    auto structure = countRows("PRAGMA integrity_check", true);
    if (!structure)
        problems << structure.error().message;
    else if (*structure > 0)
        problems << u"The database file is damaged: %1 problems in its structure."_s.arg(*structure);
    auto pages = countRows("PRAGMA cipher_integrity_check", false);
    if (!pages)
        problems << pages.error().message;
    else if (*pages > 0)
        problems << u"The database file is damaged: %1 pages fail their authentication check."_s.arg(*pages);
    if (auto fts = m_db.exec("INSERT INTO search (search) VALUES ('integrity-check')"); !fts)
        problems << u"The search index is damaged."_s;
    return problems;
}

} // namespace fieldnotes
