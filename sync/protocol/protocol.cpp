#include "protocol/protocol.h"

#include "protocol/plainjsonreader.h"

#include "records/validator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <initializer_list>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::protocol {

namespace {

Error bad(const QString &path, const QString &rule)
{
    return makeError(ErrorCode::InvalidInput, u"%1: %2"_s.arg(path, rule));
}

// A key is the caller's own input: name it in a path only when it looks like a name.
bool isPlainKey(const QString &key)
{
    if (key.isEmpty() || key.size() > 64)
        return false;
    for (QChar c : key) {
        const char16_t u = c.unicode();
        if (!((u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9') || u == u'_'))
            return false;
    }
    return true;
}

QString child(const QString &path, const QString &key)
{
    return isPlainKey(key) ? u"%1.%2"_s.arg(path, key) : path;
}

// The path an item of a body is decoded under first: the real one ("changes[12]") is built only for a message.
const QString kItemPath = u"item"_s;

QString item(const QString &path, qsizetype index)
{
    return u"%1[%2]"_s.arg(path).arg(index);
}

Result<void> onlyKeys(const QJsonObject &object, const QString &path, std::initializer_list<QStringView> allowed)
{
    // Counting the allowed keys present (lookups, no QString per key) settles the usual case; the walk below finds
    // the first unknown key for the message.
    qsizetype present = 0;
    for (QStringView a : allowed)
        present += object.contains(a) ? 1 : 0;
    if (present == object.size())
        return {};
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool known = false;
        for (QStringView a : allowed)
            known = known || it.key() == a;
        if (!known)
            return bad(child(path, it.key()), u"unknown key"_s);
    }
    return {};
}

Result<QJsonObject> asObject(const QJsonValue &value, const QString &path)
{
    if (!value.isObject())
        return bad(path, u"must be an object"_s);
    return value.toObject();
}

// Paths are built only for an error message: a pull page decodes tens of thousands of values.
Result<QString> requiredString(const QJsonObject &object, const QString &key, const QString &path, int maxLength)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined())
        return bad(child(path, key), u"is required"_s);
    if (!v.isString())
        return bad(child(path, key), u"must be a string"_s);
    QString text = v.toString();
    if (text.size() > maxLength)
        return bad(child(path, key), u"must be at most %1 characters"_s.arg(maxLength));
    return text;
}

// 8-4-4-4-12 hex digits: a UUID by the Validator's rule too, without its regular expression (a pull page has a
// thousand record ids, a push answer five hundred mutation ids). Anything else is left to the Validator.
bool isPlainUuid(QStringView text)
{
    if (text.size() != 36)
        return false;
    for (qsizetype i = 0; i < 36; ++i) {
        const char16_t c = text[i].unicode();
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != u'-')
                return false;
        } else if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F'))) {
            return false;
        }
    }
    return true;
}

Result<QString> requiredUuid(const QJsonObject &object, const QString &key, const QString &path)
{
    auto text = requiredString(object, key, path, 36);
    if (!text)
        return text.error();
    if (!isPlainUuid(*text) && !Validator::isUuid(*text))
        return bad(child(path, key), u"must be a UUID"_s);
    return text->toLower();
}

// std::nullopt when `value` is not an hlc in its one canonical form. Hlc::parse takes exactly 13 and 4 ASCII digits
// and a device id, so what it accepts is canonical: toString() gives the same text back (not re-checked here).
std::optional<Hlc> hlcFromText(const QString &text)
{
    return text.size() <= 96 ? Hlc::parse(text) : std::nullopt;
}

std::optional<Hlc> hlcFrom(const QJsonValue &value)
{
    return value.isString() ? hlcFromText(value.toString()) : std::nullopt;
}

Result<Hlc> parseHlc(const QJsonValue &value, const QString &path)
{
    if (!value.isString())
        return bad(path, u"must be an hlc string"_s);
    auto hlc = hlcFrom(value);
    if (!hlc)
        return bad(path, u"must be an hlc like 1732780800000-0000-<device id>"_s);
    return *hlc;
}

Result<Hlc> requiredHlc(const QJsonObject &object, const QString &key, const QString &path)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined())
        return bad(child(path, key), u"is required"_s);
    if (auto hlc = hlcFrom(v))
        return *hlc;
    return parseHlc(v, child(path, key));
}

Result<bool> requiredBool(const QJsonObject &object, const QString &key, const QString &path)
{
    const QJsonValue v = object.value(key);
    if (v.isUndefined())
        return bad(child(path, key), u"is required"_s);
    if (!v.isBool())
        return bad(child(path, key), u"must be true or false"_s);
    return v.toBool();
}

Result<Entity> requiredEntity(const QJsonObject &object, const QString &path)
{
    auto name = requiredString(object, u"entity"_s, path, 64);
    if (!name)
        return name.error();
    const auto entity = entityFromName(*name);
    if (!entity)
        return bad(child(path, u"entity"_s), u"must be one of: %1"_s.arg(entityNames().join(u", "_s)));
    return *entity;
}

