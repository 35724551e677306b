#include "sync/server/http/httpserver.h"
#include "sync/server/http/shutdownsignals.h"

#include <QBuffer>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <memory>
#include <optional>
#include <vector>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes::http;

namespace {

struct Response
{
    int status = 0;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

/** A raw client: sends whatever bytes a test wants and parses responses by hand. Waits spin the event loop so the
 *  server (same thread) keeps working. */
class Client
{
public:
    explicit Client(QTcpSocket *socket = new QTcpSocket)
        : m_socket(socket)
    { }
    ~Client() { delete m_socket; }

    bool connectTo(quint16 port, const QHostAddress &from = {})
    {
        if (!from.isNull() && !m_socket->bind(from))
            return false;
        m_socket->connectToHost(QHostAddress::LocalHost, port);
        return QTest::qWaitFor([this] { return m_socket->state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    bool connectTls(quint16 port)
    {
        auto *ssl = qobject_cast<QSslSocket *>(m_socket);
        ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
        ssl->connectToHostEncrypted(u"localhost"_s, port);
        return QTest::qWaitFor([ssl] { return ssl->isEncrypted(); }, 10000);
    }

    void send(const QByteArray &bytes) { m_socket->write(bytes); }

    /** The next complete response, or nothing within @p timeoutMs. */
    std::optional<Response> next(int timeoutMs = 5000)
    {
        std::optional<Response> result;
        [[maybe_unused]] const bool done = QTest::qWaitFor(
            [&] {
                pump();
                result = parse();
                return result.has_value();
            },
            timeoutMs);
        if (!result)
            pump(), result = parse();
        return result;
    }
    /** True once the server closed the connection (within @p timeoutMs). */
    bool closed(int timeoutMs = 5000)
    {
        return QTest::qWaitFor(
            [this] {
                pump();
                return m_socket->state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }
    QTcpSocket *socket() const { return m_socket; }
    QByteArray buffered() const { return m_buffer; }

private:
    void pump()
    {
        if (m_socket->isOpen())
            m_buffer += m_socket->readAll();
    }
    std::optional<Response> parse()
    {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        const QByteArrayList lines = m_buffer.left(end).split('\n');
        Response r;
        const QByteArrayList statusLine = lines.first().trimmed().split(' ');
        r.status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            r.headers.insert(lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed());
        }
        const qsizetype length = r.headers.value("content-length", "0").toLongLong();
        if (m_buffer.size() < end + 4 + length)
            return std::nullopt;
        r.body = m_buffer.mid(end + 4, length);
        m_buffer.remove(0, end + 4 + length);
        return r;
    }

    QTcpSocket *m_socket;
    QByteArray m_buffer;
};

QByteArray get(const QByteArray &path, const QByteArray &extra = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

QByteArray post(const QByteArray &path, const QByteArray &body, const QByteArray &extra = {})
{
    return "POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n" + extra + "\r\n" + body;
}

} // namespace

/** The HTTP server on real sockets: routing, framing, every limit, TLS, metrics, the log and shutdown. */
class TestHttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void routing();
    void keepAliveAndClose();
    void largeBodyRefusedUnread();
    void shortBodyTimesOut();
    void longerBodyIsTheNextRequest();
    void slowHeadCutOffAtDeadline();
    void idleKeepAliveClosed();
    void slowReaderCutOff();
    void connectionLimit();
    void perIpLimit();
    void clientLeavesWhileHandlerRuns();
    void handlerThrows();
    void expectContinue();
    void trustedProxy();
    void tls();
    void tlsUnreadableFiles();
    void metricsFormat();
    void requestLogHasNoSecrets();
    void writersDoNotHoldTheWorkers();
    void shutdownWaitsForInFlight();
    void shutdownDeadline();
    void shutdownSignal();

private:
    std::unique_ptr<HttpServer> makeServer(const HttpLimits &limits = {});
    /** A healthy request on a fresh connection: the server is still serving others. */
    bool healthy(quint16 port);

    QBuffer *m_logBuffer = nullptr;
    std::atomic<int> m_slowFinished {0};
};

std::unique_ptr<HttpServer> TestHttpServer::makeServer(const HttpLimits &limits)
{
    auto server = std::make_unique<HttpServer>(limits);
    m_logBuffer = new QBuffer(server.get());
    m_logBuffer->open(QIODevice::ReadWrite);
    server->setRequestLog(std::make_shared<RequestLog>(m_logBuffer));
    server->route(
        "GET", u"/healthz"_s,
        [](const HttpRequest &) {
            return HttpResponse::json(200, QJsonObject {{u"status"_s, u"ok"_s}});
        },
        Dispatch::Inline);
    server->route("GET", u"/metrics"_s, server->metricsHandler(), Dispatch::Inline);
    server->route("POST", u"/echo"_s,
        [](const HttpRequest &request) { return HttpResponse::text(200, request.body, "application/octet-stream"); });
    server->route("GET", u"/v1/admin/devices"_s, [](const HttpRequest &) {
        return HttpResponse::json(200, QJsonObject {{u"devices"_s, 0}});
    });
    server->route("POST", u"/v1/admin/devices/{id}/revoke"_s, [](const HttpRequest &request) {
        return HttpResponse::json(
            200, QJsonObject {{u"id"_s, request.pathParameter(u"id"_s)}, {u"route"_s, request.route}});
    });
    server->route("GET", u"/slow"_s, [this](const HttpRequest &request) {
        QThread::msleep(request.query.queryItemValue(u"ms"_s).toULong());
        ++m_slowFinished;
        return HttpResponse::json(200, QJsonObject {{u"slept"_s, true}});
    });
    server->route(
        "POST", u"/write"_s,
        [](const HttpRequest &request) {
            QThread::msleep(request.query.queryItemValue(u"ms"_s).toULong());
            return HttpResponse::json(200, QJsonObject {{u"written"_s, true}});
        },
        Dispatch::Writer);
    server->route("GET", u"/big"_s, [](const HttpRequest &) {
        return HttpResponse::text(200, QByteArray(32 * 1024 * 1024, 'b'), "application/octet-stream");
    });
    server->route("GET", u"/throw"_s,
        [](const HttpRequest &) -> HttpResponse { throw std::runtime_error("SELECT secret FROM table"); });
    const auto listening = server->listen(QHostAddress::LocalHost, 0);
    if (!listening)
        qFatal("listen failed: %s", qUtf8Printable(listening.error().message));
    return server;
}

bool TestHttpServer::healthy(quint16 port)
{
    Client client;
    if (!client.connectTo(port))
        return false;
    client.send(get("/healthz"));
    const auto response = client.next();
    return response && response->status == 200 && response->json().value(u"status"_s) == u"ok"_s;
}

void TestHttpServer::routing()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));

