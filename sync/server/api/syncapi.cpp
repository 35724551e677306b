#include "sync/server/api/syncapi.h"

#include "sync/protocol/protocol.h"
#include "sync/server/http/httpserver.h"
#include "sync/server/http/metrics.h"
#include "sync/server/storage/serverstorage.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

using namespace Qt::Literals::StringLiterals;
using fieldnotes::http::HttpRequest;
using fieldnotes::http::HttpResponse;

namespace fieldnotes::server {

namespace {

constexpr int kDefaultPullLimit = 500;
constexpr int kMaxPullLimit = 1000;
constexpr qint64 kTouchEveryMs = 60 * 1000; // last_seen is a hint, not worth a write per request

HttpResponse apiError(protocol::ApiErrorCode code, const QString &message)
{
    return HttpResponse::error(protocol::httpStatus(code), protocol::apiErrorCodeName(code), message);
}

/// 200 with a body the protocol encoder already wrote.
HttpResponse encodedJson(QByteArray body)
{
    HttpResponse response;
    response.headers.set("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
}

QString isoTime(qint64 ms)
{
    return ms <= 0 ? QString() : QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject userJson(const User &user)
{
    return protocol::toJson(protocol::UserInfo{user.id, user.email, roleName(user.role), user.teamId});
}

/// POST bodies must be JSON; a request without a body needs no Content-Type.
std::optional<HttpResponse> requireJson(const HttpRequest &request)
{
    const QByteArray type = request.header("Content-Type").trimmed().toLower();
    const QByteArray mediaType = type.split(';').constFirst().trimmed();
    if (mediaType != "application/json") {
        return apiError(protocol::ApiErrorCode::UnsupportedMediaType,
                        u"Send the body as Content-Type: application/json."_s);
    }
    return std::nullopt;
}

} // namespace

// --- SyncApi ----------------------------------------------------------------------------------------------------

struct SyncApi::Instruments
{
    http::Metrics::Counter logins;
    http::Metrics::Counter pushes;
    http::Metrics::Counter mutations;
    http::Metrics::Counter pulls;
    http::Metrics::Counter pulledChanges;
    http::Metrics::Counter errors;
};

SyncApi::SyncApi(ServerStorage &storage, Clock clock)
    : m_storage(storage)
    , m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
}

SyncApi::~SyncApi() = default;

void SyncApi::registerRoutes(http::HttpServer &server)
{
    const auto metrics = server.metrics();
    m_metrics.reset(new Instruments{
        metrics->counter(u"fieldnotes_auth_logins_total"_s, u"Login attempts by result."_s, {u"result"_s}),
        metrics->counter(u"fieldnotes_sync_pushes_total"_s, u"Push requests by result."_s, {u"result"_s}),
        metrics->counter(u"fieldnotes_sync_mutations_total"_s, u"Pushed mutations by status."_s, {u"status"_s}),
        metrics->counter(u"fieldnotes_sync_pulls_total"_s, u"Pull requests by result."_s, {u"result"_s}),
        metrics->counter(u"fieldnotes_sync_pulled_changes_total"_s, u"Changes sent in pull pages."_s),
        metrics->counter(u"fieldnotes_errors_total"_s, u"Requests that failed on the server side."_s, {u"kind"_s}),
    });
    const auto bind = [this](HttpResponse (SyncApi::*handler)(const HttpRequest &)) {
        return [this, handler](const HttpRequest &request) { return (this->*handler)(request); };
    };
    server.route("GET", u"/healthz"_s, bind(&SyncApi::healthz));
    server.route("GET", u"/metrics"_s, server.metricsHandler(), http::Dispatch::Inline);
    server.route("POST", u"/v1/auth/login"_s, bind(&SyncApi::login));
    server.route("POST", u"/v1/auth/logout"_s, bind(&SyncApi::logout));
    server.route("GET", u"/v1/me"_s, bind(&SyncApi::me));
    // Pushes wait for their team's lock (decision 0006): on their own pool, so that pulls never queue behind them.
    server.route("POST", u"/v1/sync/push"_s, bind(&SyncApi::push), http::Dispatch::Writer);
    server.route("GET", u"/v1/sync/pull"_s, bind(&SyncApi::pull));
    server.route("POST", u"/v1/admin/users"_s, bind(&SyncApi::addUser));
    server.route("GET", u"/v1/admin/devices"_s, bind(&SyncApi::listDevices));
    server.route("POST", u"/v1/admin/devices/{id}/revoke"_s, bind(&SyncApi::revokeDevice));
}

HttpResponse SyncApi::failure(const HttpRequest &request, const Error &error)
{
    using protocol::ApiErrorCode;
    switch (error.code) {
    case ErrorCode::InvalidInput:
        return apiError(ApiErrorCode::BadRequest, error.message);
    case ErrorCode::NotFound:
        return apiError(ApiErrorCode::NotFound, error.message);
    case ErrorCode::AlreadyExists:
        return apiError(ApiErrorCode::Conflict, error.message);
    default:
        break;
    }
    // Storage messages name operations, never values; still, the client only gets the request id.
    if (m_metrics)
        m_metrics->errors.increment({u"storage"_s});
    std::fprintf(stderr, "{\"level\":\"error\",\"request_id\":\"%s\",\"message\":%s}\n",
                 request.requestId.toUtf8().constData(),
                 QJsonDocument(QJsonArray{error.message}).toJson(QJsonDocument::Compact).mid(1).chopped(1).constData());
    std::fflush(stderr);
    if (error.code == ErrorCode::Locked || error.code == ErrorCode::Unavailable) {
        HttpResponse busy = apiError(ApiErrorCode::Internal, u"The server is busy; retry shortly."_s);
        busy.status = 503;
        busy.headers.set("Retry-After", "2");
        return busy;
    }
    return apiError(ApiErrorCode::Internal, u"Internal error (request %1)."_s.arg(request.requestId));
}

std::variant<SyncApi::Caller, HttpResponse> SyncApi::authenticate(const HttpRequest &request)
{
    const QByteArray header = request.header("Authorization").trimmed();
    // The auth scheme is case-insensitive (RFC 9110 11.1): "bearer <token>" is the same as "Bearer <token>".
    if (header.left(7).toLower() != "bearer " || header.size() > 7 + 256)
        return apiError(protocol::ApiErrorCode::Unauthenticated, u"Sign in first: send Authorization: Bearer <token>."_s);
    const QString token = QString::fromLatin1(header.mid(7).trimmed());
    auto found = m_storage.findDeviceByTokenHash(ServerStorage::tokenHash(token));
    if (!found) {
        if (found.error().code == ErrorCode::NotFound)
            return apiError(protocol::ApiErrorCode::Unauthenticated, u"The token is not valid; sign in again."_s);
        return failure(request, found.error());
    }
    if (found->device.revoked) {
        QJsonObject body{{u"error"_s, u"device_revoked"_s},
                         {u"message"_s, u"This device was revoked by an administrator; its data must be wiped."_s},
                         {u"wipe"_s, true}};
        return HttpResponse::json(401, body);
    }
    const qint64 now = m_clock();
    if (now - found->device.lastSeenMs > kTouchEveryMs)
        (void)m_storage.touchDevice(found->device.id, now); // best effort: a hint for the device list
    return Caller{AuthContext{found->user.id, found->user.teamId, found->user.role, found->device.id},
                  found->user.email};
}

HttpResponse SyncApi::healthz(const HttpRequest &request)
{
    auto version = m_storage.schemaVersion();
    if (!version) {
        HttpResponse down = failure(request, version.error());
        down.status = 503;
        return down;
    }
    return HttpResponse::json(200, QJsonObject{{u"status"_s, u"ok"_s}});
}

HttpResponse SyncApi::login(const HttpRequest &request)
{
    if (auto wrongType = requireJson(request))
        return *wrongType;
    auto credentials = protocol::decodeLoginRequest(request.body);
    if (!credentials)
        return apiError(protocol::ApiErrorCode::BadRequest, credentials.error().message);
    const qint64 now = m_clock();
    // The throttle (decision 0015) counts every attempt before its password is checked, in the database that all
    // instances share; a success clears both keys. Stored hashed: no email or address sits in that table.
    const QStringList keys{u"email:"_s + credentials->email.trimmed().toLower(),
                           u"client:"_s + request.clientAddress.toString()};
    auto wait = m_storage.countLoginAttempt(keys, now);
    if (!wait)
        return failure(request, wait.error());
    if (*wait > 0) {
        m_metrics->logins.increment({u"rate_limited"_s});
        HttpResponse limited = apiError(protocol::ApiErrorCode::RateLimited,
                                        u"Too many failed sign-ins; try again in %1 s."_s.arg(*wait));
        limited.headers.set("Retry-After", QByteArray::number(*wait));
        return limited;
    }
    auto user = m_storage.verifyLogin(credentials->email, credentials->password);
    if (!user) {
        if (user.error().code != ErrorCode::WrongPassphrase && user.error().code != ErrorCode::NotFound)
            return failure(request, user.error());
        m_metrics->logins.increment({u"failed"_s});
        return apiError(protocol::ApiErrorCode::Unauthenticated, u"Wrong email or password."_s);
    }
    // Best effort: counts left behind only make the throttle stricter, and a right password is not turned into a 500.
    (void)m_storage.clearLoginFailures(keys);
    const QString token = ServerStorage::newToken();
    const QString deviceName = credentials->deviceName.isEmpty() ? u"unnamed device"_s : credentials->deviceName;
    auto device = m_storage.createDevice(user->id, deviceName, ServerStorage::tokenHash(token), now);
    if (!device)
        return failure(request, device.error());
    m_metrics->logins.increment({u"ok"_s});
    return HttpResponse::json(
        200, QJsonObject{{u"token"_s, token}, {u"device_id"_s, device->id}, {u"user"_s, userJson(*user)}});
}

HttpResponse SyncApi::logout(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    if (auto r = m_storage.deleteDevice(std::get<Caller>(caller).context.deviceId); !r)
        return failure(request, r.error());
    return HttpResponse::noContent();
}

HttpResponse SyncApi::me(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    const AuthContext &ctx = std::get<Caller>(caller).context;
    auto user = m_storage.user(ctx.userId);
    if (!user)
        return failure(request, user.error());
    return HttpResponse::json(200, QJsonObject{{u"user"_s, userJson(*user)}, {u"device_id"_s, ctx.deviceId}});
}

HttpResponse SyncApi::push(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    if (auto wrongType = requireJson(request))
        return *wrongType;
    auto batch = protocol::decodePushRequest(request.body);
    if (!batch) {
        m_metrics->pushes.increment({u"bad_request"_s});
        return apiError(protocol::ApiErrorCode::BadRequest, batch.error().message);
    }
    const AuthContext &ctx = std::get<Caller>(caller).context;
    // A cursor that does not decode (altered, another team's) only means no catch-up: the mutations still apply, and
    // the device's next pull answers 400 for it as always (decision 0025).
    std::optional<qint64> cursorSeq;
    if (!batch->cursor.isEmpty()) {
        if (auto seq = m_storage.decodeCursor(ctx.teamId, batch->cursor))
            cursorSeq = *seq;
    }
    auto outcome = m_storage.push(ctx, batch->mutations, m_clock(), cursorSeq);
    if (!outcome) {
        m_metrics->pushes.increment({u"failed"_s});
        return failure(request, outcome.error());
    }
    m_metrics->pushes.increment({u"ok"_s});
    for (const protocol::MutationResult &result : std::as_const(outcome->results))
        m_metrics->mutations.increment({protocol::statusName(result.status)});
    protocol::PushResponse response {std::move(outcome->results), {}};
    if (outcome->caughtUpSeq)
        response.cursor = m_storage.encodeCursor(ctx.teamId, *outcome->caughtUpSeq);
    return encodedJson(protocol::encode(response));
}

HttpResponse SyncApi::pull(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    const AuthContext &ctx = std::get<Caller>(caller).context;
    int limit = kDefaultPullLimit;
    if (request.query.hasQueryItem(u"limit"_s)) {
        bool ok = false;
        limit = request.query.queryItemValue(u"limit"_s).toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxPullLimit) {
            return apiError(protocol::ApiErrorCode::BadRequest,
                            u"limit must be a whole number from 1 to %1."_s.arg(kMaxPullLimit));
        }
    }
    auto cursor = m_storage.decodeCursor(ctx.teamId, request.query.queryItemValue(u"cursor"_s, QUrl::FullyDecoded));
    if (!cursor) {
        m_metrics->pulls.increment({u"bad_request"_s});
        return apiError(protocol::ApiErrorCode::BadRequest, u"The cursor is not valid; pull without one to start over."_s);
    }
    // Changes come stored in wire form (decision 0008): the page is spliced, not parsed and encoded again.
    auto page = m_storage.pullEncoded(ctx, *cursor, limit);
    if (!page) {
        m_metrics->pulls.increment({u"failed"_s});
        return failure(request, page.error());
    }
    m_metrics->pulls.increment({u"ok"_s});
    m_metrics->pulledChanges.increment({}, double(page->changes.size()));
    return encodedJson(page->body(m_storage.encodeCursor(ctx.teamId, page->newSeq)));
}

HttpResponse SyncApi::addUser(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    const AuthContext &ctx = std::get<Caller>(caller).context;
    if (ctx.role != Role::Admin)
        return apiError(protocol::ApiErrorCode::Forbidden, u"Only an administrator can add users."_s);
    if (auto wrongType = requireJson(request))
        return *wrongType;
    auto body = protocol::parseObject(request.body);
    if (!body)
        return apiError(protocol::ApiErrorCode::BadRequest, body.error().message);
    for (auto it = body->begin(); it != body->end(); ++it) {
        if (it.key() != u"email"_s && it.key() != u"role"_s && it.key() != u"password"_s)
            return apiError(protocol::ApiErrorCode::BadRequest, u"Unknown field \"%1\"."_s.arg(it.key().left(40)));
        if (!it.value().isString())
            return apiError(protocol::ApiErrorCode::BadRequest, u"%1 must be a string."_s.arg(it.key()));
    }
    const QString email = body->value(u"email"_s).toString().trimmed();
    const auto role = roleFromName(body->value(u"role"_s).toString());
    const QString password = body->value(u"password"_s).toString();
    if (email.isEmpty() || !email.contains(u'@') || email.size() > 320)
        return apiError(protocol::ApiErrorCode::BadRequest, u"email must be an email address."_s);
    if (!role)
        return apiError(protocol::ApiErrorCode::BadRequest, u"role must be admin, marketer or sales."_s);
    if (password.size() < 8 || password.size() > 1024)
        return apiError(protocol::ApiErrorCode::BadRequest, u"password must have 8 to 1024 characters."_s);
    auto user = m_storage.addUser(ctx.teamId, email, *role, password);
    if (!user) {
        if (user.error().code == ErrorCode::AlreadyExists)
            return apiError(protocol::ApiErrorCode::Conflict, u"A user with this email exists."_s);
        return failure(request, user.error());
    }
    return HttpResponse::json(201, QJsonObject{{u"user"_s, userJson(*user)}});
}

HttpResponse SyncApi::listDevices(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    const AuthContext &ctx = std::get<Caller>(caller).context;
    if (ctx.role != Role::Admin)
        return apiError(protocol::ApiErrorCode::Forbidden, u"Only an administrator can list devices."_s);
    auto devices = m_storage.listDevices(ctx.teamId);
    if (!devices)
        return failure(request, devices.error());
    QJsonArray list;
    for (const Device &device : *devices) {
        list.append(QJsonObject{{u"id"_s, device.id},
                                {u"user_id"_s, device.userId},
                                {u"name"_s, device.name},
                                {u"last_seen"_s, device.lastSeenMs > 0 ? QJsonValue(isoTime(device.lastSeenMs))
                                                                       : QJsonValue(QJsonValue::Null)},
                                {u"revoked"_s, device.revoked}});
    }
    return HttpResponse::json(200, QJsonObject{{u"devices"_s, list}});
}

HttpResponse SyncApi::revokeDevice(const HttpRequest &request)
{
    auto caller = authenticate(request);
    if (auto *refusal = std::get_if<HttpResponse>(&caller))
        return *refusal;
    const AuthContext &ctx = std::get<Caller>(caller).context;
    if (ctx.role != Role::Admin)
        return apiError(protocol::ApiErrorCode::Forbidden, u"Only an administrator can revoke devices."_s);
    if (auto r = m_storage.revokeDevice(ctx.teamId, request.pathParameter(u"id"_s)); !r) {
        if (r.error().code == ErrorCode::NotFound || r.error().code == ErrorCode::InvalidInput)
            return apiError(protocol::ApiErrorCode::NotFound, u"There is no such device in your team."_s);
        return failure(request, r.error());
    }
    return HttpResponse::noContent();
}

} // namespace fieldnotes::server
