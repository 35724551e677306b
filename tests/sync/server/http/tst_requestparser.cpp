#include "sync/server/http/requestparser.h"

#include <QTest>

using namespace Qt::Literals::StringLiterals;
using fieldnotes::http::HttpLimits;
using fieldnotes::http::RequestParser;

namespace {

/** Feeds @p data in pieces of @p chunks (cycled), the way a socket delivers it; returns bytes consumed. */
qsizetype feedInChunks(RequestParser &parser, QByteArrayView data, QList<qsizetype> chunks)
{
    qsizetype pos = 0;
    int i = 0;
    while (pos < data.size() && parser.state() == RequestParser::State::NeedMore) {
        const qsizetype n = std::min(chunks.at(i++ % chunks.size()), data.size() - pos);
        const qsizetype used = parser.feed(data.sliced(pos, n));
        pos += used;
        if (used < n && parser.state() == RequestParser::State::NeedMore)
            return -1; // the parser must take everything it is given until the request ends
    }
    return pos;
}

QByteArray requestLine(qsizetype length)
{
    // "GET /aaaa HTTP/1.1" of exactly @p length bytes
    const QByteArray fixed = "GET / HTTP/1.1";
    return "GET /" + QByteArray(length - fixed.size(), 'a') + " HTTP/1.1";
}

} // namespace

/** The request decoder: valid input split anywhere, every refusal rule, and the limits to the byte. */
class TestRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validAtEveryBoundary_data();
    void validAtEveryBoundary();
    void byteByByte();
    void stopsAtTheEndOfARequest();
    void semantics();
    void refusals_data();
    void refusals();
    void requestLineLimit();
    void headerBytesLimit();
    void headerLinesLimit();
    void bodyLimit();
    void largeContentLengthRefusedBeforeTheBody();
    void endlessInputIsNotBuffered();
    void resetAfterError();
};

void TestRequestParser::validAtEveryBoundary_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("get") << QByteArray("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n") << QByteArray("GET")
                         << u"/healthz"_s << QByteArray();
    QTest::newRow("get-query") << QByteArray("GET /v1/sync/pull?cursor=a%3Db&limit=5 HTTP/1.1\r\nHost: x\r\n"
                                             "Authorization: Bearer t\r\n\r\n")
                               << QByteArray("GET") << u"/v1/sync/pull"_s << QByteArray();
    QTest::newRow("post") << QByteArray("POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                        "Content-Length: 12\r\n\r\n{\"a\":\"b\r\n\"}x")
                          << QByteArray("POST") << u"/v1/auth/login"_s << QByteArray("{\"a\":\"b\r\n\"}x");
    QTest::newRow("http10") << QByteArray("DELETE /a%20b HTTP/1.0\r\n\r\n") << QByteArray("DELETE") << u"/a b"_s
                            << QByteArray();
    QTest::newRow("leading-crlf") << QByteArray("\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n")
                                  << QByteArray("GET") << u"/"_s << QByteArray();
    QTest::newRow("get-zero-length") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                                     << QByteArray("GET") << u"/"_s << QByteArray();
}

void TestRequestParser::validAtEveryBoundary()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    for (qsizetype split = 0; split <= raw.size(); ++split) {
        RequestParser parser;
        QCOMPARE(parser.feed(QByteArrayView(raw).first(split)), split);
        const qsizetype rest = parser.feed(QByteArrayView(raw).sliced(split));
        QCOMPARE(split + rest, raw.size());
        QCOMPARE(parser.state(), RequestParser::State::Complete);
        QCOMPARE(parser.request().method, method);
        QCOMPARE(parser.request().path, path);
        QCOMPARE(parser.request().body, body);
    }
}

void TestRequestParser::byteByByte()
{
    const QByteArray raw = "PUT /x/%C3%A9 HTTP/1.1\r\nhost: x\r\ncontent-LENGTH: 3\r\nX-A: 1\r\nx-a: 2\r\n\r\nabc";
    RequestParser parser;
    QCOMPARE(feedInChunks(parser, raw, {1}), raw.size());
    QCOMPARE(parser.state(), RequestParser::State::Complete);
    const auto request = parser.takeRequest();
    QCOMPARE(request.path, u"/x/é"_s);
    QCOMPARE(request.body, QByteArray("abc"));
    QCOMPARE(request.headers.values("X-a"), (QByteArrayList {"1", "2"}));
    QCOMPARE(request.header("Content-Length"), QByteArray("3"));
}