    client.send(get("/healthz"));
    auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->json().value(u"status"_s).toString(), u"ok"_s);
    QCOMPARE(r->headers.value("content-type"), QByteArray("application/json"));
    QCOMPARE(r->headers.value("cache-control"), QByteArray("no-store"));
    QCOMPARE(r->headers.value("content-length").toInt(), r->body.size());
    QVERIFY(!r->headers.value("x-request-id").isEmpty());

    client.send(post("/v1/admin/devices/3f1c-42/revoke", {}));
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->json().value(u"id"_s).toString(), u"3f1c-42"_s);
    QCOMPARE(r->json().value(u"route"_s).toString(), u"/v1/admin/devices/{id}/revoke"_s);

    client.send(get("/nowhere"));
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 404);
    QCOMPARE(r->body, QByteArray(R"({"error":"not_found","message":"There is nothing at this path."})"));
    QCOMPARE(r->headers.value("cache-control"), QByteArray("no-store"));

    client.send("DELETE /v1/admin/devices HTTP/1.1\r\nHost: x\r\n\r\n");
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 405);
    QCOMPARE(r->json().value(u"error"_s).toString(), u"method_not_allowed"_s);
    QCOMPARE(r->headers.value("allow"), QByteArray("GET"));

    client.send(post("/v1/admin/devices//revoke", {})); // an empty {id} matches nothing
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 404);
}