// The shared Validator decides; this only moves its "<entity>.<field> rule" message under the JSON path.
Result<void> validateField(Entity entity, const QString &field, const QJsonValue &value, const QString &fieldsPath)
{
    auto valid = Validator::validateFields(entity, QJsonObject {{field, value}}, Validator::Mode::Update);
    if (valid)
        return {};
    const QString prefix = u"%1.%2 "_s.arg(entityName(entity), field);
    const QString &message = valid.error().message;
    if (message.startsWith(prefix))
        return bad(child(fieldsPath, field), message.mid(prefix.size()));
    return bad(fieldsPath, message);
}

// Ids are stored lowercase whatever case the client sent (docs/sync-api.md, project notes).
QJsonValue normalised(Entity entity, const QString &field, const QJsonValue &value)
{
    const FieldSpec *spec = entitySpec(entity).field(field);
    if (!spec)
        return value;
    if (spec->type == FieldType::Uuid && value.isString())
        return value.toString().toLower();
    if (spec->type == FieldType::UuidList && value.isArray()) {
        QJsonArray lower;
        for (const QJsonValue &v : value.toArray())
            lower.append(v.toString().toLower());
        return lower;
    }
    return value;
}

// Whether normalised() would change the value: ids that are not all lowercase.
bool needsNormalising(const FieldSpec &spec, const QJsonValue &value)
{
    const auto isLower = [](const QString &text) { return text == text.toLower(); };
    if (spec.type == FieldType::Uuid)
        return value.isString() && !isLower(value.toString());
    if (spec.type == FieldType::UuidList && value.isArray()) {
        const QJsonArray items = value.toArray();
        for (const QJsonValue &v : items) {
            if (!isLower(v.toString()))
                return true;
        }
    }
    return false;
}

// decodeFields without a new object: every member is known and valid and already normalised, so the input is the
// result. Looks the entity's fields up by name (no QString per key, no QJsonObject per value); false sends the
// caller down the full path, which names the first problem or builds the normalised copy.
bool fieldsValidAsTheyAre(Entity entity, const QJsonObject &object)
{
    qsizetype known = 0;
    for (const FieldSpec &spec : entitySpec(entity).fields) {
        const QJsonValue value = object.value(spec.name);
        if (value.isUndefined())
            continue;
        ++known;
        if (!Validator::validateValue(entity, spec, value) || needsNormalising(spec, value))
            return false;
    }
    return known == object.size(); // else a member the entity does not have
}

// `pathOf()` names the fields in a message; it is only called for one (a push or a page decodes many that have none).
template<typename PathOf> Result<QJsonObject> decodeFields(Entity entity, const QJsonValue &value, PathOf pathOf)
{
    if (value.isObject()) {
        QJsonObject object = value.toObject();
        if (fieldsValidAsTheyAre(entity, object))
            return object;
    }
    const QString path = pathOf();
    auto object = asObject(value, path);
    if (!object)
        return object.error();
    QJsonObject out;
    for (auto it = object->begin(); it != object->end(); ++it) {
        if (auto valid = validateField(entity, it.key(), it.value(), path); !valid)
            return valid.error();
        out.insert(it.key(), normalised(entity, it.key(), it.value()));
    }
    return out;
}

Result<int> nestingDepthCheck(const QByteArray &body)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : body) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth)
                return makeError(
                    ErrorCode::InvalidInput, u"JSON is nested more than %1 levels deep"_s.arg(kMaxJsonDepth));
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return depth;
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

const QStringList &roleNames()
{
    static const QStringList names {u"admin"_s, u"marketer"_s, u"sales"_s};
    return names;
}

} // namespace

QString opName(Op op)
{
    return op == Op::Upsert ? u"upsert"_s : u"delete"_s;
}

QString statusName(MutationStatus status)
{
    switch (status) {
    case MutationStatus::Applied:
        return u"applied"_s;
    case MutationStatus::Duplicate:
        return u"duplicate"_s;
    case MutationStatus::Superseded:
        return u"superseded"_s;
    case MutationStatus::Rejected:
        return u"rejected"_s;
    }
    return u"rejected"_s;
}

namespace {
struct ApiErrorInfo
{
    ApiErrorCode code;
    QStringView name;
    int status;
};
constexpr ApiErrorInfo kApiErrors[] = {
    {ApiErrorCode::BadRequest, u"bad_request", 400},
    {ApiErrorCode::Unauthenticated, u"unauthenticated", 401},
    {ApiErrorCode::DeviceRevoked, u"device_revoked", 401},
    {ApiErrorCode::Forbidden, u"forbidden", 403},
    {ApiErrorCode::NotFound, u"not_found", 404},
    {ApiErrorCode::MethodNotAllowed, u"method_not_allowed", 405},
    {ApiErrorCode::Conflict, u"conflict", 409},
    {ApiErrorCode::TooLarge, u"too_large", 413},
    {ApiErrorCode::UnsupportedMediaType, u"unsupported_media_type", 415},
    {ApiErrorCode::RateLimited, u"rate_limited", 429},
    {ApiErrorCode::Internal, u"internal", 500},
};
} // namespace

QString apiErrorCodeName(ApiErrorCode code)
{
    for (const auto &e : kApiErrors) {
        if (e.code == code)
            return e.name.toString();
    }
    return u"internal"_s;
}

