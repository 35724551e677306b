#pragma once

// Helpers shared by the Store's translation units (store.cpp, storesync.cpp); not part of its interface.

#include "records/entity.h"
#include "records/recordid.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <algorithm>

namespace fieldnotes::storeinternal {

inline QString newId()
{
    return newRecordId();
}

inline QByteArray compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// Field names, hlc strings and ids never need escaping in JSON: for them, the text is written directly instead of
// through a QJsonObject (one per record written). Anything else takes the QJsonDocument route.
inline bool isPlainJsonText(QStringView text)
{
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u > 0x7e || u == u'"' || u == u'\\')
            return false;
    }
    return true;
}

/// A JSON array of strings, compact: the same text as QJsonDocument writes.
inline QByteArray jsonStringArray(const QStringList &texts)
{
    if (!std::all_of(texts.begin(), texts.end(), [](const QString &t) { return isPlainJsonText(t); }))
        return QJsonDocument(QJsonArray::fromStringList(texts)).toJson(QJsonDocument::Compact);
    QByteArray json;
    json.reserve(2 + texts.size() * 40);
    json += '[';
    for (const QString &text : texts) {
        if (json.size() > 1)
            json += ',';
        json += '"';
        json += text.toLatin1(); // printable ASCII, checked above
        json += '"';
    }
    json += ']';
    return json;
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
