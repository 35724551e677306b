#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QIODevice>
#include <QMutex>
#include <QPointer>
#include <QString>

namespace fieldnotes::http {

/**
 * One JSON line per request: time, request id, method, route pattern, path (never the query string: cursors and
 * tokens may travel there), status, duration, bytes in and out, client address. It has no field for bodies or
 * headers, so they cannot leak into it. Thread-safe.
 */
class RequestLog
{
public:
    struct Entry
    {
        QDateTime time; ///< when the request started (UTC)
        QString requestId;
        QByteArray method; ///< empty if the request line never parsed
        QString route; ///< the matched pattern; empty if none
        QString path; ///< without the query string
        int status = 0;
        double durationMs = 0;
        qint64 bytesIn = 0; ///< head and body as read from the socket
        qint64 bytesOut = 0; ///< the whole response
        QString client;
        QString note; ///< e.g. "client_gone": the client left before its answer
    };

    /** Writes to standard error. */
    RequestLog();
    /** Writes to @p device (not owned; must stay open while the log is used). */
    explicit RequestLog(QIODevice *device);

    void write(const Entry &entry);

    /** The JSON line for @p entry, with its newline. */
    [[nodiscard]] static QByteArray format(const Entry &entry);

private:
    QMutex m_mutex;
    QPointer<QIODevice> m_device;
    bool m_stderr = false;
};

} // namespace fieldnotes::http