std::optional<ApiErrorCode> apiErrorCodeFromName(QStringView name)
{
    for (const auto &e : kApiErrors) {
        if (e.name == name)
            return e.code;
    }
    return std::nullopt;
}

int httpStatus(ApiErrorCode code)
{
    for (const auto &e : kApiErrors) {
        if (e.code == code)
            return e.status;
    }
    return 500;
}

Result<QJsonObject> parseObject(const QByteArray &body)
{
    if (body.size() > kMaxBodyBytes)
        return makeError(ErrorCode::InvalidInput, u"the body is larger than %1 bytes"_s.arg(kMaxBodyBytes));
    if (auto depth = nestingDepthCheck(body); !depth)
        return depth.error();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::InvalidInput, u"malformed JSON at offset %1"_s.arg(parseError.offset));
    if (!document.isObject())
        return makeError(ErrorCode::InvalidInput, u"the body must be a JSON object"_s);
    return document.object();
}

// ---- Mutation

Result<Mutation> decodeMutation(const QJsonValue &json, const QString &path)
{
    auto object = asObject(json, path);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, path, {u"id", u"entity", u"record_id", u"op", u"hlc", u"fields", u"base"}); !keys)
        return keys.error();
    Mutation m;
    auto id = requiredUuid(*object, u"id"_s, path);
    if (!id)
        return id.error();
    m.id = *id;
    auto entity = requiredEntity(*object, path);
    if (!entity)
        return entity.error();
    m.entity = *entity;
    auto recordId = requiredUuid(*object, u"record_id"_s, path);
    if (!recordId)
        return recordId.error();
    m.recordId = *recordId;
    auto op = requiredString(*object, u"op"_s, path, 16);
    if (!op)
        return op.error();
    if (*op == u"upsert"_s)
        m.op = Op::Upsert;
    else if (*op == u"delete"_s)
        m.op = Op::Delete;
    else
        return bad(path + u".op"_s, u"must be upsert or delete"_s);
    auto hlc = requiredHlc(*object, u"hlc"_s, path);
    if (!hlc)
        return hlc.error();
    m.hlc = *hlc;

    // Paths are built only for a message: a push decodes hundreds of mutations that have none.
    const auto fieldsPath = [&] { return path + u".fields"_s; };
    if (m.op == Op::Delete) {
        if (object->contains(u"fields"_s))
            return bad(fieldsPath(), u"must be absent for a delete"_s);
    } else {
        const QJsonValue fields = object->value(u"fields"_s);
        if (fields.isUndefined())
            return bad(fieldsPath(), u"is required for an upsert"_s);
        auto decoded = decodeFields(m.entity, fields, fieldsPath);
        if (!decoded)
            return decoded.error();
        m.fields = std::move(*decoded);
    }

    const auto basePath = [&] { return path + u".base"_s; };
    const QJsonValue baseValue = object->value(u"base"_s);
    if (!baseValue.isUndefined() && !baseValue.isNull()) {
        if (!baseValue.isObject())
            return asObject(baseValue, basePath()).error();
        const QJsonObject base = baseValue.toObject();
        for (auto it = base.begin(); it != base.end(); ++it) {
            const QString field = it.key();
            if (!m.fields.contains(field))
                return bad(child(basePath(), field), u"names no field this mutation changes"_s);
            const QJsonValue stamp = it.value();
            if (stamp.isNull()) {
                m.base.insert(field, std::nullopt);
                continue;
            }
            auto baseHlc = hlcFrom(stamp);
            if (!baseHlc)
                return parseHlc(stamp, child(basePath(), field)).error();
            m.base.insert(field, std::move(*baseHlc));
        }
    }
    return m;
}

QJsonObject toJson(const Mutation &m)
{
    QJsonObject json {
        {u"id"_s, m.id},
        {u"entity"_s, entityName(m.entity)},
        {u"record_id"_s, m.recordId},
        {u"op"_s, opName(m.op)},
        {u"hlc"_s, m.hlc.toString()},
    };
    if (m.op == Op::Upsert)
        json.insert(u"fields"_s, m.fields);
    if (!m.base.isEmpty()) {
        QJsonObject base;
        for (auto it = m.base.begin(); it != m.base.end(); ++it)
            base.insert(it.key(), it.value() ? QJsonValue(it.value()->toString()) : QJsonValue(QJsonValue::Null));
        json.insert(u"base"_s, base);
    }
    return json;
}

// ---- MutationResult

