#pragma once

// Internal to fieldnotes_http: the per-connection state machine and the state it shares with HttpServer.

#include "sync/server/http/httplimits.h"
#include "sync/server/http/metrics.h"
#include "sync/server/http/requestlog.h"
#include "sync/server/http/requestparser.h"
#include "sync/server/http/router.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <optional>

class QTcpServer;
class QTcpSocket;

namespace fieldnotes::http {

class HttpConnection;
class HttpServer;

/** What a response needs for its log line and metrics, carried with a request to its worker and back. */
struct RequestInfo
{
    QDateTime started;
    QElapsedTimer elapsed;
    QString requestId;
    QByteArray method;
    QString route;
    QString path;
    QString client;
    qint64 bytesIn = 0;
};

/** The state HttpServer and its connections share. Lives and is used on the socket thread, except the pools. */
struct ServerCore
{
    HttpServer *server = nullptr;
    HttpLimits limits;
    Router router;
    std::shared_ptr<Metrics> metrics;
    std::optional<Metrics::Counter> requestsTotal;
    std::optional<Metrics::Histogram> requestDuration;
    std::optional<Metrics::Gauge> connectionsOpen;
    std::optional<Metrics::Counter> rejectedTotal;
    std::shared_ptr<RequestLog> log;
    QList<QHostAddress> trustedProxies;
    std::optional<QSslConfiguration> tls;
    QTcpServer *listener = nullptr;
    QThreadPool pool;
    QThreadPool writerPool; ///< Dispatch::Writer handlers

    quint64 nextConnectionId = 1;
    QHash<quint64, HttpConnection *> connections; ///< counted against the limits
    QHash<HttpConnection *, bool> rejecting; ///< closing with a 503/429; not counted
    QHash<QHostAddress, int> perIp;
    bool shuttingDown = false;
    bool shutdownSignalled = false;
    QTimer shutdownTimer;

    /** Request log line and metrics for one answered (or dropped) request. */
    void record(const RequestInfo &info, int status, qint64 bytesOut, const QString &note = {});
    void reject(const QString &reason) const;
    /** Delivers a worker's answer to connection @p id if it is still there. */
    void deliver(quint64 id, const RequestInfo &info, HttpResponse response);
    void connectionFinished(HttpConnection *connection);
};

/** One client connection: reads one request at a time, enforces the deadlines, writes the answer. */
class HttpConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpConnection)

public:
    HttpConnection(ServerCore *core, QTcpSocket *socket, quint64 id);
    ~HttpConnection() override;

    [[nodiscard]] quint64 id() const { return m_id; }
    [[nodiscard]] QHostAddress peer() const { return m_peer; }

    /** Answers @p response and closes, before reading anything (connection limits). */
    void rejectNow(HttpResponse response);
    /** A worker's answer arrived. */
    void deliver(const RequestInfo &info, HttpResponse response);
    /** Closes now if idle; otherwise the current request's answer is the last. */
    void beginShutdown();
    /** Closes at once, without an answer. */
    void abort();

private:
    enum class State { Idle, ReadingHead, ReadingBody, Processing, Writing, Lingering, Closed };
    enum class Timer { None, Head, Body, Idle, Write, Linger };

    void onReadyRead();
    void processInput();
    void onTimeout();
    void onBytesWritten();
    void dispatch(HttpRequest request);
    void fail(int status, const QString &code, const QString &message, const QString &reason);
    void send(HttpResponse response, const RequestInfo &info);
    void startClose();
    void discardInput();
    void finish();
    void arm(Timer kind, qint64 msecs);
    [[nodiscard]] bool allWritten() const;
    void beginRequestInfo();

    ServerCore *m_core;
    QTcpSocket *m_socket;
    quint64 m_id;
    QHostAddress m_peer;
    bool m_tls = false;
    State m_state = State::Idle;
    Timer m_timerKind = Timer::None;
    QTimer m_timer;
    RequestParser m_parser;
    RequestInfo m_info;
    bool m_closeAfter = false;
    bool m_firstRequest = true;
    bool m_headOnly = false;
    int m_requests = 0;
    qint64 m_lingered = 0;
};

} // namespace fieldnotes::http
