#pragma once

#include "base/result.h"
#include "records/entity.h"
#include "records/hlc.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

/**
 * The sync API's wire types (SYNC-API.md) and their strict JSON decoding and encoding, shared by the client
 * and the server. No sockets here.
 *
 * Decoders return ErrorCode::InvalidInput with a message naming the JSON path of the first problem, e.g.
 * `mutations[3].fields.importance: must be an integer from 1 to 5`; they never echo a value. Unknown keys at any
 * level, wrong types, invalid UUIDs, unparsable hlcs and unknown entities are errors. Encoders produce exactly
 * the JSON of the contract (compact, UTF-8).
 */
namespace fieldnotes::protocol {

inline constexpr qsizetype kMaxBodyBytes = 4 * 1024 * 1024; ///< a larger body is refused before parsing
inline constexpr int kMaxMutationsPerPush = 1000;
/// A server refuses a mutation stamped further ahead of its own clock than this (its default; SYNC-API.md).
inline constexpr qint64 kMaxClockAheadMs = 10 * 60 * 1000;
inline constexpr int kDefaultPullLimit = 500;
inline constexpr int kMaxPullLimit = 1000;
/// The longest cursor a client accepts or sends (the server's are ~70 characters).
inline constexpr int kMaxCursorLength = 1024;
/// Deepest JSON nesting any message of the contract needs is 6 (a pull page's conflict value that is a list);
/// anything nested deeper is refused before QJsonDocument recurses into it.
inline constexpr int kMaxJsonDepth = 8;

enum class Op { Upsert, Delete };

/** A mutation M: one device's change to one record. */
struct Mutation
{
    QString id; ///< UUID, lowercase
    Entity entity = Entity::Account;
    QString recordId; ///< UUID, lowercase
    Op op = Op::Upsert;
    Hlc hlc;
    QJsonObject fields; ///< the changed fields (validated in Update mode); empty for a delete
    /// field -> hlc of the value the device had when the user edited it; std::nullopt = JSON null (no value).
    /// A field missing from the map means the same as null.
    QMap<QString, std::optional<Hlc>> base;

    friend bool operator==(const Mutation &, const Mutation &) = default;
};

enum class MutationStatus { Applied, Duplicate, Superseded, Rejected };

/** A result R: what the server did with one mutation. */
struct MutationResult
{
    QString id; ///< the mutation id
    MutationStatus status = MutationStatus::Applied;
    QStringList lostFields; ///< Superseded: the fields that lost to newer values
    QString error; ///< Rejected: "forbidden" or "bad_request"
    QString message; ///< Rejected: a human reason (project extension: optional "message" key)

    friend bool operator==(const MutationResult &, const MutationResult &) = default;
};

/** A conflict C: a value that lost a concurrent edit and has not been resolved. */
struct Conflict
{
    QString field;
    QJsonValue value;
    Hlc hlc;
    QString deviceId; ///< the device that wrote the value (the device part of its hlc)

    friend bool operator==(const Conflict &, const Conflict &) = default;
};

/** A change X: a record's current state as the pulling user may see it. */
struct Change
{
    Entity entity = Entity::Account;
    QString recordId;
    bool deleted = false; ///< deleted, or no longer visible to this user
    QJsonObject fields; ///< the whole record; empty when deleted
    QMap<QString, Hlc> fieldHlcs;
    Hlc hlc;
    QList<Conflict> conflicts;

    friend bool operator==(const Change &, const Change &) = default;
};

struct PushRequest
{
    QList<Mutation> mutations; ///< at most kMaxMutationsPerPush
    /// Project extension (decision 0025): the pull cursor the device holds, if it wants to skip pulling back its own
    /// changes; empty = not sent.
    QString cursor;
};

/**
 * Writes a push body `{"mutations":[M…]}` from mutations whose `fields` and `base` are JSON objects that QJsonDocument
 * wrote (Compact; the client's outbox stores them so), without parsing them: they are copied as they are. The body is
 * byte for byte what encode(PushRequest) writes for the mutations QJsonDocument reads from that text (tst_protocol and
 * tst_pushbatch check it; the one text that reads back differently, a string starting with U+FEFF, is read and
 * written again). The other members are written as JSON strings of UTF-8 text, escaped as QJsonDocument escapes them.
 */
class PushBodyWriter
{
public:
    explicit PushBodyWriter(qsizetype reserveBytes = 0);