void TestRequestParser::stopsAtTheEndOfARequest()
{
    const QByteArray first = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
    const QByteArray second = "GET /b?q=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    const QByteArray both = first + second;
    RequestParser parser;
    QCOMPARE(parser.feed(both), first.size());
    QCOMPARE(parser.state(), RequestParser::State::Complete);
    QCOMPARE(parser.feed(both), 0); // nothing more until reset
    parser.reset();
    QCOMPARE(parser.feed(QByteArrayView(both).sliced(first.size())), second.size());
    QCOMPARE(parser.state(), RequestParser::State::Complete);
    QCOMPARE(parser.request().path, u"/b"_s);
    QCOMPARE(parser.request().query.queryItemValue(u"q"_s), u"1"_s);
}

void TestRequestParser::semantics()
{
    {
        RequestParser parser;
        QVERIFY(parser.feed("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n") > 0);
        QCOMPARE(parser.state(), RequestParser::State::Complete);
        QVERIFY(!parser.request().keepAlive);
    }
    {
        RequestParser parser;
        QVERIFY(parser.feed("GET / HTTP/1.0\r\n\r\n") > 0);
        QVERIFY(!parser.request().keepAlive);
        QCOMPARE(parser.request().versionMinor, 0);
    }
    {
        RequestParser parser;
        QVERIFY(parser.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") > 0);
        QVERIFY(parser.request().keepAlive);
    }
    {
        RequestParser parser;
        QVERIFY(parser.feed("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n") > 0);
        QCOMPARE(parser.state(), RequestParser::State::NeedMore);
        QVERIFY(parser.headComplete());
        QVERIFY(parser.expectsContinue());
        QCOMPARE(parser.contentLength(), 4);
    }
    {
        RequestParser parser;
        QVERIFY(parser.feed("GET /p?cursor=a%2Bb%3D&limit=10 HTTP/1.1\r\nHost: x\r\n\r\n") > 0);
        QCOMPARE(parser.request().query.queryItemValue(u"cursor"_s, QUrl::FullyDecoded), u"a+b="_s);
        QCOMPARE(parser.request().query.queryItemValue(u"limit"_s), u"10"_s);
    }
}

void TestRequestParser::refusals_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QByteArray get = "GET / HTTP/1.1\r\nHost: x\r\n";
    const QByteArray post = "POST / HTTP/1.1\r\nHost: x\r\n";
    auto row = [](const char *name, const QByteArray &raw, int status, const QString &code = u"bad_request"_s) {
        QTest::newRow(name) << raw << status << code;
    };
    row("transfer-encoding chunked", post + "Transfer-Encoding: chunked\r\n\r\n", 501, u"not_implemented"_s);
    row("transfer-encoding identity", post + "Transfer-Encoding: identity\r\nContent-Length: 1\r\n\r\n", 501,
        u"not_implemented"_s);
    row("duplicate content-length", post + "Content-Length: 1\r\nContent-Length: 1\r\n\r\n", 400);
    row("content-length list", post + "Content-Length: 1, 1\r\n\r\n", 400);
    row("content-length negative", post + "Content-Length: -1\r\n\r\n", 400);
    row("content-length plus", post + "Content-Length: +1\r\n\r\n", 400);
    row("content-length hex", post + "Content-Length: 0x10\r\n\r\n", 400);
    row("content-length empty", post + "Content-Length:\r\n\r\n", 400);
    row("content-length letters", post + "Content-Length: abc\r\n\r\n", 400);
    row("content-length huge", post + "Content-Length: 99999999999999999999999\r\n\r\n", 400);
    row("content-length too large", post + "Content-Length: 4194305\r\n\r\n", 413, u"too_large"_s);
    row("get with body", get + "Content-Length: 1\r\n\r\nx", 400);
    row("obs-fold", get + "X-A: 1\r\n  continued\r\n\r\n", 400);
    row("obs-fold tab", get + "X-A: 1\r\n\tcontinued\r\n\r\n", 400);
    row("bare cr in value", get + "X-A: 1\r2\r\n\r\n", 400);
    row("bare cr line end", QByteArray("GET / HTTP/1.1\rHost: x\r\n\r\n"), 400);
    row("bare lf", QByteArray("GET / HTTP/1.1\nHost: x\n\n"), 400);
    row("nul in value", get + QByteArray("X-A: a\0b\r\n\r\n", 13), 400);
    row("control in value", get + "X-A: a\x01b\r\n\r\n", 400);
    row("space before colon", get + "X-A : 1\r\n\r\n", 400);
    row("name not a token", get + "X(A): 1\r\n\r\n", 400);
    row("no colon", get + "X-A 1\r\n\r\n", 400);
    row("empty name", get + ": 1\r\n\r\n", 400);
    row("http/2.0", QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505, u"http_version_not_supported"_s);
    row("http/1.2", QByteArray("GET / HTTP/1.2\r\nHost: x\r\n\r\n"), 505, u"http_version_not_supported"_s);
    row("http lower case", QByteArray("GET / http/1.1\r\nHost: x\r\n\r\n"), 400);
    row("version garbage", QByteArray("GET / HTTP/1.1x\r\nHost: x\r\n\r\n"), 400);
    row("no version", QByteArray("GET /\r\nHost: x\r\n\r\n"), 400);
    row("double space", QByteArray("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("empty method", QByteArray(" / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("method not token", QByteArray("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("absolute form", QByteArray("GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("asterisk", QByteArray("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("control in target", QByteArray("GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("bad percent", QByteArray("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("short percent", QByteArray("GET /a%2 HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("percent nul", QByteArray("GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("percent bad utf8", QByteArray("GET /a%ff HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    row("missing host", QByteArray("GET / HTTP/1.1\r\n\r\n"), 400);
    row("two hosts", get + "Host: y\r\n\r\n", 400);
    row("expect other", post + "Expect: magic\r\nContent-Length: 1\r\n\r\n", 417, u"expectation_failed"_s);
    row("many empty lines", QByteArray("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
}

void TestRequestParser::refusals()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    QFETCH(QString, code);
    for (qsizetype chunk : {raw.size(), qsizetype(1), qsizetype(7)}) {
        RequestParser parser;
        feedInChunks(parser, raw, {chunk});
        QCOMPARE(parser.state(), RequestParser::State::Error);
        QCOMPARE(parser.error().status, status);
        QCOMPARE(parser.error().code, code);
        QVERIFY(!parser.error().message.isEmpty());
    }
}

void TestRequestParser::requestLineLimit()
{
    HttpLimits limits;
    for (qsizetype length : {limits.maxRequestLineBytes - 1, limits.maxRequestLineBytes}) {
        RequestParser parser(limits);
        const QByteArray raw = requestLine(length) + "\r\nHost: x\r\n\r\n";
        QCOMPARE(feedInChunks(parser, raw, {1000}), raw.size());
        QCOMPARE(parser.state(), RequestParser::State::Complete);
    }
    for (qsizetype chunk : {qsizetype(1), qsizetype(1000), qsizetype(100000)}) {
        RequestParser parser(limits);
        const QByteArray raw = requestLine(limits.maxRequestLineBytes + 1) + "\r\nHost: x\r\n\r\n";
        feedInChunks(parser, raw, {chunk});
        QCOMPARE(parser.state(), RequestParser::State::Error);
        QCOMPARE(parser.error().status, 414);
    }
}

void TestRequestParser::headerBytesLimit()
{
    HttpLimits limits;
    // Header lines count with their CRLF; "Host: x\r\n" is 9 bytes, the filler line makes up the rest.
    auto head = [](qsizetype headerBytes) {
        const QByteArray host = "Host: x\r\n";
        const qsizetype fillerValue = headerBytes - host.size() - qsizetype(strlen("X-F: \r\n"));
        return "GET / HTTP/1.1\r\n" + host + "X-F: " + QByteArray(fillerValue, 'f') + "\r\n\r\n";
    };
    for (qsizetype bytes : {limits.maxHeaderBytes - 1, limits.maxHeaderBytes}) {
        for (qsizetype chunk : {qsizetype(1), qsizetype(4096)}) {
            RequestParser parser(limits);
            const QByteArray raw = head(bytes);
            QCOMPARE(feedInChunks(parser, raw, {chunk}), raw.size());
            QCOMPARE(parser.state(), RequestParser::State::Complete);
        }
    }
    for (qsizetype chunk : {qsizetype(1), qsizetype(4096), qsizetype(100000)}) {
        RequestParser parser(limits);
        feedInChunks(parser, head(limits.maxHeaderBytes + 1), {chunk});
        QCOMPARE(parser.state(), RequestParser::State::Error);
        QCOMPARE(parser.error().status, 431);
        QCOMPARE(parser.error().code, u"too_large"_s);
    }
}

void TestRequestParser::headerLinesLimit()
{
    HttpLimits limits;
    auto head = [](int lines) {
        QByteArray raw = "GET / HTTP/1.1\r\nHost: x\r\n";
        for (int i = 1; i < lines; ++i)
            raw += "X-" + QByteArray::number(i) + ": v\r\n";
        return raw + "\r\n";
    };
    for (int lines : {limits.maxHeaderLines - 1, limits.maxHeaderLines}) {
        RequestParser parser(limits);
        const QByteArray raw = head(lines);
        QCOMPARE(parser.feed(raw), raw.size());
        QCOMPARE(parser.state(), RequestParser::State::Complete);
        QCOMPARE(parser.request().headers.size(), lines);
    }
    RequestParser parser(limits);
    parser.feed(head(limits.maxHeaderLines + 1));
    QCOMPARE(parser.state(), RequestParser::State::Error);
    QCOMPARE(parser.error().status, 431);
}

void TestRequestParser::bodyLimit()
{
    HttpLimits limits;
    limits.maxBodyBytes = 1000;
    for (qint64 length : {limits.maxBodyBytes - 1, limits.maxBodyBytes}) {
        RequestParser parser(limits);
        const QByteArray raw = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(length)
            + "\r\n\r\n" + QByteArray(length, 'b');
        QCOMPARE(feedInChunks(parser, raw, {13}), raw.size());
        QCOMPARE(parser.state(), RequestParser::State::Complete);
        QCOMPARE(parser.request().body.size(), length);
    }
    RequestParser parser(limits);
    parser.feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n");
    QCOMPARE(parser.state(), RequestParser::State::Error);
    QCOMPARE(parser.error().status, 413);

    // The default limit, 4 MiB, to the byte.
    RequestParser fits;
    fits.feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\n");
    QCOMPARE(fits.state(), RequestParser::State::NeedMore);
    QVERIFY(fits.headComplete());
}

void TestRequestParser::largeContentLengthRefusedBeforeTheBody()
{
    const QByteArray head = "POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n";
    const QByteArray raw = head + QByteArray(64 * 1024, 'z');
    RequestParser parser;
    const qsizetype used = parser.feed(raw);
    QCOMPARE(parser.state(), RequestParser::State::Error);
    QCOMPARE(parser.error().status, 413);
    QCOMPARE(parser.error().code, u"too_large"_s);
    QCOMPARE(used, head.size()); // not one body byte taken
    QCOMPARE(parser.bufferedBytes(), 0);
}

void TestRequestParser::endlessInputIsNotBuffered()
{
    const HttpLimits limits;
    {
        RequestParser parser(limits);
        const QByteArray endless(1024 * 1024, 'A');
        qsizetype used = 0;
        for (int i = 0; i < 16 && parser.state() == RequestParser::State::NeedMore; ++i) {
            used += parser.feed(QByteArrayView(endless).first(1000));
            QVERIFY(parser.bufferedBytes() <= limits.maxRequestLineBytes + 1);
        }
        QCOMPARE(parser.state(), RequestParser::State::Error);
        QVERIFY(used <= limits.maxRequestLineBytes + 1000); // the refused chunk counts as seen
    }
    {
        RequestParser parser(limits);
        parser.feed("GET / HTTP/1.1\r\nX-Endless: ");
        const QByteArray filler(1000, 'v');
        qsizetype used = 0;
        for (int i = 0; i < 100 && parser.state() == RequestParser::State::NeedMore; ++i) {
            used += parser.feed(filler);
            QVERIFY(parser.bufferedBytes() <= limits.maxHeaderBytes);
        }
        QCOMPARE(parser.state(), RequestParser::State::Error);
        QCOMPARE(parser.error().status, 431);
        QVERIFY(used <= limits.maxHeaderBytes + 1000);
    }
}

void TestRequestParser::resetAfterError()
{
    RequestParser parser;
    parser.feed("GARBAGE\r\n");
    QCOMPARE(parser.state(), RequestParser::State::Error);
    QCOMPARE(parser.feed("GET / HTTP/1.1\r\n"), 0);
    parser.reset();
    QVERIFY(!parser.started());
    parser.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    QCOMPARE(parser.state(), RequestParser::State::Complete);
}

QTEST_GUILESS_MAIN(TestRequestParser)
#include "tst_requestparser.moc"
