#include "sync/server/http/httpconnection.h"

#include "sync/server/http/httpserver.h"

#include <QLocale>
#include <QRegularExpression>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimeZone>
#include <QUuid>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {
namespace {

QString metricMethod(const QByteArray &method)
{
    static const QByteArrayList known {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    return known.contains(method) ? QString::fromLatin1(method) : u"other"_s;
}

// A client's HTTP stack writes a request's head and body in parts, and its Nagle algorithm holds a part back until the
// one before is acknowledged; Linux delays that acknowledgement by up to 40 ms. A 45 KB push on loopback waited 43 ms
// between its two parts. While a request comes in, this side acknowledges at once (the setsockopt sends an ACK that
// is due; the kernel leaves quick-ack mode by itself, so it is asked again at every read).
void acknowledgeAtOnce(const QAbstractSocket *socket)
{
#ifdef TCP_QUICKACK
    const qintptr fd = socket->socketDescriptor();
    if (fd < 0)
        return;
    const int on = 1;
    (void)::setsockopt(int(fd), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
#else
    Q_UNUSED(socket);
#endif
}

QString rejectReason(int status)
{
    switch (status) {
    case 408:
        return u"timeout"_s;
    case 413:
    case 414:
    case 431:
        return u"too_large"_s;
    default:
        return u"bad_request"_s;
    }
}

HttpResponse runHandler(const Handler &handler, const HttpRequest &request)
{
    try {
        return handler(request);
    } catch (...) {
        // Never the exception's text: it may hold SQL or record content.
        qWarning("fieldnotes-http: a handler threw (request %s)", qUtf8Printable(request.requestId));
        return HttpResponse::error(500, u"internal"_s, u"Internal error."_s);
    }
}

QByteArray httpDate()
{
    return QLocale::c().toString(QDateTime::currentDateTimeUtc(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s).toLatin1();
}

} // namespace

// ---- ServerCore ----

void ServerCore::record(const RequestInfo &info, int status, qint64 bytesOut, const QString &note)
{
    const double seconds = info.elapsed.isValid() ? double(info.elapsed.nsecsElapsed()) / 1e9 : 0;
    const QString route = info.route.isEmpty() ? u"none"_s : info.route;
    if (requestsTotal)
        requestsTotal->increment({metricMethod(info.method), route, QString::number(status)});
    if (requestDuration)
        requestDuration->observe(seconds, {route});
    if (log) {
        RequestLog::Entry entry;
        entry.time = info.started.isValid() ? info.started : QDateTime::currentDateTimeUtc();
        entry.requestId = info.requestId;
        entry.method = info.method;
        entry.route = info.route;
        entry.path = info.path;
        entry.status = status;
        entry.durationMs = seconds * 1000;
        entry.bytesIn = info.bytesIn;
        entry.bytesOut = bytesOut;
        entry.client = info.client;
        entry.note = note;
        log->write(entry);
    }
}

void ServerCore::reject(const QString &reason) const
{
    if (rejectedTotal)
        rejectedTotal->increment({reason});
}

void ServerCore::deliver(quint64 id, const RequestInfo &info, HttpResponse response)
{
    if (HttpConnection *connection = connections.value(id)) {
        connection->deliver(info, std::move(response));
        return;
    }
    record(info, response.status, 0, u"client_gone"_s);
}

// ---- HttpConnection ----

HttpConnection::HttpConnection(ServerCore *core, QTcpSocket *socket, quint64 id)
    : m_core(core)
    , m_socket(socket)
    , m_id(id)
    , m_peer(socket->peerAddress())
    , m_tls(qobject_cast<QSslSocket *>(socket) != nullptr)
    , m_parser(core->limits)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(core->limits.socketReadBufferBytes);
    // A response is written whole (head, then body): nothing to gain from Nagle's algorithm holding the body back
    // until the client acknowledges the head, which it may delay by up to 40 ms.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        connect(ssl, &QSslSocket::encryptedBytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::finish);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            finish();
    });
    // The first request's head must arrive within the header deadline of the accept: a connection that sends
    // nothing is not idle, it is slow.
    arm(Timer::Head, core->limits.headerTimeout.count());
}