Result<MutationResult> decodeMutationResult(const QJsonValue &json, const QString &path)
{
    auto object = asObject(json, path);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, path, {u"id", u"status", u"lost_fields", u"error", u"message"}); !keys)
        return keys.error();
    MutationResult r;
    auto id = requiredUuid(*object, u"id"_s, path);
    if (!id)
        return id.error();
    r.id = *id;
    auto status = requiredString(*object, u"status"_s, path, 16);
    if (!status)
        return status.error();
    bool known = false;
    for (auto s :
        {MutationStatus::Applied, MutationStatus::Duplicate, MutationStatus::Superseded, MutationStatus::Rejected}) {
        if (statusName(s) == *status) {
            r.status = s;
            known = true;
        }
    }
    if (!known)
        return bad(path + u".status"_s, u"must be applied, duplicate, superseded or rejected"_s);
    if (object->contains(u"lost_fields"_s)) {
        const QString p = path + u".lost_fields"_s;
        const QJsonValue lost = object->value(u"lost_fields"_s);
        if (!lost.isArray())
            return bad(p, u"must be an array"_s);
        const QJsonArray items = lost.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (!items.at(i).isString() || !isPlainKey(items.at(i).toString()))
                return bad(item(p, i), u"must be a field name"_s);
            r.lostFields << items.at(i).toString();
        }
    }
    const bool rejected = r.status == MutationStatus::Rejected;
    if (rejected != object->contains(u"error"_s))
        return bad(path + u".error"_s, rejected ? u"is required when rejected"_s : u"is only allowed when rejected"_s);
    if (rejected) {
        auto error = requiredString(*object, u"error"_s, path, 64);
        if (!error)
            return error.error();
        if (!apiErrorCodeFromName(*error))
            return bad(path + u".error"_s, u"must be an error code"_s);
        r.error = *error;
    }
    if (object->contains(u"message"_s)) {
        auto message = requiredString(*object, u"message"_s, path, 1000);
        if (!message)
            return message.error();
        r.message = *message;
    }
    return r;
}

QJsonObject toJson(const MutationResult &r)
{
    QJsonObject json {{u"id"_s, r.id}, {u"status"_s, statusName(r.status)}};
    if (r.status == MutationStatus::Superseded || !r.lostFields.isEmpty())
        json.insert(u"lost_fields"_s, QJsonArray::fromStringList(r.lostFields));
    if (r.status == MutationStatus::Rejected) {
        json.insert(u"error"_s, r.error.isEmpty() ? u"bad_request"_s : r.error);
        if (!r.message.isEmpty())
            json.insert(u"message"_s, r.message);
    }
    return json;
}

// ---- Change

QJsonObject toJson(const Conflict &c)
{
    return QJsonObject {
        {u"field"_s, c.field}, {u"value"_s, c.value}, {u"hlc"_s, c.hlc.toString()}, {u"device_id"_s, c.deviceId}};
}

Result<Change> decodeChange(const QJsonValue &json, const QString &path)
{
    auto object = asObject(json, path);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(
            *object, path, {u"entity", u"record_id", u"deleted", u"fields", u"field_hlcs", u"hlc", u"conflicts"});
        !keys)
        return keys.error();
    Change c;
    auto entity = requiredEntity(*object, path);
    if (!entity)
        return entity.error();
    c.entity = *entity;
    const EntitySpec &spec = entitySpec(c.entity);
    auto recordId = requiredUuid(*object, u"record_id"_s, path);
    if (!recordId)
        return recordId.error();
    c.recordId = *recordId;
    auto deleted = requiredBool(*object, u"deleted"_s, path);
    if (!deleted)
        return deleted.error();
    c.deleted = *deleted;
    auto hlc = requiredHlc(*object, u"hlc"_s, path);
    if (!hlc)
        return hlc.error();
    c.hlc = *hlc;

    const auto fieldsPath = [&] { return path + u".fields"_s; };
    const QJsonValue fields = object->value(u"fields"_s);
    if (c.deleted) {
        if (!fields.isUndefined())
            return bad(fieldsPath(), u"must be absent when deleted"_s);
    } else {
        if (fields.isUndefined())
            return bad(fieldsPath(), u"is required"_s);
        auto decoded = decodeFields(c.entity, fields, fieldsPath);
        if (!decoded)
            return decoded.error();
        c.fields = std::move(*decoded);
    }

    if (const QJsonValue fieldHlcs = object->value(u"field_hlcs"_s); !fieldHlcs.isUndefined()) {
        const auto p = [&] { return path + u".field_hlcs"_s; };
        if (!fieldHlcs.isObject())
            return bad(p(), u"must be an object"_s);
        const QJsonObject hlcs = fieldHlcs.toObject();
        for (auto it = hlcs.begin(); it != hlcs.end(); ++it) {
            const QString field = it.key();
            if (!spec.field(field))
                return bad(child(p(), field), u"%1 has no such field"_s.arg(spec.name));
            auto fieldHlc = hlcFrom(it.value());
            if (!fieldHlc)
                return parseHlc(it.value(), child(p(), field)).error();
            c.fieldHlcs.insert(field, std::move(*fieldHlc));
        }
    }

    if (object->contains(u"conflicts"_s)) {
        const QString p = path + u".conflicts"_s;
        const QJsonValue conflicts = object->value(u"conflicts"_s);
        if (!conflicts.isArray())
            return bad(p, u"must be an array"_s);
        const QJsonArray items = conflicts.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QString ip = item(p, i);
            auto co = asObject(items.at(i), ip);
            if (!co)
                return co.error();
            if (auto keys = onlyKeys(*co, ip, {u"field", u"value", u"hlc", u"device_id"}); !keys)
                return keys.error();
            Conflict conflict;
            auto field = requiredString(*co, u"field"_s, ip, 64);
            if (!field)
                return field.error();
            if (!spec.field(*field))
                return bad(ip + u".field"_s, u"%1 has no such field"_s.arg(spec.name));
            conflict.field = *field;
            if (!co->contains(u"value"_s))
                return bad(ip + u".value"_s, u"is required"_s);
            if (auto valid = validateField(c.entity, conflict.field, co->value(u"value"_s), ip + u".value"_s); !valid)
                return valid.error();
            conflict.value = normalised(c.entity, conflict.field, co->value(u"value"_s));
            auto conflictHlc = requiredHlc(*co, u"hlc"_s, ip);
            if (!conflictHlc)
                return conflictHlc.error();
            conflict.hlc = *conflictHlc;
            auto device = requiredString(*co, u"device_id"_s, ip, 64);
            if (!device)
                return device.error();
            if (!HlcClock::isValidDeviceId(*device))
                return bad(ip + u".device_id"_s, u"must be a device id"_s);
            conflict.deviceId = *device;
            c.conflicts << conflict;
        }
    }
    return c;
}

