#include "sync/server/http/httpserver.h"

#include "sync/server/http/httpconnection.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QThread>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {

void ServerCore::connectionFinished(HttpConnection *connection)
{
    if (rejecting.remove(connection)) {
        connection->deleteLater();
    } else if (connections.remove(connection->id())) {
        const QHostAddress peer = connection->peer();
        auto it = perIp.find(peer);
        if (it != perIp.end() && --it.value() <= 0)
            perIp.erase(it);
        connectionsOpen->set(double(connections.size()));
        connection->deleteLater();
    }
    if (shuttingDown && connections.isEmpty() && rejecting.isEmpty())
        QMetaObject::invokeMethod(
            server, [this] { server->finishShutdown(); }, Qt::QueuedConnection);
}

HttpServer::HttpServer(const HttpLimits &limits, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<ServerCore>())
{
    d->server = this;
    d->limits = limits;
    d->log = std::make_shared<RequestLog>();
    d->metrics = std::make_shared<Metrics>();
    d->requestsTotal = d->metrics->counter(
        u"fieldnotes_http_requests_total"_s, u"HTTP requests answered."_s, {u"method"_s, u"route"_s, u"status"_s});
    d->requestDuration = d->metrics->histogram(u"fieldnotes_http_request_duration_seconds"_s,
        u"Time from a request's first byte to its answer."_s, {u"route"_s});
    d->connectionsOpen = d->metrics->gauge(u"fieldnotes_http_connections_open"_s, u"Open client connections."_s);
    d->rejectedTotal = d->metrics->counter(u"fieldnotes_http_rejected_total"_s,
        u"Requests and connections refused by a limit or a parse error."_s, {u"reason"_s});
    d->pool.setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
    d->writerPool.setMaxThreadCount(2);
    d->shutdownTimer.setSingleShot(true);
    connect(&d->shutdownTimer, &QTimer::timeout, this, [this] {
        const auto open = d->connections.values();
        for (HttpConnection *connection : open)
            connection->abort();
        const auto closing = d->rejecting.keys();
        for (HttpConnection *connection : closing)
            connection->abort();
        finishShutdown();
    });
}

HttpServer::~HttpServer()
{
    // Workers post their answers to this object: let them finish before it goes (queued answers die with it).
    d->writerPool.waitForDone();
    d->pool.waitForDone();
    if (d->listener)
        d->listener->close();
    const auto open = d->connections.values();
    d->connections.clear();
    qDeleteAll(open);
    const auto closing = d->rejecting.keys();
    d->rejecting.clear();
    qDeleteAll(closing);
}

void HttpServer::route(const QByteArray &method, const QString &pattern, Handler handler, Dispatch dispatch)
{
    d->router.route(method, pattern, std::move(handler), dispatch);
}

Result<void> HttpServer::setTls(const QString &certificateFile, const QString &keyFile)
{
    if (!QSslSocket::supportsSsl())
        return makeError(ErrorCode::Unavailable, u"TLS is not available: Qt found no usable OpenSSL."_s);
    QFile certFile(certificateFile);
    if (!certFile.open(QIODevice::ReadOnly))
        return makeError(
            ErrorCode::Io, u"Cannot read the TLS certificate %1: %2"_s.arg(certificateFile, certFile.errorString()));
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull())
        return makeError(ErrorCode::InvalidInput, u"%1 holds no PEM certificate."_s.arg(certificateFile));
    QFile key(keyFile);
    if (!key.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, u"Cannot read the TLS key %1: %2"_s.arg(keyFile, key.errorString()));
    const QByteArray keyPem = key.readAll();
    QSslKey privateKey;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        privateKey = QSslKey(keyPem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!privateKey.isNull())
            break;
    }
    if (privateKey.isNull())
        return makeError(
            ErrorCode::InvalidInput, u"%1 holds no unencrypted PEM private key (RSA, EC or DSA)."_s.arg(keyFile));
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(privateKey);
    config.setProtocol(QSsl::TlsV1_2OrLater);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);
    d->tls = config;
    return {};
}

