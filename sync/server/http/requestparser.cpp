#include "sync/server/http/requestparser.h"

#include <QStringDecoder>

#include <cstring>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {
namespace {

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
//                         / DIGIT / ALPHA
bool isTchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!isTchar(c))
            return false;
    }
    return true;
}

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Field values: HTAB, SP, VCHAR and obs-text; no other control character, no NUL, no CR.
bool isValidFieldValue(QByteArrayView value)
{
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u == '\t')
            continue;
        if (u < 0x20 || u == 0x7f)
            return false;
    }
    return true;
}

QByteArrayView trimOws(QByteArrayView value)
{
    while (!value.isEmpty() && (value.front() == ' ' || value.front() == '\t'))
        value = value.sliced(1);
    while (!value.isEmpty() && (value.back() == ' ' || value.back() == '\t'))
        value.chop(1);
    return value;
}

} // namespace

RequestParser::RequestParser(const HttpLimits &limits)
    : m_limits(limits)
{ }

void RequestParser::reset()
{
    m_state = State::NeedMore;
    m_phase = Phase::RequestLine;
    m_line.clear();
    m_headerBytes = 0;
    m_headerLines = 0;
    m_emptyLinesBefore = 0;
    m_contentLength = 0;
    m_expectContinue = false;
    m_started = false;
    m_request = HttpRequest();
    m_error = ParseError();
}

HttpRequest RequestParser::takeRequest()
{
    return std::exchange(m_request, HttpRequest());
}

void RequestParser::fail(int status, const QString &code, const QString &message)
{
    m_phase = Phase::Failed;
    m_state = State::Error;
    m_error = ParseError {status, code, message};
    m_line.clear();
    m_request.body.clear();
}

qsizetype RequestParser::feed(QByteArrayView data)
{
    if (m_state != State::NeedMore)
        return 0;
    qsizetype pos = 0;
    const qsizetype n = data.size();
    if (n > 0)
        m_started = true;

    while (pos < n && (m_phase == Phase::RequestLine || m_phase == Phase::Headers)) {
        const void *found = std::memchr(data.data() + pos, '\n', size_t(n - pos));
        const qsizetype lineEnd = found ? static_cast<const char *>(found) - data.data() : n;
        const qsizetype segment = lineEnd - pos;

        // The line buffer holds the line's content and its CR: refuse to grow it past what the limits allow, so
        // an endless line costs no more memory than a legal one.
        if (m_phase == Phase::RequestLine) {
            if (m_line.size() + segment > m_limits.maxRequestLineBytes + 1) {
                fail(414, u"too_large"_s,
                    u"The request line is longer than %1 bytes."_s.arg(m_limits.maxRequestLineBytes));
                return pos + segment;
            }
        } else {
            const qsizetype budget = std::max<qsizetype>(m_limits.maxHeaderBytes - m_headerBytes - 1, 1);
            if (m_line.size() + segment > budget) {
                fail(431, u"too_large"_s,
                    u"The request headers are longer than %1 bytes."_s.arg(m_limits.maxHeaderBytes));
                return pos + segment;
            }
        }
        m_line.append(data.sliced(pos, segment));
        pos = lineEnd;
        if (!found)
            break;
        ++pos; // the LF
        if (!lineCompleted())
            return pos;
    }

    if (m_phase == Phase::Body && pos < n) {
        const qint64 missing = m_contentLength - m_request.body.size();
        const qsizetype take = qsizetype(std::min<qint64>(missing, n - pos));
        m_request.body.append(data.sliced(pos, take));
        pos += take;
    }
    if (m_phase == Phase::Body && m_request.body.size() == m_contentLength) {
        m_phase = Phase::Done;
        m_state = State::Complete;
    }
    return pos;
}