void TestHttpServer::keepAliveAndClose()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send(post("/echo", "first"));
    auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("first"));
    QVERIFY(!r->headers.contains("connection"));
    client.send(post("/echo", "second"));
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("second"));
    QCOMPARE(client.socket()->state(), QAbstractSocket::ConnectedState);
    QCOMPARE(server->openConnections(), 1);

    client.send(get("/healthz", "Connection: close\r\n"));
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->headers.value("connection"), QByteArray("close"));
    QVERIFY(client.closed());
    QTRY_COMPARE(server->openConnections(), 0);
}

void TestHttpServer::largeBodyRefusedUnread()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    const qint64 size = 10 * 1024 * 1024;
    qint64 written = 0;
    QObject::connect(client.socket(), &QTcpSocket::bytesWritten, client.socket(), [&](qint64 n) { written += n; });
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(size) + "\r\n\r\n");
    client.send(QByteArray(size, 'x'));
    const auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 413);
    QCOMPARE(r->json().value(u"error"_s).toString(), u"too_large"_s);
    QCOMPARE(r->headers.value("connection"), QByteArray("close"));
    QVERIFY(client.closed());
    // The server took the head and nothing of the body (the log counts what it consumed).
    const QJsonObject line = QJsonDocument::fromJson(m_logBuffer->data().split('\n').first()).object();
    QCOMPARE(line.value(u"status"_s).toInt(), 413);
    QVERIFY2(line.value(u"bytes_in"_s).toInteger() < 100, m_logBuffer->data().constData());
    // …and closed the connection before the client could even hand all of it to the kernel.
    qInfo("the client wrote %lld of %lld body bytes before the server closed", written, size);
    QVERIFY(written < size);
    QCOMPARE(server->metrics()->counter(u"fieldnotes_http_rejected_total"_s, {}, {u"reason"_s}).value({u"too_large"_s}),
        1.0);
    QVERIFY(healthy(server->serverPort()));
}

void TestHttpServer::shortBodyTimesOut()
{
    HttpLimits limits;
    limits.bodyTimeoutFloor = std::chrono::milliseconds(400);
    auto server = makeServer(limits);
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    QElapsedTimer timer;
    timer.start();
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..");
    QVERIFY(healthy(server->serverPort()));
    const auto r = client.next(3000);
    QVERIFY(r);
    QCOMPARE(r->status, 408);
    QCOMPARE(r->json().value(u"error"_s).toString(), u"timeout"_s);
    QVERIFY2(timer.elapsed() >= 350 && timer.elapsed() < 2500, QByteArray::number(timer.elapsed()).constData());
    QVERIFY(client.closed());
}

void TestHttpServer::longerBodyIsTheNextRequest()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloSMUGGLED / HTTP/1.1\r\n\r\n");
    auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("hello"));
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 400); // "helloSMUGGLED…" minus "hello": no Host, so refused, and the connection closed
    QVERIFY(!r->headers.value("x-request-id").isEmpty()); // refused by the parser, still traceable in the log
    QVERIFY(client.closed());
    QVERIFY(healthy(server->serverPort()));
}

void TestHttpServer::slowHeadCutOffAtDeadline()
{
    HttpLimits limits;
    limits.headerTimeout = std::chrono::milliseconds(1000);
    auto server = makeServer(limits);
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    const QByteArray request = get("/healthz", "X-Padding: " + QByteArray(100, 'p') + "\r\n");
    qsizetype sent = 0;
    QTimer drip;
    QObject::connect(&drip, &QTimer::timeout, &drip, [&] {
        if (sent < request.size() && client.socket()->state() == QAbstractSocket::ConnectedState)
            client.socket()->write(request.mid(sent++, 1));
    });
    QElapsedTimer timer;
    timer.start();
    drip.start(200);
    QVERIFY(healthy(server->serverPort())); // others are served while it drips
    const auto r = client.next(4000);
    QVERIFY(r);
    QCOMPARE(r->status, 408);
    QVERIFY(!r->headers.value("x-request-id").isEmpty());
    QVERIFY2(timer.elapsed() >= 900 && timer.elapsed() < 2500, QByteArray::number(timer.elapsed()).constData());
    QVERIFY(client.closed());
    QVERIFY(sent < request.size());
}