Result<void> HttpServer::listen(const QHostAddress &address, quint16 port)
{
    if (d->listener && d->listener->isListening())
        return makeError(ErrorCode::AlreadyExists, u"The server is already listening."_s);
    delete d->listener;
    if (d->tls) {
        auto *ssl = new QSslServer(this);
        ssl->setSslConfiguration(*d->tls);
        ssl->setHandshakeTimeout(int(d->limits.headerTimeout.count()));
        d->listener = ssl;
    } else {
        d->listener = new QTcpServer(this);
    }
    d->listener->setListenBacklogSize(d->limits.listenBacklog);
    d->listener->setMaxPendingConnections(std::max(d->limits.maxConnections, 30));
    connect(d->listener, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::acceptPending);
    if (!d->listener->listen(address, port)) {
        return makeError(ErrorCode::Unavailable,
            u"Cannot listen on %1:%2: %3"_s.arg(address.toString()).arg(port).arg(d->listener->errorString()));
    }
    return {};
}

bool HttpServer::isListening() const
{
    return d->listener && d->listener->isListening();
}

quint16 HttpServer::serverPort() const
{
    return d->listener ? d->listener->serverPort() : 0;
}

QHostAddress HttpServer::serverAddress() const
{
    return d->listener ? d->listener->serverAddress() : QHostAddress();
}

void HttpServer::setTrustedProxies(const QList<QHostAddress> &proxies)
{
    d->trustedProxies = proxies;
}

void HttpServer::setRequestLog(std::shared_ptr<RequestLog> log)
{
    d->log = std::move(log);
}

std::shared_ptr<Metrics> HttpServer::metrics() const
{
    return d->metrics;
}

Handler HttpServer::metricsHandler() const
{
    return [metrics = d->metrics](
               const HttpRequest &) { return HttpResponse::text(200, metrics->exposition(), Metrics::contentType()); };
}

QThreadPool *HttpServer::workerPool() const
{
    return &d->pool;
}

QThreadPool *HttpServer::writerPool() const
{
    return &d->writerPool;
}

const HttpLimits &HttpServer::limits() const
{
    return d->limits;
}

int HttpServer::openConnections() const
{
    return int(d->connections.size());
}

bool HttpServer::isShuttingDown() const
{
    return d->shuttingDown;
}

void HttpServer::acceptPending()
{
    while (d->listener && d->listener->hasPendingConnections()) {
        QTcpSocket *socket = d->listener->nextPendingConnection();
        if (!socket)
            break;
        if (d->shuttingDown) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const QHostAddress peer = socket->peerAddress();
        const quint64 id = d->nextConnectionId++;
        std::optional<HttpResponse> refusal;
        if (d->connections.size() >= d->limits.maxConnections) {
            refusal = HttpResponse::error(503, u"unavailable"_s, u"Too many connections; try again later."_s);
        } else if (d->limits.maxConnectionsPerIp > 0 && !d->trustedProxies.contains(peer)
            && d->perIp.value(peer) >= d->limits.maxConnectionsPerIp) {
            refusal = HttpResponse::error(
                429, u"rate_limited"_s, u"Too many connections from this address; try again later."_s);
            refusal->headers.set("Retry-After", "1");
        }
        if (refusal) {
            d->reject(u"too_many_connections"_s);
            // Refusing costs one small write; past a bound even that is too much, so the rest are just closed.
            if (d->rejecting.size() >= 64) {
                socket->abort();
                socket->deleteLater();
                continue;
            }
            auto *connection = new HttpConnection(d.get(), socket, id);
            connection->setParent(this);
            d->rejecting.insert(connection, true);
            connection->rejectNow(std::move(*refusal));
            continue;
        }
        auto *connection = new HttpConnection(d.get(), socket, id);
        connection->setParent(this);
        d->connections.insert(id, connection);
        ++d->perIp[peer];
        d->connectionsOpen->set(double(d->connections.size()));
        if (socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(socket, &QTcpSocket::readyRead, Qt::QueuedConnection);
    }
}

void HttpServer::shutdown(std::chrono::milliseconds deadline)
{
    if (d->shuttingDown)
        return;
    d->shuttingDown = true;
    if (d->listener)
        d->listener->close();
    const auto open = d->connections.values();
    for (HttpConnection *connection : open)
        connection->beginShutdown();
    if (d->connections.isEmpty() && d->rejecting.isEmpty()) {
        QMetaObject::invokeMethod(this, &HttpServer::finishShutdown, Qt::QueuedConnection);
        return;
    }
    d->shutdownTimer.start(deadline);
}

void HttpServer::finishShutdown()
{
    if (d->shutdownSignalled)
        return;
    d->shutdownSignalled = true;
    d->shutdownTimer.stop();
    Q_EMIT shutdownFinished();
}

} // namespace fieldnotes::http