    /// `fields` is ignored for a delete (as in encode); an empty `fields` of an upsert is `{}`; an empty `base` or
    /// `{}` leaves `base` out (as in encode, whose `base` is a map that is left out when empty).
    void append(QByteArrayView id, Entity entity, QByteArrayView recordId, Op op, QByteArrayView hlc,
                QByteArrayView fields, QByteArrayView base);
    [[nodiscard]] qsizetype count() const { return m_count; }
    /// The body; the writer is empty afterwards.
    [[nodiscard]] QByteArray take();
    /// `body` (from take()) with `"cursor"` as its first member: what encode(PushRequest) writes with that cursor.
    /// An empty cursor leaves the body as it is.
    [[nodiscard]] static QByteArray withCursor(QByteArray body, const QString &cursor);

private:
    QByteArray m_body;
    qsizetype m_count = 0;
};

struct PushResponse
{
    QList<MutationResult> results;
    /// Project extension (decision 0025), only ever in answer to a push that sent `cursor`: the cursor after this
    /// push's changes, given when the team changed by nothing but this push since the device's cursor and every
    /// mutation was stored exactly as the device holds it. Empty = not given: pull as usual.
    QString cursor;
};

struct PullPage
{
    QList<Change> changes;
    QString cursor;
    bool hasMore = false;
};

struct LoginRequest
{
    QString email;
    QString password;
    QString deviceName;
};

/** `{"id","email","role","team_id"}` as in login and /v1/me answers. */
struct UserInfo
{
    QString id;
    QString email;
    QString role; ///< admin | marketer | sales
    QString teamId;
};

struct LoginResponse
{
    QString token;
    QString deviceId;
    UserInfo user;
};

/** The error codes of SYNC-API.md "Conventions", and "conflict" of /v1/admin/users. */
enum class ApiErrorCode {
    BadRequest,
    Unauthenticated,
    DeviceRevoked,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
};

/** `{"error": code, "message": text}` (+ `"wipe": true` with device_revoked). */
struct ApiError
{
    ApiErrorCode code = ApiErrorCode::Internal;
    QString message;
    bool wipe = false;
};

QString opName(Op op);
QString statusName(MutationStatus status);
QString apiErrorCodeName(ApiErrorCode code);
std::optional<ApiErrorCode> apiErrorCodeFromName(QStringView name);
int httpStatus(ApiErrorCode code);

/// Refuses bodies over kMaxBodyBytes, nesting deeper than kMaxJsonDepth, malformed JSON and non-objects.
[[nodiscard]] Result<QJsonObject> parseObject(const QByteArray &body);

// Mutations and their results
[[nodiscard]] Result<Mutation> decodeMutation(const QJsonValue &json, const QString &path = QStringLiteral("mutation"));
QJsonObject toJson(const Mutation &mutation);
[[nodiscard]] Result<MutationResult> decodeMutationResult(
    const QJsonValue &json, const QString &path = QStringLiteral("result"));
QJsonObject toJson(const MutationResult &result);

// Changes
[[nodiscard]] Result<Change> decodeChange(const QJsonValue &json, const QString &path = QStringLiteral("change"));
QJsonObject toJson(const Change &change);
QJsonObject toJson(const Conflict &conflict);

// Whole bodies
/// A plain body (as clients write it) has its envelope read by our own reader and each mutation's fields by
/// QJsonDocument; anything else is read whole by QJsonDocument (decision 0029). The request and the error are the
/// same either way.
[[nodiscard]] Result<PushRequest> decodePushRequest(const QByteArray &body);
QByteArray encode(const PushRequest &request);
[[nodiscard]] Result<PushResponse> decodePushResponse(const QByteArray &body);
QByteArray encode(const PushResponse &response);
/// One result R as encode(PushResponse) writes it (compact JSON).
QByteArray encodeResult(const MutationResult &result);
[[nodiscard]] Result<PullPage> decodePullPage(const QByteArray &body);
QByteArray encode(const PullPage &page);
[[nodiscard]] Result<LoginRequest> decodeLoginRequest(const QByteArray &body);
QByteArray encode(const LoginRequest &request);
[[nodiscard]] Result<LoginResponse> decodeLoginResponse(const QByteArray &body);
QByteArray encode(const LoginResponse &response);
[[nodiscard]] Result<UserInfo> decodeUserInfo(const QJsonValue &json, const QString &path = QStringLiteral("user"));
QJsonObject toJson(const UserInfo &user);
[[nodiscard]] Result<ApiError> decodeApiError(const QByteArray &body);
QByteArray encode(const ApiError &error);

namespace detail {
/// decodePushRequest's fast path (decision 0029), for tests: the request when `body` is plain JSON (see
/// PlainJsonReader) and valid, without a field value to normalise; then decodePushRequest gives the same request.
/// std::nullopt otherwise, which says nothing about the body: decodePushRequest then reads it with QJsonDocument.
[[nodiscard]] std::optional<PushRequest> readPlainPushRequest(QByteArrayView body);
/// decodePushRequest's other path: `body` read by QJsonDocument, every rule checked, every problem named.
[[nodiscard]] Result<PushRequest> readPushRequestWithQt(const QByteArray &body);
} // namespace detail

} // namespace fieldnotes::protocol
