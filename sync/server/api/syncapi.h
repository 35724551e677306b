#pragma once

#include "base/result.h"
#include "sync/server/http/httprequest.h"
#include "sync/server/http/httpresponse.h"
#include "sync/server/storage/role.h"

#include <functional>
#include <variant>
#include <memory>

namespace fieldnotes::http {
class HttpServer;
}

namespace fieldnotes::server {

class ServerStorage;

/**
 * The sync API of SYNC-API.md on an HttpServer: authentication, push, pull, the admin endpoints, /healthz and
 * /metrics. Holds no state between requests: sessions and the login throttle live in the database (decision 0015),
 * so any number of instances on one database answer alike.
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
    std::unique_ptr<Instruments> m_metrics;
};

} // namespace fieldnotes::server