void TestHttpServer::idleKeepAliveClosed()
{
    HttpLimits limits;
    limits.idleTimeout = std::chrono::milliseconds(300);
    auto server = makeServer(limits);
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send(get("/healthz"));
    QVERIFY(client.next());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.closed(3000));
    QVERIFY(timer.elapsed() >= 250);
}

void TestHttpServer::slowReaderCutOff()
{
    HttpLimits limits;
    limits.minWriteBytesPerSecond = 1024 * 1024 * 1024;
    limits.writeTimeoutFloor = std::chrono::milliseconds(300);
    auto server = makeServer(limits);
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.socket()->setReadBufferSize(4096); // a client that reads (almost) nothing
    client.send(get("/big"));
    const auto timeouts = [&] {
        return server->metrics()->counter(u"fieldnotes_http_rejected_total"_s, {}, {u"reason"_s}).value({u"timeout"_s});
    };
    QTRY_COMPARE_WITH_TIMEOUT(timeouts(), 1.0, 5000);
    QTRY_COMPARE(server->openConnections(), 0);
    QVERIFY(healthy(server->serverPort()));
}

void TestHttpServer::connectionLimit()
{
    HttpLimits limits;
    limits.maxConnections = 3;
    auto server = makeServer(limits);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<Client>());
        QVERIFY(clients.back()->connectTo(server->serverPort()));
    }
    QTRY_COMPARE(server->openConnections(), 3);
    Client extra;
    QVERIFY(extra.connectTo(server->serverPort()));
    extra.send(get("/healthz"));
    const auto r = extra.next();
    QVERIFY(r);
    QCOMPARE(r->status, 503);
    QCOMPARE(r->json().value(u"error"_s).toString(), u"unavailable"_s);
    QVERIFY(extra.closed());

    // The ones inside are served.
    clients.front()->send(get("/healthz"));
    QCOMPARE(clients.front()->next()->status, 200);
    clients.pop_back();
    QTRY_COMPARE(server->openConnections(), 2);
    QVERIFY(healthy(server->serverPort()));
}

void TestHttpServer::perIpLimit()
{
    HttpLimits limits;
    limits.maxConnectionsPerIp = 2;
    auto server = makeServer(limits);
    Client a, b, c;
    QVERIFY(a.connectTo(server->serverPort()));
    QVERIFY(b.connectTo(server->serverPort()));
    QTRY_COMPARE(server->openConnections(), 2);
    QVERIFY(c.connectTo(server->serverPort()));
    c.send(get("/healthz"));
    const auto r = c.next();
    QVERIFY(r);
    QCOMPARE(r->status, 429);
    QCOMPARE(r->json().value(u"error"_s).toString(), u"rate_limited"_s);
    QCOMPARE(r->headers.value("retry-after"), QByteArray("1"));
    QVERIFY(c.closed());

    // Another address is not affected (all of 127/8 is loopback on Linux).
    Client other;
    QVERIFY(other.connectTo(server->serverPort(), QHostAddress(u"127.0.0.2"_s)));
    other.send(get("/healthz"));
    const auto ok = other.next();
    QVERIFY(ok);
    QCOMPARE(ok->status, 200);
}

void TestHttpServer::clientLeavesWhileHandlerRuns()
{
    auto server = makeServer();
    m_slowFinished = 0;
    {
        Client client;
        QVERIFY(client.connectTo(server->serverPort()));
        client.send(get("/slow?ms=300"));
        QTRY_VERIFY(m_logBuffer->data().isEmpty() && server->workerPool()->activeThreadCount() == 1);
        client.socket()->abort();
    }
    QTRY_COMPARE(server->openConnections(), 0);
    QVERIFY(healthy(server->serverPort()));
    QTRY_COMPARE(m_slowFinished.load(), 1);
    QTRY_VERIFY(m_logBuffer->data().contains("client_gone"));
    QVERIFY(healthy(server->serverPort()));
}