bool RequestParser::lineCompleted()
{
    if (m_phase == Phase::RequestLine && m_line.size() > m_limits.maxRequestLineBytes + 1) {
        fail(414, u"too_large"_s, u"The request line is longer than %1 bytes."_s.arg(m_limits.maxRequestLineBytes));
        return false;
    }
    if (!m_line.endsWith('\r')) {
        fail(400, u"bad_request"_s, u"Lines must end with CRLF."_s);
        return false;
    }
    const QByteArray line = std::exchange(m_line, QByteArray()).chopped(1);
    if (line.contains('\r')) {
        fail(400, u"bad_request"_s, u"A bare CR is not allowed in the request head."_s);
        return false;
    }
    if (line.contains('\0')) {
        fail(400, u"bad_request"_s, u"A NUL byte is not allowed in the request head."_s);
        return false;
    }

    if (m_phase == Phase::RequestLine) {
        if (line.isEmpty()) {
            // RFC 9112 2.2: ignore at least one empty line before the request line (clients add CRLF after a body).
            if (++m_emptyLinesBefore > 2) {
                fail(400, u"bad_request"_s, u"Expected a request line."_s);
                return false;
            }
            return true;
        }
        if (line.size() > m_limits.maxRequestLineBytes) {
            fail(414, u"too_large"_s, u"The request line is longer than %1 bytes."_s.arg(m_limits.maxRequestLineBytes));
            return false;
        }
        if (!parseRequestLine(line))
            return false;
        m_phase = Phase::Headers;
        return true;
    }

    if (line.isEmpty())
        return finishHead();

    m_headerBytes += line.size() + 2;
    if (m_headerBytes > m_limits.maxHeaderBytes) {
        fail(431, u"too_large"_s, u"The request headers are longer than %1 bytes."_s.arg(m_limits.maxHeaderBytes));
        return false;
    }
    if (++m_headerLines > m_limits.maxHeaderLines) {
        fail(431, u"too_large"_s, u"More than %1 header lines."_s.arg(m_limits.maxHeaderLines));
        return false;
    }
    return parseHeaderLine(line);
}

bool RequestParser::parseRequestLine(QByteArrayView line)
{
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype lastSpace = line.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace == firstSpace) {
        fail(400, u"bad_request"_s, u"The request line must be METHOD SP target SP HTTP-version."_s);
        return false;
    }
    const QByteArrayView method = line.first(firstSpace);
    const QByteArrayView target = line.sliced(firstSpace + 1, lastSpace - firstSpace - 1);
    const QByteArrayView version = line.sliced(lastSpace + 1);

    if (!isToken(method)) {
        fail(400, u"bad_request"_s, u"The method is not a token."_s);
        return false;
    }
    if (version == "HTTP/1.1") {
        m_request.versionMinor = 1;
    } else if (version == "HTTP/1.0") {
        m_request.versionMinor = 0;
    } else if (version.size() == 8 && version.startsWith("HTTP/") && version[5] >= '0' && version[5] <= '9'
        && version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
        fail(505, u"http_version_not_supported"_s, u"Only HTTP/1.1 and HTTP/1.0 are supported."_s);
        return false;
    } else {
        fail(400, u"bad_request"_s, u"The HTTP version is malformed."_s);
        return false;
    }

    // origin-form only: "/" path [ "?" query ], visible ASCII (RFC 3986 characters are a subset).
    if (target.isEmpty() || target.front() != '/') {
        fail(400, u"bad_request"_s, u"The request target must be an absolute path."_s);
        return false;
    }
    for (char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') {
            fail(400, u"bad_request"_s, u"The request target holds a character that is not allowed."_s);
            return false;
        }
    }
    const qsizetype question = target.indexOf('?');
    const QByteArrayView rawPath = question < 0 ? target : target.first(question);
    const QByteArrayView rawQuery = question < 0 ? QByteArrayView() : target.sliced(question + 1);
    for (qsizetype i = 0; i < rawPath.size(); ++i) {
        if (rawPath[i] == '%' && (i + 2 >= rawPath.size() || !isHex(rawPath[i + 1]) || !isHex(rawPath[i + 2]))) {
            fail(400, u"bad_request"_s, u"The path holds a malformed percent-encoding."_s);
            return false;
        }
    }
    const QByteArray decoded = QByteArray::fromPercentEncoding(rawPath.toByteArray());
    for (char c : decoded) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            fail(400, u"bad_request"_s, u"The path holds a control character."_s);
            return false;
        }
    }
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString path = utf8.decode(decoded);
    if (utf8.hasError()) {
        fail(400, u"bad_request"_s, u"The path is not valid UTF-8."_s);
        return false;
    }
    m_request.method = method.toByteArray();
    m_request.path = std::move(path);
    if (!rawQuery.isEmpty())
        m_request.query.setQuery(QString::fromLatin1(rawQuery));
    return true;
}