QJsonObject toJson(const Change &c)
{
    QJsonObject json {
        {u"entity"_s, entityName(c.entity)},
        {u"record_id"_s, c.recordId},
        {u"deleted"_s, c.deleted},
        {u"hlc"_s, c.hlc.toString()},
    };
    if (!c.deleted)
        json.insert(u"fields"_s, c.fields);
    QJsonObject hlcs;
    for (auto it = c.fieldHlcs.begin(); it != c.fieldHlcs.end(); ++it)
        hlcs.insert(it.key(), it.value().toString());
    json.insert(u"field_hlcs"_s, hlcs);
    QJsonArray conflicts;
    for (const Conflict &conflict : c.conflicts)
        conflicts.append(toJson(conflict));
    json.insert(u"conflicts"_s, conflicts);
    return json;
}

// ---- Bodies

namespace detail {

namespace {

// The nesting QJsonDocument may meet in a mutation's fields: the body's limit less the body, its array and the
// mutation (no valid value nests even that deep).
constexpr int kMaxFieldsDepth = kMaxJsonDepth - 3;

std::optional<Hlc> plainHlc(QByteArrayView text)
{
    return hlcFromText(QString::fromLatin1(text.data(), text.size()));
}

// Reads one mutation object as decodeMutation would; std::nullopt gives up (see readPlainPushRequest).
std::optional<Mutation> readPlainMutation(PlainJsonReader &in)
{
    enum Key : unsigned { Id = 1, EntityKey = 2, RecordId = 4, OpKey = 8, HlcKey = 16, Fields = 32, Base = 64 };
    constexpr unsigned kRequired = Id | EntityKey | RecordId | OpKey | HlcKey;
    unsigned seen = 0;
    const auto once = [&](unsigned key) {
        if (seen & key)
            in.giveUp(); // a repeated key: QJsonDocument keeps one of them
        seen |= key;
    };
    // A UUID as requiredUuid reads it: the plain form, lowercased.
    const auto uuid = [&]() -> QString {
        auto text = in.string();
        const QString id = text ? QString::fromLatin1(text->data(), text->size()) : QString();
        if (!isPlainUuid(id)) {
            in.giveUp();
            return {};
        }
        return id.toLower();
    };
    Mutation m;
    std::optional<Entity> entity;
    QByteArrayView op;
    QByteArrayView fields;
    QMap<QString, std::optional<Hlc>> base;
    in.beginObject();
    QByteArrayView key;
    while (in.nextKey(&key)) {
        if (key == "id") {
            once(Id);
            m.id = uuid();
        } else if (key == "entity") {
            once(EntityKey);
            auto name = in.string();
            entity = name ? entityFromName(QString::fromLatin1(name->data(), name->size())) : std::nullopt;
        } else if (key == "record_id") {
            once(RecordId);
            m.recordId = uuid();
        } else if (key == "op") {
            once(OpKey);
            op = in.string().value_or(QByteArrayView());
        } else if (key == "hlc") {
            once(HlcKey);
            auto text = in.string();
            auto hlc = text ? plainHlc(*text) : std::nullopt;
            if (!hlc)
                in.giveUp();
            else
                m.hlc = *hlc;
        } else if (key == "fields") {
            once(Fields);
            fields = in.rawValue(kMaxFieldsDepth).value_or(QByteArrayView());
        } else if (key == "base") {
            once(Base);
            if (in.null())
                continue;
            in.beginObject();
            QByteArrayView field;
            while (in.nextKey(&field)) {
                const QString name = QString::fromLatin1(field.data(), field.size());
                std::optional<Hlc> stamp;
                if (!in.null()) {
                    auto text = in.string();
                    stamp = text ? plainHlc(*text) : std::nullopt;
                    if (!stamp)
                        in.giveUp();
                }
                if (base.contains(name))
                    in.giveUp();
                base.insert(name, stamp);
            }
        } else {
            in.giveUp();
        }
    }
    if (in.failed() || (seen & kRequired) != kRequired || !entity)
        return std::nullopt;
    m.entity = *entity;
    if (op == "upsert") {
        m.op = Op::Upsert;
        // The fields as the other path has them: QJsonDocument's reading of the same text.
        QJsonParseError error;
        const QJsonDocument document
            = QJsonDocument::fromJson(QByteArray::fromRawData(fields.data(), fields.size()), &error);
        if (!(seen & Fields) || error.error != QJsonParseError::NoError || !document.isObject())
            return std::nullopt;
        m.fields = document.object();
        if (!fieldsValidAsTheyAre(m.entity, m.fields))
            return std::nullopt;
    } else if (op == "delete") {
        m.op = Op::Delete;
        if (seen & Fields)
            return std::nullopt;
    } else {
        return std::nullopt;
    }
    for (auto it = base.cbegin(); it != base.cend(); ++it) {
        if (!m.fields.contains(it.key()))
            return std::nullopt;
    }
    m.base = std::move(base);
    return m;
}

} // namespace

std::optional<PushRequest> readPlainPushRequest(QByteArrayView body)
{
    if (body.size() > kMaxBodyBytes)
        return std::nullopt;
    PlainJsonReader in(body);
    PushRequest request;
    bool sawCursor = false;
    bool sawMutations = false;
    in.beginObject();
    QByteArrayView key;
    while (!in.failed() && in.nextKey(&key)) {
        if (key == "cursor" && !sawCursor) {
            sawCursor = true;
            auto cursor = in.string();
            if (!cursor || cursor->size() > kMaxCursorLength)
                return std::nullopt;
            request.cursor = QString::fromLatin1(cursor->data(), cursor->size());
        } else if (key == "mutations" && !sawMutations) {
            sawMutations = true;
            in.beginArray();
            while (!in.failed() && in.nextItem()) {
                if (request.mutations.size() == kMaxMutationsPerPush)
                    return std::nullopt;
                auto m = readPlainMutation(in);
                if (!m)
                    return std::nullopt;
                request.mutations << std::move(*m);
            }
        } else {
            return std::nullopt;
        }
    }
    if (!sawMutations || !in.atEnd())
        return std::nullopt;
    return request;
}

} // namespace detail