void TestHttpServer::handlerThrows()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send(get("/throw"));
    const auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 500);
    QCOMPARE(r->body, QByteArray(R"({"error":"internal","message":"Internal error."})"));
}

void TestHttpServer::expectContinue()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 100);
    client.send("hello");
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("hello"));
}

void TestHttpServer::trustedProxy()
{
    HttpLimits limits;
    limits.maxConnectionsPerIp = 1;
    auto server = makeServer(limits);
    Client untrusted;
    QVERIFY(untrusted.connectTo(server->serverPort()));
    untrusted.send(get("/healthz", "X-Forwarded-For: 203.0.113.7\r\nX-Request-Id: chosen-id\r\n"));
    auto r = untrusted.next();
    QVERIFY(r);
    QVERIFY(r->headers.value("x-request-id") != "chosen-id");
    QVERIFY(m_logBuffer->data().contains("\"client\":\"127.0.0.1\""));

    server->setTrustedProxies({QHostAddress::LocalHost});
    Client proxy; // a second connection from 127.0.0.1: trusted proxies are exempt from the per-IP limit
    QVERIFY(proxy.connectTo(server->serverPort()));
    proxy.send(get("/healthz", "X-Forwarded-For: 198.51.100.1, 203.0.113.7\r\nX-Request-Id: nginx-1234\r\n"));
    r = proxy.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->headers.value("x-request-id"), QByteArray("nginx-1234"));
    QVERIFY(m_logBuffer->data().contains("\"client\":\"203.0.113.7\""));
    proxy.send(get("/healthz", "X-Request-Id: bad id\"\r\n")); // an unsafe id is replaced
    r = proxy.next();
    QVERIFY(r);
    QVERIFY(!r->headers.value("x-request-id").contains(' '));
}

void TestHttpServer::tls()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess openssl;
    openssl.setWorkingDirectory(dir.path());
    openssl.start(u"openssl"_s,
        {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-subj"_s, u"/CN=localhost"_s, u"-days"_s,
            u"1"_s, u"-keyout"_s, u"k.pem"_s, u"-out"_s, u"c.pem"_s});
    QVERIFY(openssl.waitForFinished(60000));
    QCOMPARE(openssl.exitCode(), 0);

    HttpServer server;
    server.setRequestLog(nullptr);
    server.route("GET", u"/healthz"_s, [](const HttpRequest &) {
        return HttpResponse::json(200, QJsonObject {{u"status"_s, u"ok"_s}});
    });
    const auto tlsSet = server.setTls(dir.filePath(u"c.pem"_s), dir.filePath(u"k.pem"_s));
    QVERIFY2(tlsSet.ok(), tlsSet.ok() ? "" : qUtf8Printable(tlsSet.error().message));
    QVERIFY(server.listen().ok());

    Client client(new QSslSocket);
    QVERIFY(client.connectTls(server.serverPort()));
    client.send(get("/healthz"));
    auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    client.send(get("/healthz", "Connection: close\r\n")); // keep-alive over TLS, then a clean close
    r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QVERIFY(client.closed());

    // Plain HTTP on the TLS port gets nowhere and does not hurt the server.
    Client plain;
    QVERIFY(plain.connectTo(server.serverPort()));
    plain.send(get("/healthz"));
    QVERIFY(!plain.next(500));
    Client again(new QSslSocket);
    QVERIFY(again.connectTls(server.serverPort()));
    again.send(get("/healthz"));
    QCOMPARE(again.next()->status, 200);
}

