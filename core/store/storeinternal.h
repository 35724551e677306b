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

/// Appends `text` to `json` if it is plain JSON text (printable ASCII without `"` and `\`) and answers whether it
/// was; checks and copies in one pass (a pull writes ~20 such texts per record). On false, `json` is unchanged.
/// Field names, hlc strings and ids never need escaping in JSON: for them, the text is written directly instead of
/// through a QJsonObject (one per record written). Anything else takes the QJsonDocument route.
inline bool appendPlainJsonText(QByteArray &json, QStringView text)
{
    const qsizetype start = json.size();
    json.resize(start + text.size());
    char *out = json.data() + start;
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u > 0x7e || u == u'"' || u == u'\\') {
            json.truncate(start);
            return false;
        }
        *out++ = char(u);
    }
    return true;
}

/// A JSON array of strings, compact: the same text as QJsonDocument writes.
inline QByteArray jsonStringArray(const QStringList &texts)
{
    QByteArray json;
    json.reserve(2 + texts.size() * 40);
    json += '[';
    for (const QString &text : texts) {
        if (json.size() > 1)
            json += ',';
        json += '"';
        if (!appendPlainJsonText(json, text))
            return QJsonDocument(QJsonArray::fromStringList(texts)).toJson(QJsonDocument::Compact);
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