Result<PushRequest> decodePushRequest(const QByteArray &body)
{
    if (auto plain = detail::readPlainPushRequest(body))
        return std::move(*plain);
    return detail::readPushRequestWithQt(body);
}

Result<PushRequest> detail::readPushRequestWithQt(const QByteArray &body)
{
    auto object = parseObject(body);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, u"body"_s, {u"cursor", u"mutations"}); !keys)
        return keys.error();
    PushRequest request;
    if (object->contains(u"cursor"_s)) {
        auto cursor = requiredString(*object, u"cursor"_s, u"body"_s, kMaxCursorLength);
        if (!cursor)
            return cursor.error();
        request.cursor = *cursor;
    }
    if (!object->contains(u"mutations"_s))
        return bad(u"mutations"_s, u"is required"_s);
    const QJsonValue mutations = object->value(u"mutations"_s);
    if (!mutations.isArray())
        return bad(u"mutations"_s, u"must be an array"_s);
    const QJsonArray items = mutations.toArray();
    if (items.size() > kMaxMutationsPerPush)
        return bad(u"mutations"_s, u"must hold at most %1 mutations"_s.arg(kMaxMutationsPerPush));
    request.mutations.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        // The item's path is only needed for a message: decoded again with it when there is one (same result).
        auto m = decodeMutation(items.at(i), kItemPath);
        if (!m)
            return decodeMutation(items.at(i), item(u"mutations"_s, i)).error();
        request.mutations << std::move(m).value();
    }
    return request;
}

QByteArray encode(const PushRequest &request)
{
    QJsonArray mutations;
    for (const Mutation &m : request.mutations)
        mutations.append(toJson(m));
    QJsonObject body {{u"mutations"_s, mutations}};
    if (!request.cursor.isEmpty())
        body.insert(u"cursor"_s, request.cursor);
    return compact(body);
}

