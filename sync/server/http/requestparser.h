#pragma once

#include "sync/server/http/httplimits.h"
#include "sync/server/http/httprequest.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace fieldnotes::http {

/** Why a request was refused: the status, the sync API error code and a message safe to send back. */
struct ParseError
{
    int status = 400;
    QString code;
    QString message;
};

/**
 * An incremental, strict HTTP/1.1 request decoder without sockets, so it can be unit-tested and fuzzed.
 *
 * Feed it bytes as they arrive; it consumes at most up to the end of the current request (the rest belongs to
 * the next one) and says NeedMore, Complete or Error. Memory is bounded by the limits: the head buffer never
 * exceeds maxRequestLineBytes + maxHeaderBytes plus a few bytes, the body never exceeds maxBodyBytes, and a
 * Content-Length above the body limit is refused as soon as the head ends, before any body byte is taken.
 * Only Content-Length bodies are accepted: any Transfer-Encoding is 501. Line ends must be CRLF.
 * After Complete or Error, call reset() before the next request.
 */
class RequestParser
{
public:
    enum class State { NeedMore, Complete, Error };

    explicit RequestParser(const HttpLimits &limits = {});

    /** Takes bytes from the front of @p data and returns how many it consumed (0 once Complete or Error). */
    qsizetype feed(QByteArrayView data);

    [[nodiscard]] State state() const { return m_state; }
    /** True once the whole head has arrived and passed its checks (the body may still be coming). */
    [[nodiscard]] bool headComplete() const { return m_phase == Phase::Body || m_phase == Phase::Done; }
    /** True if any byte of the current request has been consumed (a request is in progress or done). */
    [[nodiscard]] bool started() const { return m_started; }
    /** The head asked for "Expect: 100-continue" and a body is expected. */
    [[nodiscard]] bool expectsContinue() const { return m_expectContinue; }
    /** The declared body length; valid once headComplete(). */
    [[nodiscard]] qint64 contentLength() const { return m_contentLength; }
    /** The request so far; complete once state() is Complete. */
    [[nodiscard]] const HttpRequest &request() const { return m_request; }
    [[nodiscard]] HttpRequest takeRequest();
    [[nodiscard]] const ParseError &error() const { return m_error; }
    /** Bytes held in internal buffers (the head line being read plus the body so far). */
    [[nodiscard]] qsizetype bufferedBytes() const { return m_line.size() + m_request.body.size(); }

    /** Forgets the current request and waits for the next one. */
    void reset();

private:
    enum class Phase { RequestLine, Headers, Body, Done, Failed };

    void fail(int status, const QString &code, const QString &message);
    bool lineCompleted();
    bool parseRequestLine(QByteArrayView line);
    bool parseHeaderLine(QByteArrayView line);
    bool finishHead();

    HttpLimits m_limits;
    State m_state = State::NeedMore;
    Phase m_phase = Phase::RequestLine;
    QByteArray m_line;
    qsizetype m_headerBytes = 0;
    int m_headerLines = 0;
    int m_emptyLinesBefore = 0;
    qint64 m_contentLength = 0;
    bool m_expectContinue = false;
    bool m_started = false;
    HttpRequest m_request;
    ParseError m_error;
};

} // namespace fieldnotes::http