HttpConnection::~HttpConnection()
{
    // The socket is our child and outlives this body: it must not call back into a half-destroyed connection.
    m_socket->disconnect(this);
    m_socket->abort();
}

void HttpConnection::arm(Timer kind, qint64 msecs)
{
    m_timerKind = kind;
    m_timer.start(std::chrono::milliseconds(std::max<qint64>(msecs, 1)));
}

void HttpConnection::beginRequestInfo()
{
    m_info = RequestInfo();
    // Every answer carries an id, also one refused before its head was complete; a trusted proxy's id replaces it.
    m_info.requestId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_info.started = QDateTime::currentDateTimeUtc();
    m_info.elapsed.start();
    m_info.client = m_peer.toString();
}

void HttpConnection::rejectNow(HttpResponse response)
{
    beginRequestInfo();
    m_closeAfter = true;
    send(std::move(response), m_info);
}

void HttpConnection::onReadyRead()
{
    if (m_state == State::Lingering) {
        discardInput();
        return;
    }
    if (m_state == State::Idle || m_state == State::ReadingHead || m_state == State::ReadingBody)
        acknowledgeAtOnce(m_socket);
    processInput();
}

void HttpConnection::processInput()
{
    while (m_state == State::Idle || m_state == State::ReadingHead || m_state == State::ReadingBody) {
        const qint64 available = m_socket->bytesAvailable();
        if (available <= 0)
            return;
        if (m_state == State::Idle) {
            m_state = State::ReadingHead;
            beginRequestInfo();
            if (!m_firstRequest)
                arm(Timer::Head, m_core->limits.headerTimeout.count());
            m_firstRequest = false;
        }
        const QByteArray chunk = m_socket->peek(std::min<qint64>(available, 64 * 1024));
        const qsizetype used = m_parser.feed(chunk);
        m_socket->skip(used);
        m_info.bytesIn += used;

        if (m_parser.state() == RequestParser::State::Error) {
            const ParseError &e = m_parser.error();
            m_info.method = m_parser.request().method;
            m_info.path = m_parser.request().path;
            fail(e.status, e.code, e.message, rejectReason(e.status));
            return;
        }
        if (m_state == State::ReadingHead && m_parser.headComplete()) {
            m_state = State::ReadingBody;
            const qint64 length = m_parser.contentLength();
            const qint64 rate = std::max<qint64>(m_core->limits.minBodyBytesPerSecond, 1);
            arm(Timer::Body, std::max<qint64>(m_core->limits.bodyTimeoutFloor.count(), length * 1000 / rate));
            if (m_parser.expectsContinue() && m_parser.state() == RequestParser::State::NeedMore)
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        if (m_parser.state() == RequestParser::State::Complete) {
            m_timer.stop();
            m_timerKind = Timer::None;
            dispatch(m_parser.takeRequest());
            return;
        }
    }
}

void HttpConnection::dispatch(HttpRequest request)
{
    m_state = State::Processing;
    ++m_requests;
    m_headOnly = request.method == "HEAD";
    if (!request.keepAlive || m_core->shuttingDown || m_requests >= m_core->limits.maxRequestsPerConnection)
        m_closeAfter = true;

    request.peerAddress = m_peer;
    request.clientAddress = m_peer;
    const bool trusted = m_core->trustedProxies.contains(m_peer);
    if (trusted) {
        const QByteArrayList forwarded = request.headers.values("x-forwarded-for");
        if (!forwarded.isEmpty()) {
            // The proxy appends the address it saw: the last element is the only one it vouches for.
            const QHostAddress client(QString::fromLatin1(forwarded.last().split(',').last().trimmed()));
            if (!client.isNull())
                request.clientAddress = client;
        }
        static const QRegularExpression safeId(u"^[A-Za-z0-9._-]{1,64}$"_s);
        const QString incoming = QString::fromLatin1(request.headers.value("x-request-id"));
        if (safeId.match(incoming).hasMatch())
            request.requestId = incoming;
    }
    if (request.requestId.isEmpty())
        request.requestId = m_info.requestId;

    m_info.requestId = request.requestId;
    m_info.method = request.method;
    m_info.path = request.path;
    m_info.client = request.clientAddress.toString();

    Router::Match match = m_core->router.match(request.method, request.path);
    switch (match.kind) {
    case Router::Match::Kind::NotFound:
        send(HttpResponse::error(404, u"not_found"_s, u"There is nothing at this path."_s), m_info);
        return;
    case Router::Match::Kind::MethodNotAllowed: {
        m_info.route = match.pattern;
        HttpResponse response = HttpResponse::error(405, u"method_not_allowed"_s,
            u"This path does not accept %1."_s.arg(QString::fromLatin1(request.method.left(16))));
        response.headers.set("Allow", match.allowed.join(", "));
        send(std::move(response), m_info);
        return;
    }
    case Router::Match::Kind::Found:
        break;
    }

    m_info.route = match.pattern;
    request.route = match.pattern;
    request.pathParameters = std::move(match.parameters);
    if (match.route->dispatch == Dispatch::Inline) {
        send(runHandler(match.route->handler, request), m_info);
        return;
    }
    // Off the socket thread. The task holds copies only; its answer is posted back to the server (which outlives
    // its pool) and finds this connection by id, so a client that left in the meantime is simply not found.
    HttpServer *server = m_core->server;
    ServerCore *core = m_core;
    QThreadPool &pool = match.route->dispatch == Dispatch::Writer ? m_core->writerPool : m_core->pool;
    pool.start([server, core, id = m_id, info = m_info, handler = match.route->handler,
                   request = std::move(request)]() mutable {
        HttpResponse response = runHandler(handler, request);
        request = HttpRequest(); // free the body on the worker
        QMetaObject::invokeMethod(
            server,
            [core, id, info = std::move(info), response = std::move(response)]() mutable {
                core->deliver(id, info, std::move(response));
            },
            Qt::QueuedConnection);
    });
}

void HttpConnection::deliver(const RequestInfo &info, HttpResponse response)
{
    if (m_state != State::Processing)
        return;
    send(std::move(response), info);
}

void HttpConnection::fail(int status, const QString &code, const QString &message, const QString &reason)
{
    m_core->reject(reason);
    m_closeAfter = true; // the stream's framing cannot be trusted any more
    if (m_info.requestId.isEmpty()) // refused before a first byte (the head deadline runs from the accept)
        beginRequestInfo();
    send(HttpResponse::error(status, code, message), m_info);
}

void HttpConnection::send(HttpResponse response, const RequestInfo &info)
{
    const int status = response.status;
    HttpHeaders &h = response.headers;
    for (const char *name : {"content-length", "transfer-encoding", "connection", "date", "x-request-id"})
        h.remove(name);
    const bool bodyAllowed = status != 204 && status != 304 && status >= 200;
    if (!bodyAllowed)
        response.body.clear();
    if (!response.body.isEmpty() && !h.contains("content-type"))
        h.set("Content-Type", "application/octet-stream");
    if (response.body.isEmpty())
        h.remove("content-type");
    if (status != 204 && status >= 200)
        h.set("Content-Length", QByteArray::number(response.body.size()));
    h.set("Cache-Control", "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Request-Id", info.requestId.toLatin1());
    h.set("Date", httpDate());
    if (m_closeAfter)
        h.set("Connection", "close");

    QByteArray bytes = "HTTP/1.1 " + QByteArray::number(status) + ' ' + HttpResponse::reasonPhrase(status) + "\r\n";
    for (const auto &[name, value] : h.fields()) {
        // Header names and values come from our own code; still, never let a CR or LF split the head.
        if (name.contains('\r') || name.contains('\n') || value.contains('\r') || value.contains('\n'))
            continue;
        bytes += name + ": " + value + "\r\n";
    }
    bytes += "\r\n";
    const qint64 total = bytes.size() + (m_headOnly ? 0 : response.body.size());

    m_state = State::Writing;
    m_core->record(info, status, total);
    m_socket->write(bytes);
    // The body on its own: the socket's buffer takes the (shared) array as it is, so a pull page of a megabyte is
    // not copied once more on the socket thread.
    if (!m_headOnly && !response.body.isEmpty())
        m_socket->write(response.body);
    const qint64 rate = std::max<qint64>(m_core->limits.minWriteBytesPerSecond, 1);
    arm(Timer::Write, std::max<qint64>(m_core->limits.writeTimeoutFloor.count(), total * 1000 / rate));
}

bool HttpConnection::allWritten() const
{
    if (m_socket->bytesToWrite() > 0)
        return false;
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        return ssl->encryptedBytesToWrite() == 0;
    return true;
}

void HttpConnection::onBytesWritten()
{
    if (m_state != State::Writing || !allWritten())
        return;
    if (m_closeAfter) {
        startClose();
        return;
    }
    m_state = State::Idle;
    m_headOnly = false;
    m_parser.reset();
    arm(Timer::Idle, m_core->limits.idleTimeout.count());
    processInput(); // a next request may already be waiting
}

void HttpConnection::startClose()
{
    m_state = State::Lingering;
    arm(Timer::Linger, m_core->limits.lingerTimeout.count());
    if (m_tls) {
        m_socket->disconnectFromHost(); // close_notify; the socket closes once it is sent
        return;
    }
    // Half-close: the client sees our FIN after the answer, and we read (and drop) what it still sends for a
    // moment, so closing does not send a reset that could destroy the answer before the client reads it.
    if (m_socket->socketDescriptor() >= 0)
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    discardInput();
}

void HttpConnection::discardInput()
{
    while (m_state == State::Lingering && m_socket->bytesAvailable() > 0) {
        const qint64 skipped = m_socket->skip(m_socket->bytesAvailable());
        if (skipped <= 0)
            break;
        m_lingered += skipped;
        if (m_lingered > m_core->limits.lingerMaxBytes) {
            abort();
            return;
        }
    }
}

void HttpConnection::onTimeout()
{
    switch (m_timerKind) {
    case Timer::Head:
        if (m_state == State::Idle && m_firstRequest) {
            // Connected, never sent a byte: nothing to answer.
            m_core->reject(u"timeout"_s);
            abort();
            return;
        }
        fail(408, u"timeout"_s, u"The request head did not arrive in time."_s, u"timeout"_s);
        return;
    case Timer::Body:
        fail(408, u"timeout"_s, u"The request body did not arrive in time."_s, u"timeout"_s);
        return;
    case Timer::Idle:
        abort();
        return;
    case Timer::Write:
        m_core->reject(u"timeout"_s);
        abort();
        return;
    case Timer::Linger:
        abort();
        return;
    case Timer::None:
        return;
    }
}

void HttpConnection::beginShutdown()
{
    m_closeAfter = true;
    if (m_state == State::Idle && !m_firstRequest)
        abort(); // kept alive, no request under way
    else if (m_state == State::Idle && m_socket->bytesAvailable() == 0)
        abort(); // connected but sent nothing yet
}

void HttpConnection::abort()
{
    if (m_state == State::Closed)
        return;
    m_socket->abort();
    finish();
}

void HttpConnection::finish()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_timer.stop();
    m_socket->disconnect(this);
    m_core->connectionFinished(this);
}

} // namespace fieldnotes::http
