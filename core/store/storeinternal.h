#pragma once

// Helpers shared by the Store's translation units (store.cpp, storesync.cpp); not part of its interface.

#include "records/entity.h"
#include "records/recordid.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

namespace fieldnotes::storeinternal {

inline QString newId()
{
    return newRecordId();
}

inline QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

inline QJsonObject parseObject(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

inline bool isSearchable(Entity entity)
{
    return entity == Entity::Account || entity == Entity::Conversation || entity == Entity::Insight;
}

/// The outbox columns outboxFromRow() reads, in its order: select them first.
inline constexpr char kOutboxColumns[] = "seq, mutation_id, entity, record_id, op, hlc, fields, base";

/// One outbox entry from a row that starts with kOutboxColumns.
inline OutboxEntry outboxFromRow(const Statement &stmt)
{
    OutboxEntry entry;
    entry.seq = stmt.integer(0);
    entry.mutationId = stmt.text(1);
    entry.entity = entityFromName(stmt.text(2)).value_or(Entity::Account);
    entry.recordId = stmt.text(3);
    entry.op = stmt.text(4);
    entry.hlc = stmt.text(5);
    entry.fields = parseObject(stmt.text(6));
    entry.base = parseObject(stmt.text(7));
    return entry;
}

} // namespace fieldnotes::storeinternal