void TestHttpServer::tlsUnreadableFiles()
{
    HttpServer server;
    const auto result = server.setTls(u"/nonexistent/c.pem"_s, u"/nonexistent/k.pem"_s);
    QVERIFY(!result.ok());
    QVERIFY(result.error().message.contains(u"/nonexistent/c.pem"_s));

    QTemporaryDir dir;
    QFile junk(dir.filePath(u"junk.pem"_s));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("not a certificate");
    junk.close();
    const auto bad = server.setTls(junk.fileName(), junk.fileName());
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().message.contains(u"no PEM certificate"_s));
}

void TestHttpServer::metricsFormat()
{
    auto server = makeServer();
    const auto pushes = server->metrics()->counter(u"fieldnotes_sync_pushes_total"_s, u"Pushes."_s, {u"result"_s});
    pushes.increment({u"app\"lied\n"_s}, 2);
    QVERIFY(healthy(server->serverPort()));
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send(get("/nowhere"));
    QVERIFY(client.next());
    client.send(get("/metrics"));
    const auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->headers.value("content-type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    const QByteArray text = r->body;
    for (const char *expected : {
             "# HELP fieldnotes_http_requests_total HTTP requests answered.\n",
             "# TYPE fieldnotes_http_requests_total counter\n",
             "fieldnotes_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1\n",
             "fieldnotes_http_requests_total{method=\"GET\",route=\"none\",status=\"404\"} 1\n",
             "# TYPE fieldnotes_http_request_duration_seconds histogram\n",
             "fieldnotes_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1\n",
             "fieldnotes_http_request_duration_seconds_count{route=\"/healthz\"} 1\n",
             "fieldnotes_http_request_duration_seconds_sum{route=\"/healthz\"} ",
             "# TYPE fieldnotes_http_connections_open gauge\n",
             "fieldnotes_http_connections_open 1\n",
             "# TYPE fieldnotes_http_rejected_total counter\n",
             "fieldnotes_sync_pushes_total{result=\"app\\\"lied\\n\"} 2\n",
         }) {
        QVERIFY2(text.contains(expected),
            qPrintable(u"missing: %1\nin:\n%2"_s.arg(QString::fromUtf8(expected), QString::fromUtf8(text))));
    }
    // Buckets are cumulative and end with +Inf equal to the count.
    QVERIFY(text.contains("fieldnotes_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 1\n"));
    // Every sample line is "name{labels} value".
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        QVERIFY2(line.startsWith("fieldnotes_") && line.count(' ') >= 1, line.constData());
    }
}

void TestHttpServer::requestLogHasNoSecrets()
{
    auto server = makeServer();
    Client client;
    QVERIFY(client.connectTo(server->serverPort()));
    client.send(post("/echo?cursor=SECRETCURSOR", R"({"password":"hunter2-PASSWORD"})",
        "Authorization: Bearer SECRET-TOKEN-123\r\nCookie: SECRETCOOKIE\r\n"));
    const auto r = client.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QTRY_VERIFY(!m_logBuffer->data().isEmpty());
    const QByteArray log = m_logBuffer->data();
    QCOMPARE(log.count('\n'), 1);
    for (const char *secret : {"SECRET-TOKEN-123", "Bearer", "hunter2", "SECRETCURSOR", "SECRETCOOKIE", "password"})
        QVERIFY2(!log.contains(secret), log.constData());
    const QJsonObject line = QJsonDocument::fromJson(log).object();
    QCOMPARE(line.value(u"method"_s).toString(), u"POST"_s);
    QCOMPARE(line.value(u"route"_s).toString(), u"/echo"_s);
    QCOMPARE(line.value(u"path"_s).toString(), u"/echo"_s);
    QCOMPARE(line.value(u"status"_s).toInt(), 200);
    QCOMPARE(line.value(u"request_id"_s).toString(), QString::fromLatin1(r->headers.value("x-request-id")));
    QCOMPARE(line.value(u"client"_s).toString(), u"127.0.0.1"_s);
    QVERIFY(line.value(u"bytes_in"_s).toInteger() > 0);
    QVERIFY(line.value(u"bytes_out"_s).toInteger() > 0);
    QVERIFY(line.contains(u"duration_ms"_s));
    QVERIFY(line.contains(u"time"_s));
}

