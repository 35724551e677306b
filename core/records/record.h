#pragma once

#include "records/entity.h"
#include "records/hlc.h"

#include <QJsonObject>
#include <QMap>

namespace fieldnotes {

/** One record as the store and the wire know it: API field names and values, and each field's HLC. */
struct Record
{
    Entity entity = Entity::Account;
    QString id; ///< UUID, lowercase, no braces
    QJsonObject fields;
    QMap<QString, QString> fieldHlcs; ///< field name -> Hlc string
    QString hlc; ///< the newest stamp of any field or of the delete
    bool deleted = false;

    /// Fields plus "id", as `fieldnotes-cli get` prints a record.
    QJsonObject toJson() const
    {
        QJsonObject json = fields;
        json.insert(QStringLiteral("id"), id);
        return json;
    }
};

} // namespace fieldnotes
