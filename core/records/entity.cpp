#include "records/entity.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

constexpr int kNameLength = 500;
constexpr int kTextLength = 20000;
constexpr int kNotesLength = 1000000; // a day of notes; keeps one record well under the 4 MiB request limit
constexpr int kListLength = 1000;

QList<EntitySpec> buildSpecs()
{
    using T = FieldType;
    const QStringList channels{u"in_person"_s, u"phone"_s, u"video"_s, u"event"_s, u"other"_s};
    const QStringList kinds{u"need"_s, u"pain"_s, u"delight"_s, u"value"_s, u"competitor"_s, u"trend"_s, u"request"_s};
    return {
        {Entity::Account, u"account"_s, u"accounts"_s,
         {{u"name"_s, T::Text, true, {}, 0, 0, kNameLength},
          {u"domain"_s, T::Text, false, {}, 0, 0, kNameLength},
          {u"segment"_s, T::Text, false, {}, 0, 0, kNameLength},
          {u"owner_email"_s, T::Email}}},
        {Entity::Contact, u"contact"_s, u"contacts"_s,
         {{u"account_id"_s, T::Uuid},
          {u"name"_s, T::Text, true, {}, 0, 0, kNameLength},
          {u"title"_s, T::Text, false, {}, 0, 0, kNameLength},
          {u"email"_s, T::Email},
          {u"phone"_s, T::Text, false, {}, 0, 0, 64}}},
        {Entity::Conversation, u"conversation"_s, u"conversations"_s,
         {{u"account_id"_s, T::Uuid},
          {u"contact_ids"_s, T::UuidList, false, {}, 0, 0, kListLength},
          {u"title"_s, T::Text, false, {}, 0, 0, kNameLength},
          {u"occurred_at"_s, T::Timestamp},
          {u"channel"_s, T::Choice, false, channels},
          {u"consent"_s, T::Boolean},
          {u"notes"_s, T::Text, false, {}, 0, 0, kNotesLength},
          {u"status"_s, T::Choice, false, {u"draft"_s, u"final"_s}}}},
        {Entity::Insight, u"insight"_s, u"insights"_s,
         {{u"conversation_id"_s, T::Uuid},
          {u"account_id"_s, T::Uuid},
          {u"kind"_s, T::Choice, true, kinds},
          {u"text"_s, T::Text, true, {}, 0, 0, kTextLength},
          {u"quote"_s, T::Text, false, {}, 0, 0, kTextLength},
          {u"importance"_s, T::Integer, false, {}, 1, 5},
          {u"tags"_s, T::UuidList, false, {}, 0, 0, kListLength},
          {u"published"_s, T::Boolean}}},
        {Entity::Tag, u"tag"_s, u"tags"_s,
         {{u"name"_s, T::Text, true, {}, 0, 0, 100}, {u"color"_s, T::Color}}},
        {Entity::Lead, u"lead"_s, u"leads"_s,
         {{u"account_id"_s, T::Uuid, true},
          {u"recommendation"_s, T::Text, true, {}, 0, 0, kTextLength},
          {u"priority"_s, T::Integer, false, {}, 1, 3},
          {u"horizon"_s, T::Choice, false, {u"now"_s, u"quarter"_s, u"year"_s}},
          {u"status"_s, T::Choice, false, {u"open"_s, u"accepted"_s, u"declined"_s, u"done"_s}},
          {u"outcome"_s, T::Text, false, {}, 0, 0, kTextLength}}},
        {Entity::Guide, u"guide"_s, u"guides"_s,
         {{u"title"_s, T::Text, true, {}, 0, 0, kNameLength},
          {u"questions"_s, T::TextList, false, {}, 0, 0, 200}}},
    };
}

} // namespace

const FieldSpec *EntitySpec::field(QStringView fieldName) const
{
    for (const FieldSpec &f : fields) {
        if (f.name == fieldName)
            return &f;
    }
    return nullptr;
}

const QList<EntitySpec> &allEntities()
{
    static const QList<EntitySpec> specs = buildSpecs();
    return specs;
}

const EntitySpec &entitySpec(Entity entity)
{
    return allEntities().at(static_cast<int>(entity));
}

std::optional<Entity> entityFromName(QStringView name)
{
    for (const EntitySpec &spec : allEntities()) {
        if (spec.name == name)
            return spec.entity;
    }
    return std::nullopt;
}

QString entityName(Entity entity)
{
    return entitySpec(entity).name;
}

QStringList entityNames()
{
    QStringList names;
    for (const EntitySpec &spec : allEntities())
        names << spec.name;
    return names;
}

} // namespace fieldnotes