// Writers (pushes waiting for a team's lock) queue on their own pool: however many there are, readers still get a
// worker at once.
void TestHttpServer::writersDoNotHoldTheWorkers()
{
    auto server = makeServer();
    server->writerPool()->setMaxThreadCount(1);
    const int workers = server->workerPool()->maxThreadCount();
    std::vector<std::unique_ptr<Client>> writers;
    for (int i = 0; i < workers + 2; ++i) {
        writers.push_back(std::make_unique<Client>());
        QVERIFY(writers.back()->connectTo(server->serverPort()));
        writers.back()->send(post("/write?ms=1000", "{}"));
    }
    QTRY_COMPARE(server->writerPool()->activeThreadCount(), 1);
    QElapsedTimer timer;
    timer.start();
    Client reader;
    QVERIFY(reader.connectTo(server->serverPort()));
    reader.send(get("/v1/admin/devices"));
    const auto read = reader.next();
    QVERIFY(read);
    QCOMPARE(read->status, 200);
    QVERIFY2(timer.elapsed() < 500, QByteArray::number(timer.elapsed()).constData());
    QVERIFY(server->writerPool()->activeThreadCount() == 1); // the writers are still queued one by one
    for (const auto &writer : writers) {
        const auto written = writer->next(15000);
        QVERIFY(written);
        QCOMPARE(written->status, 200);
    }
}

void TestHttpServer::shutdownWaitsForInFlight()
{
    auto server = makeServer();
    const quint16 port = server->serverPort();
    Client idle;
    QVERIFY(idle.connectTo(port));
    idle.send(get("/healthz"));
    QVERIFY(idle.next());

    Client busy;
    QVERIFY(busy.connectTo(port));
    busy.send(get("/slow?ms=500"));
    QTRY_COMPARE(server->workerPool()->activeThreadCount(), 1);

    QSignalSpy finished(server.get(), &HttpServer::shutdownFinished);
    server->shutdown(std::chrono::seconds(5));
    QVERIFY(idle.closed(1000)); // idle keep-alive connections go at once
    QVERIFY(!server->isListening());
    QVERIFY(finished.isEmpty());

    const auto r = busy.next();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->headers.value("connection"), QByteArray("close"));
    QVERIFY(busy.closed());
    QTRY_COMPARE(finished.size(), 1);

    Client late;
    QVERIFY(!late.connectTo(port) || late.closed(1000));
}

void TestHttpServer::shutdownDeadline()
{
    auto server = makeServer();
    Client busy;
    QVERIFY(busy.connectTo(server->serverPort()));
    busy.send(get("/slow?ms=800"));
    QTRY_COMPARE(server->workerPool()->activeThreadCount(), 1);
    QSignalSpy finished(server.get(), &HttpServer::shutdownFinished);
    QElapsedTimer timer;
    timer.start();
    server->shutdown(std::chrono::milliseconds(200));
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY2(timer.elapsed() < 700, QByteArray::number(timer.elapsed()).constData());
    QVERIFY(busy.closed());
    // The server's destructor waits for the handler; its late answer is dropped safely.
}

void TestHttpServer::shutdownSignal()
{
    auto server = makeServer();
    QList<int> received;
    QObject context; // the notifier (and this callback's captures) end with the test
    const auto installed = installShutdownSignalHandler(&context, [&](int signal) {
        received.append(signal);
        server->shutdown(std::chrono::seconds(1));
    });
    QVERIFY(installed.ok());
    QVERIFY(!installShutdownSignalHandler(&context, [](int) {}).ok()); // once per process
    QSignalSpy finished(server.get(), &HttpServer::shutdownFinished);
    std::raise(SIGTERM);
    QTRY_COMPARE(received, QList<int> {SIGTERM});
    QTRY_COMPARE(finished.size(), 1);
    std::raise(SIGINT);
    QTRY_COMPARE(received, (QList<int> {SIGTERM, SIGINT}));
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_httpserver.moc"