namespace {

// A JSON string of UTF-8 text, escaped as QJsonDocument escapes it (for valid UTF-8: control characters as \b \f \n
// \r \t or \u00xx in lowercase hex, `"` and `\`; everything else as it is).
void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = uchar(utf8[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(utf8.sliced(plainFrom, i - plainFrom));
        plainFrom = i + 1;
        out += '\\';
        switch (c) {
        case '"':
            out += '"';
            break;
        case '\\':
            out += '\\';
            break;
        case '\b':
            out += 'b';
            break;
        case '\f':
            out += 'f';
            break;
        case '\n':
            out += 'n';
            break;
        case '\r':
            out += 'r';
            break;
        case '\t':
            out += 't';
            break;
        default:
            out += "u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
    out.append(utf8.sliced(plainFrom));
    out += '"';
}

// `json` (an object QJsonDocument wrote) as QJsonDocument writes the object it reads from it. The same text, but for
// one quirk of Qt's parser (6.4): a string that starts with U+FEFF loses that character. Text with a quote followed by
// U+FEFF in UTF-8 (rare: a zero-width no-break space typed first) is therefore read and written again.
void appendObjectAsQtReadsIt(QByteArray &out, QByteArrayView json)
{
    static constexpr char kQuoteAndBom[] = {'"', char(0xef), char(0xbb), char(0xbf)};
    if (!json.contains(QByteArrayView(kQuoteAndBom, sizeof kQuoteAndBom))) {
        out += json;
        return;
    }
    out += compact(QJsonDocument::fromJson(json.toByteArray()).object());
}

} // namespace

PushBodyWriter::PushBodyWriter(qsizetype reserveBytes)
{
    m_body.reserve(std::max<qsizetype>(reserveBytes, 16));
    m_body += "{\"mutations\":[";
}

void PushBodyWriter::append(QByteArrayView id, Entity entity, QByteArrayView recordId, Op op, QByteArrayView hlc,
                            QByteArrayView fields, QByteArrayView base)
{
    // The members in the order QJsonObject keeps them (sorted by key), as encode() writes them.
    if (m_count > 0)
        m_body += ',';
    m_body += '{';
    if (!base.isEmpty() && base != QByteArrayView("{}")) {
        m_body += "\"base\":";
        appendObjectAsQtReadsIt(m_body, base);
        m_body += ',';
    }
    m_body += "\"entity\":";
    appendJsonString(m_body, entityName(entity).toUtf8());
    if (op == Op::Upsert) {
        m_body += ",\"fields\":";
        appendObjectAsQtReadsIt(m_body, fields.isEmpty() ? QByteArrayView("{}") : fields);
    }
    m_body += ",\"hlc\":";
    appendJsonString(m_body, hlc);
    m_body += ",\"id\":";
    appendJsonString(m_body, id);
    m_body += op == Op::Upsert ? QByteArrayView(",\"op\":\"upsert\"") : QByteArrayView(",\"op\":\"delete\"");
    m_body += ",\"record_id\":";
    appendJsonString(m_body, recordId);
    m_body += '}';
    ++m_count;
}

QByteArray PushBodyWriter::take()
{
    m_body += "]}";
    QByteArray body = std::move(m_body);
    m_body = QByteArray();
    m_body += "{\"mutations\":[";
    m_count = 0;
    return body;
}

QByteArray PushBodyWriter::withCursor(QByteArray body, const QString &cursor)
{
    if (cursor.isEmpty() || !body.startsWith('{'))
        return body;
    QByteArray member = "{\"cursor\":";
    appendJsonString(member, cursor.toUtf8());
    member += ',';
    return body.replace(0, 1, member);
}

Result<PushResponse> decodePushResponse(const QByteArray &body)
{
    auto object = parseObject(body);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, u"body"_s, {u"cursor", u"results"}); !keys)
        return keys.error();
    PushResponse response;
    if (object->contains(u"cursor"_s)) {
        auto cursor = requiredString(*object, u"cursor"_s, u"body"_s, kMaxCursorLength);
        if (!cursor)
            return cursor.error();
        if (cursor->isEmpty())
            return bad(u"cursor"_s, u"must not be empty"_s);
        response.cursor = *cursor;
    }
    const QJsonValue results = object->value(u"results"_s);
    if (!results.isArray())
        return bad(u"results"_s, results.isUndefined() ? u"is required"_s : u"must be an array"_s);
    const QJsonArray items = results.toArray();
    response.results.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        auto r = decodeMutationResult(items.at(i), kItemPath);
        if (!r)
            return decodeMutationResult(items.at(i), item(u"results"_s, i)).error();
        response.results << std::move(r).value();
    }
    return response;
}

QByteArray encodeResult(const MutationResult &r)
{
    // The usual result, `{"id":…,"status":"applied"}` (or duplicate), written as QJsonDocument writes it; the others
    // through QJsonObject.
    if ((r.status != MutationStatus::Applied && r.status != MutationStatus::Duplicate) || !r.lostFields.isEmpty())
        return compact(toJson(r));
    QByteArray out;
    out.reserve(r.id.size() + 32);
    out += "{\"id\":";
    appendJsonString(out, r.id.toUtf8());
    out += r.status == MutationStatus::Applied ? QByteArrayView(",\"status\":\"applied\"}")
                                               : QByteArrayView(",\"status\":\"duplicate\"}");
    return out;
}

QByteArray encode(const PushResponse &response)
{
    // As QJsonDocument writes the object (keys sorted: "cursor" before "results"), without building it: a push of
    // 500 answers 500 results.
    QByteArray out;
    out.reserve(32 + response.cursor.size() + response.results.size() * 64);
    out += '{';
    if (!response.cursor.isEmpty()) {
        out += "\"cursor\":";
        appendJsonString(out, response.cursor.toUtf8());
        out += ',';
    }
    out += "\"results\":[";
    for (qsizetype i = 0; i < response.results.size(); ++i) {
        if (i > 0)
            out += ',';
        out += encodeResult(response.results.at(i));
    }
    out += "]}";
    return out;
}

Result<PullPage> decodePullPage(const QByteArray &body)
{
    auto object = parseObject(body);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, u"body"_s, {u"changes", u"cursor", u"has_more"}); !keys)
        return keys.error();
    PullPage page;
    const QJsonValue changes = object->value(u"changes"_s);
    if (!changes.isArray())
        return bad(u"changes"_s, changes.isUndefined() ? u"is required"_s : u"must be an array"_s);
    const QJsonArray items = changes.toArray();
    page.changes.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        auto c = decodeChange(items.at(i), kItemPath);
        if (!c)
            return decodeChange(items.at(i), item(u"changes"_s, i)).error();
        page.changes << std::move(c).value();
    }
    auto cursor = requiredString(*object, u"cursor"_s, u"body"_s, kMaxCursorLength);
    if (!cursor)
        return cursor.error();
    page.cursor = *cursor;
    auto hasMore = requiredBool(*object, u"has_more"_s, u"body"_s);
    if (!hasMore)
        return hasMore.error();
    page.hasMore = *hasMore;
    return page;
}

