#pragma once

#include "core/base/result.h"
#include "sync/server/http/httplimits.h"
#include "sync/server/http/metrics.h"
#include "sync/server/http/requestlog.h"
#include "sync/server/http/router.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>

#include <chrono>
#include <memory>

class QThreadPool;

namespace fieldnotes::http {

struct ServerCore;

/**
 * A small, strict HTTP/1.1 server for the sync API (decision 0005): Content-Length bodies only, keep-alive,
 * one request at a time per connection, every limit of HttpLimits enforced at the socket, optional TLS.
 *
 * The server lives on the thread that created it (the socket thread). Handlers run on its worker pool (writers on
 * their own pool) unless registered Inline; their answers come back to the socket thread. A client that leaves
 * while its handler runs costs nothing: the answer is dropped when it arrives. Every response carries Content-Length
 * (but 204), Cache-Control: no-store, X-Request-Id, and Content-Type when it has a body. The destructor waits for
 * running handlers.
 */
class HttpServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpServer)

public:
    explicit HttpServer(const HttpLimits &limits = {}, QObject *parent = nullptr);
    ~HttpServer() override;

    /** Adds a route (see Router::route). Register routes before listen(). */
    void route(const QByteArray &method, const QString &pattern, Handler handler, Dispatch dispatch = Dispatch::Worker);

    /** Serves TLS with a PEM certificate (chain) and PEM private key; call before listen(). */
    [[nodiscard]] Result<void> setTls(const QString &certificateFile, const QString &keyFile);

    /** Starts listening; port 0 picks a free port (see serverPort()). */
    [[nodiscard]] Result<void> listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    [[nodiscard]] bool isListening() const;
    [[nodiscard]] quint16 serverPort() const;
    [[nodiscard]] QHostAddress serverAddress() const;

    /** Peers (e.g. 127.0.0.1 for nginx) whose X-Forwarded-For and X-Request-Id are believed; they are also
     *  exempt from the per-IP connection limit. */
    void setTrustedProxies(const QList<QHostAddress> &proxies);
    /** Where the request log goes; nullptr switches it off. Default: standard error. */
    void setRequestLog(std::shared_ptr<RequestLog> log);
    /** The registry the server reports into; other code adds its own counters to it. */
    [[nodiscard]] std::shared_ptr<Metrics> metrics() const;
    /** A handler answering the metrics exposition, for route(GET, "/metrics", …, Dispatch::Inline). */
    [[nodiscard]] Handler metricsHandler() const;
    /** The pool handlers run on (default: as many threads as cores, at least 4). */
    [[nodiscard]] QThreadPool *workerPool() const;
    /** The pool Dispatch::Writer handlers run on (default: 2 threads), apart from the worker pool so that writers
     *  queued on a database lock never keep readers waiting for a thread. */
    [[nodiscard]] QThreadPool *writerPool() const;
    [[nodiscard]] const HttpLimits &limits() const;

    [[nodiscard]] int openConnections() const;

    /**
     * Stops accepting, closes idle connections, lets requests in progress finish (their answers carry
     * Connection: close) and closes everything that is still open after @p deadline. Emits shutdownFinished()
     * once no connection is left. Handlers still running then finish in the background; their answers are dropped.
     */
    void shutdown(std::chrono::milliseconds deadline);
    [[nodiscard]] bool isShuttingDown() const;

Q_SIGNALS:
    void shutdownFinished();

private:
    friend struct ServerCore;
    void acceptPending();
    void finishShutdown();

    std::unique_ptr<ServerCore> d;
};

} // namespace fieldnotes::http
