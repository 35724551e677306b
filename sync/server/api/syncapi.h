#pragma once

#include "base/result.h"
#include "sync/server/http/httprequest.h"
#include "sync/server/http/httpresponse.h"
#include "sync/server/storage/role.h"

#include <QHash>
#include <QMutex>

#include <functional>
#include <variant>
#include <memory>

namespace fieldnotes::http {
class HttpServer;
}

namespace fieldnotes::server {

class ServerStorage;

/** Counts failed logins per email and per client address, and says when to refuse further attempts. */
class LoginThrottle final
{
public:
    struct Limits
    {
        int maxFailures = 10; ///< within `windowMs`, per key
        qint64 windowMs = 15 * 60 * 1000;
    };
    LoginThrottle() = default;
    explicit LoginThrottle(Limits limits) : m_limits(limits) { }

    /// Seconds to wait before another attempt for any of `keys` is allowed; 0 = go ahead.
    [[nodiscard]] int retryAfterSeconds(const QStringList &keys, qint64 nowMs);
    void recordFailure(const QStringList &keys, qint64 nowMs);
    void recordSuccess(const QStringList &keys);

private:
    struct Window
    {
        int failures = 0;
        qint64 startMs = 0;
    };
    Limits m_limits;
    QMutex m_mutex;
    QHash<QString, Window> m_windows;
};

/**
 * The sync API of SYNC-API.md on an HttpServer: authentication, push, pull, the admin endpoints, /healthz and
 * /metrics. Holds no state between requests but the login throttle (per instance; nginx's limit_req guards the
 * whole deployment).
 */
class SyncApi final
{
public:
    using Clock = std::function<qint64()>; ///< ms since the epoch

    SyncApi(ServerStorage &storage, Clock clock = {});
    ~SyncApi();
    SyncApi(const SyncApi &) = delete;
    SyncApi &operator=(const SyncApi &) = delete;

    /// Registers every route on `server` (before it listens).
    void registerRoutes(http::HttpServer &server);

    http::HttpResponse healthz(const http::HttpRequest &request);
    http::HttpResponse login(const http::HttpRequest &request);
    http::HttpResponse logout(const http::HttpRequest &request);
    http::HttpResponse me(const http::HttpRequest &request);
    http::HttpResponse push(const http::HttpRequest &request);
    http::HttpResponse pull(const http::HttpRequest &request);
    http::HttpResponse addUser(const http::HttpRequest &request);
    http::HttpResponse listDevices(const http::HttpRequest &request);
    http::HttpResponse revokeDevice(const http::HttpRequest &request);

private:
    struct Caller
    {
        AuthContext context;
        QString email;
    };
    /// The caller behind the bearer token, or the 401 to answer.
    std::variant<Caller, http::HttpResponse> authenticate(const http::HttpRequest &request);
    http::HttpResponse failure(const http::HttpRequest &request, const Error &error);

    struct Instruments;
    ServerStorage &m_storage;
    Clock m_clock;
    LoginThrottle m_throttle;
    std::unique_ptr<Instruments> m_metrics;
};

} // namespace fieldnotes::server
