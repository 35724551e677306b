#pragma once

// Helpers shared by the Store's translation units (store.cpp, storesync.cpp); not part of its interface.

#include "records/entity.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <QUuid>

namespace fieldnotes::storeinternal {

inline QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
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

} // namespace fieldnotes::storeinternal