bool RequestParser::parseHeaderLine(QByteArrayView line)
{
    if (line.front() == ' ' || line.front() == '\t') {
        fail(400, u"bad_request"_s, u"Folded header lines (obs-fold) are not allowed."_s);
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.first(colon))) {
        fail(400, u"bad_request"_s, u"A header name is missing or is not a token."_s);
        return false;
    }
    const QByteArrayView value = trimOws(line.sliced(colon + 1));
    if (!isValidFieldValue(value)) {
        fail(400, u"bad_request"_s, u"A header value holds a control character."_s);
        return false;
    }
    m_request.headers.add(line.first(colon), value.toByteArray());
    return true;
}

bool RequestParser::finishHead()
{
    const HttpHeaders &headers = m_request.headers;
    const qsizetype hosts = headers.count("host");
    if (hosts > 1 || (m_request.versionMinor == 1 && hosts == 0)) {
        fail(400, u"bad_request"_s, u"An HTTP/1.1 request needs exactly one Host header."_s);
        return false;
    }
    if (headers.contains("transfer-encoding")) {
        fail(501, u"not_implemented"_s, u"Transfer-Encoding is not supported; send the body with a Content-Length."_s);
        return false;
    }
    const QByteArrayList lengths = headers.values("content-length");
    if (lengths.size() > 1) {
        fail(400, u"bad_request"_s, u"More than one Content-Length header."_s);
        return false;
    }
    m_contentLength = 0;
    if (lengths.size() == 1) {
        const QByteArray &text = lengths.front();
        const bool digits = !text.isEmpty() && text.size() <= 18
            && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) {
            fail(400, u"bad_request"_s, u"Content-Length must be a decimal number."_s);
            return false;
        }
        m_contentLength = text.toLongLong();
    }
    if (m_contentLength > m_limits.maxBodyBytes) {
        fail(413, u"too_large"_s, u"The body is larger than %1 bytes."_s.arg(m_limits.maxBodyBytes));
        return false;
    }
    if ((m_request.method == "GET" || m_request.method == "HEAD") && m_contentLength > 0) {
        fail(400, u"bad_request"_s, u"A GET request must not have a body."_s);
        return false;
    }
    if (headers.contains("expect")) {
        if (headers.count("expect") > 1 || headers.value("expect").compare("100-continue", Qt::CaseInsensitive) != 0) {
            fail(417, u"expectation_failed"_s, u"Only Expect: 100-continue is supported."_s);
            return false;
        }
        m_expectContinue = m_request.versionMinor == 1 && m_contentLength > 0;
    }
    m_request.keepAlive = m_request.versionMinor == 1 ? !headers.hasToken("connection", "close")
                                                      : headers.hasToken("connection", "keep-alive");
    if (m_contentLength > 0) {
        m_request.body.reserve(qsizetype(std::min<qint64>(m_contentLength, 64 * 1024)));
        m_phase = Phase::Body;
    } else {
        m_phase = Phase::Done;
        m_state = State::Complete;
    }
    return true;
}

} // namespace fieldnotes::http
