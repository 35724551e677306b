#pragma once

#include <QtGlobal>

#include <chrono>

namespace fieldnotes::http {

/** Every limit the server enforces at the socket. The defaults suit production; tests shrink the times. */
struct HttpLimits
{
    using ms = std::chrono::milliseconds;

    int maxConnections = 512; ///< open connections in all; more get a 503 and are closed
    int maxConnectionsPerIp = 64; ///< per peer address; 0 = no per-IP limit (set this behind a proxy)

    qsizetype maxRequestLineBytes = 8 * 1024; ///< the request line, without its CRLF → 414
    qsizetype maxHeaderBytes = 16 * 1024; ///< all header lines with their CRLFs, not the request line → 431
    int maxHeaderLines = 100; ///< header lines → 431
    qint64 maxBodyBytes = 4 * 1024 * 1024; ///< Content-Length above this → 413 before any body byte is read

    /** The whole request head must arrive within this time (from the connection's accept or the request's first
     *  byte), however steadily it trickles in: not an idle timeout. → 408 */
    ms headerTimeout {10'000};
    /** The body must arrive at this average rate at least… → 408 */
    qint64 minBodyBytesPerSecond = 16 * 1024;
    /** …but it always gets this long. */
    ms bodyTimeoutFloor {10'000};
    /** A kept-alive connection with no new request is closed after this. */
    ms idleTimeout {30'000};
    /** The client must read the response at this average rate at least, with the same kind of floor. */
    qint64 minWriteBytesPerSecond = 16 * 1024;
    ms writeTimeoutFloor {10'000};
    /** After a final response the server reads and discards at most this much, for at most lingerTimeout, so the
     *  client sees the answer instead of a reset. */
    qint64 lingerMaxBytes = 64 * 1024;
    ms lingerTimeout {2'000};
    /** Requests served on one connection before it is closed. */
    int maxRequestsPerConnection = 1000;
    /** Bytes the socket buffers before the server asks for them (TCP back-pressure beyond). */
    qint64 socketReadBufferBytes = 64 * 1024;
    int listenBacklog = 511;
};

} // namespace fieldnotes::http
