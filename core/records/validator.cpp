#include "records/validator.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRegularExpression>

#include <algorithm>
#include <iterator>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

constexpr int kDefaultTextLength = 20000;

Error invalid(Entity entity, const QString &field, const QString &rule)
{
    return makeError(ErrorCode::InvalidInput, u"%1.%2 %3"_s.arg(entityName(entity), field, rule));
}

bool isEmail(const QString &text)
{
    static const QRegularExpression re(u"^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"_s);
    return text.size() <= 320 && re.match(text).hasMatch();
}

bool isHexDigit(char16_t c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

bool isDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

// Whether `text` has exactly the shape of `pattern`, where 'x' is a hex digit, 'd' a decimal digit, and any other
// character itself. Checked by hand, not by a regular expression: a push validates thousands of ids and times.
bool hasShape(QStringView text, QLatin1StringView pattern)
{
    if (text.size() != pattern.size())
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        const char p = pattern[i].toLatin1();
        if (p == 'x' ? !isHexDigit(c) : p == 'd' ? !isDigit(c) : c != char16_t(p))
            return false;
    }
    return true;
}

bool isColor(const QString &text)
{
    return hasShape(text, "#xxxxxx"_L1);
}

// No control characters other than tab and newlines: they break exports and terminals.
bool hasOnlyPrintable(QStringView text)
{
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\t' && u != u'\n' && u != u'\r') || u == 0x7f)
            return false;
    }
    return true;
}

} // namespace

bool Validator::isUuid(QStringView text)
{
    return hasShape(text, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"_L1);
}

bool Validator::isTimestamp(QStringView text)
{
    // ISO 8601 in UTC, seconds required, optional fraction: 2026-11-28T09:30:00Z or …:00.123Z
    static constexpr QLatin1StringView kShapes[] {"dddd-dd-ddTdd:dd:ddZ"_L1, "dddd-dd-ddTdd:dd:dd.dZ"_L1,
        "dddd-dd-ddTdd:dd:dd.ddZ"_L1, "dddd-dd-ddTdd:dd:dd.dddZ"_L1};
    const auto fits = [&](QLatin1StringView shape) { return hasShape(text, shape); };
    if (std::none_of(std::begin(kShapes), std::end(kShapes), fits))
        return false;
    return QDateTime::fromString(text.toString(), Qt::ISODateWithMs).isValid();
}

Result<void> Validator::validateValue(Entity entity, const FieldSpec &spec, const QJsonValue &value)
{
    if (value.isNull()) {
        if (spec.requiredOnCreate)
            return invalid(entity, spec.name, u"is required and cannot be null"_s);
        return {};
    }
    const int maxLength = spec.maxLength > 0 ? spec.maxLength : kDefaultTextLength;
    switch (spec.type) {
    case FieldType::Text: {
        if (!value.isString())
            return invalid(entity, spec.name, u"must be a string"_s);
        const QString text = value.toString();
        if (spec.requiredOnCreate && text.trimmed().isEmpty())
            return invalid(entity, spec.name, u"must not be empty"_s);
        if (text.size() > maxLength)
            return invalid(entity, spec.name, u"must be at most %1 characters"_s.arg(maxLength));
        if (!hasOnlyPrintable(text))
            return invalid(entity, spec.name, u"must not contain control characters"_s);
        return {};
    }
    case FieldType::Uuid:
        if (!value.isString() || !isUuid(value.toString()))
            return invalid(entity, spec.name, u"must be a UUID string"_s);
        return {};
    case FieldType::UuidList:
    case FieldType::TextList: {
        if (!value.isArray())
            return invalid(entity, spec.name, u"must be an array"_s);
        const QJsonArray items = value.toArray();
        if (items.size() > maxLength)
            return invalid(entity, spec.name, u"must have at most %1 items"_s.arg(maxLength));
        for (const QJsonValue &item : items) {
            if (!item.isString())
                return invalid(entity, spec.name, u"must hold only strings"_s);
            const QString text = item.toString();
            if (spec.type == FieldType::UuidList && !isUuid(text))
                return invalid(entity, spec.name, u"must hold only UUID strings"_s);
            if (spec.type == FieldType::TextList
                && (text.size() > kDefaultTextLength || !hasOnlyPrintable(text)))
                return invalid(entity, spec.name, u"must hold strings of printable text up to %1 characters"_s
                                                      .arg(kDefaultTextLength));
        }
        return {};
    }
    case FieldType::Choice:
        if (!value.isString() || !spec.choices.contains(value.toString()))
            return invalid(entity, spec.name, u"must be one of: %1"_s.arg(spec.choices.join(u", "_s)));
        return {};
    case FieldType::Integer: {
        const double number = value.toDouble();
        // Range first: converting an out-of-range double to int is undefined.
        if (!value.isDouble() || !(number >= spec.minimum && number <= spec.maximum)
            || number != static_cast<double>(static_cast<int>(number)))
            return invalid(entity, spec.name, u"must be an integer from %1 to %2"_s.arg(spec.minimum).arg(spec.maximum));
        return {};
    }
    case FieldType::Boolean:
        if (!value.isBool())
            return invalid(entity, spec.name, u"must be true or false"_s);
        return {};
    case FieldType::Timestamp:
        if (!value.isString() || !isTimestamp(value.toString()))
            return invalid(entity, spec.name, u"must be an ISO 8601 UTC time like 2026-11-28T09:30:00Z"_s);
        return {};
    case FieldType::Email:
        if (!value.isString() || !isEmail(value.toString()))
            return invalid(entity, spec.name, u"must be an email address"_s);
        return {};
    case FieldType::Color:
        if (!value.isString() || !isColor(value.toString()))
            return invalid(entity, spec.name, u"must be a colour like #1E88E5"_s);
        return {};
    }
    return invalid(entity, spec.name, u"has an unknown type"_s);
}

Result<void> Validator::validateFields(Entity entity, const QJsonObject &fields, Mode mode)
{
    const EntitySpec &spec = entitySpec(entity);
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const FieldSpec *field = spec.field(it.key());
        if (!field) {
            // The unknown name is the caller's own input, but keep it short in case it is not a name at all.
            return makeError(ErrorCode::InvalidInput,
                             u"%1 has no field \"%2\"; known fields: %3"_s.arg(spec.name, it.key().left(64),
                                                                               [&] {
                                                                                   QStringList names;
                                                                                   for (const FieldSpec &f : spec.fields)
                                                                                       names << f.name;
                                                                                   return names.join(u", "_s);
                                                                               }()));
        }
        if (auto valid = validateValue(entity, *field, it.value()); !valid)
            return valid.error();
    }
    if (mode == Mode::Create) {
        for (const FieldSpec &field : spec.fields) {
            if (field.requiredOnCreate && !fields.contains(field.name))
                return invalid(entity, field.name, u"is required"_s);
        }
    }
    return {};
}

} // namespace fieldnotes
