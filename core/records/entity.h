#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace fieldnotes {

/** The record kinds that sync between devices and the server (SYNC-API.md, "Fields by entity"). */
enum class Entity { Account, Contact, Conversation, Insight, Tag, Lead, Guide };

/** How a field's JSON value is checked and stored. */
enum class FieldType {
    Text, ///< a string
    Uuid, ///< a reference to another record: a UUID string
    UuidList, ///< an array of UUID strings
    TextList, ///< an array of strings
    Choice, ///< one string out of FieldSpec::choices
    Integer, ///< an integer within [minimum, maximum]
    Boolean,
    Timestamp, ///< ISO 8601 UTC, e.g. 2026-11-28T09:30:00Z
    Email,
    Color, ///< #RRGGBB
};

/** One field of an entity: its wire name and the rules its values follow. */
struct FieldSpec
{
    QString name;
    FieldType type = FieldType::Text;
    bool requiredOnCreate = false;
    QStringList choices = {};
    int minimum = 0;
    int maximum = 0;
    int maxLength = 0; ///< characters for text, items for lists; 0 = the type's default
};

/** The wire name, storage table and fields of one entity. */
struct EntitySpec
{
    Entity entity;
    QString name; ///< wire name, e.g. "insight"
    QString table; ///< local table name, e.g. "insights"
    QList<FieldSpec> fields;

    const FieldSpec *field(QStringView fieldName) const;
};

const QList<EntitySpec> &allEntities();
const EntitySpec &entitySpec(Entity entity);
std::optional<Entity> entityFromName(QStringView name);
QString entityName(Entity entity);
QStringList entityNames();

} // namespace fieldnotes