QByteArray encode(const PullPage &page)
{
    QJsonArray changes;
    for (const Change &c : page.changes)
        changes.append(toJson(c));
    return compact(QJsonObject {{u"changes"_s, changes}, {u"cursor"_s, page.cursor}, {u"has_more"_s, page.hasMore}});
}

Result<LoginRequest> decodeLoginRequest(const QByteArray &body)
{
    auto object = parseObject(body);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, u"body"_s, {u"email", u"password", u"device_name"}); !keys)
        return keys.error();
    LoginRequest request;
    auto email = requiredString(*object, u"email"_s, u"body"_s, 320);
    if (!email)
        return email.error();
    auto password = requiredString(*object, u"password"_s, u"body"_s, 1024);
    if (!password)
        return password.error();
    auto deviceName = requiredString(*object, u"device_name"_s, u"body"_s, 200);
    if (!deviceName)
        return deviceName.error();
    for (QChar ch : *deviceName) {
        if (ch.unicode() < 0x20 || ch.unicode() == 0x7f)
            return bad(u"body.device_name"_s, u"must not contain control characters"_s);
    }
    request.email = *email;
    request.password = *password;
    request.deviceName = *deviceName;
    return request;
}

QByteArray encode(const LoginRequest &request)
{
    return compact(QJsonObject {
        {u"email"_s, request.email}, {u"password"_s, request.password}, {u"device_name"_s, request.deviceName}});
}

Result<UserInfo> decodeUserInfo(const QJsonValue &json, const QString &path)
{
    auto object = asObject(json, path);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, path, {u"id", u"email", u"role", u"team_id"}); !keys)
        return keys.error();
    UserInfo user;
    auto id = requiredUuid(*object, u"id"_s, path);
    if (!id)
        return id.error();
    auto email = requiredString(*object, u"email"_s, path, 320);
    if (!email)
        return email.error();
    auto role = requiredString(*object, u"role"_s, path, 16);
    if (!role)
        return role.error();
    if (!roleNames().contains(*role))
        return bad(path + u".role"_s, u"must be admin, marketer or sales"_s);
    auto team = requiredUuid(*object, u"team_id"_s, path);
    if (!team)
        return team.error();
    user.id = *id;
    user.email = *email;
    user.role = *role;
    user.teamId = *team;
    return user;
}

QJsonObject toJson(const UserInfo &user)
{
    return QJsonObject {
        {u"id"_s, user.id}, {u"email"_s, user.email}, {u"role"_s, user.role}, {u"team_id"_s, user.teamId}};
}

Result<LoginResponse> decodeLoginResponse(const QByteArray &body)
{
    auto object = parseObject(body);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, u"body"_s, {u"token", u"device_id", u"user"}); !keys)
        return keys.error();
    LoginResponse response;
    auto token = requiredString(*object, u"token"_s, u"body"_s, 512);
    if (!token)
        return token.error();
    auto device = requiredUuid(*object, u"device_id"_s, u"body"_s);
    if (!device)
        return device.error();
    auto user = decodeUserInfo(object->value(u"user"_s), u"body.user"_s);
    if (!user)
        return user.error();
    response.token = *token;
    response.deviceId = *device;
    response.user = *user;
    return response;
}

QByteArray encode(const LoginResponse &response)
{
    return compact(QJsonObject {
        {u"token"_s, response.token}, {u"device_id"_s, response.deviceId}, {u"user"_s, toJson(response.user)}});
}

Result<ApiError> decodeApiError(const QByteArray &body)
{
    auto object = parseObject(body);
    if (!object)
        return object.error();
    if (auto keys = onlyKeys(*object, u"body"_s, {u"error", u"message", u"wipe"}); !keys)
        return keys.error();
    ApiError error;
    auto code = requiredString(*object, u"error"_s, u"body"_s, 64);
    if (!code)
        return code.error();
    const auto known = apiErrorCodeFromName(*code);
    if (!known)
        return bad(u"body.error"_s, u"must be an error code"_s);
    error.code = *known;
    if (object->contains(u"message"_s)) {
        auto message = requiredString(*object, u"message"_s, u"body"_s, 4096);
        if (!message)
            return message.error();
        error.message = *message;
    }
    if (object->contains(u"wipe"_s)) {
        auto wipe = requiredBool(*object, u"wipe"_s, u"body"_s);
        if (!wipe)
            return wipe.error();
        error.wipe = *wipe;
    }
    return error;
}

QByteArray encode(const ApiError &error)
{
    QJsonObject json {{u"error"_s, apiErrorCodeName(error.code)}, {u"message"_s, error.message}};
    if (error.wipe)
        json.insert(u"wipe"_s, true);
    return compact(json);
}

} // namespace fieldnotes::protocol
