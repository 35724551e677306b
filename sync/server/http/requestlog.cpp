#include "sync/server/http/requestlog.h"

#include <QIODevice>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>

#include <cmath>

#include <cstdio>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {

RequestLog::RequestLog()
    : m_stderr(true)
{ }

RequestLog::RequestLog(QIODevice *device)
    : m_device(device)
{ }

QByteArray RequestLog::format(const Entry &entry)
{
    QJsonObject line {
        {u"time"_s, entry.time.toUTC().toString(Qt::ISODateWithMs)},
        {u"request_id"_s, entry.requestId},
        {u"method"_s, QString::fromLatin1(entry.method)},
        {u"route"_s, entry.route},
        {u"path"_s, entry.path},
        {u"status"_s, entry.status},
        {u"duration_ms"_s, std::round(entry.durationMs * 1000) / 1000},
        {u"bytes_in"_s, entry.bytesIn},
        {u"bytes_out"_s, entry.bytesOut},
        {u"client"_s, entry.client},
    };
    if (!entry.note.isEmpty())
        line.insert(u"note"_s, entry.note);
    return QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
}

void RequestLog::write(const Entry &entry)
{
    const QByteArray line = format(entry);
    QMutexLocker lock(&m_mutex);
    if (m_stderr) {
        std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
        std::fflush(stderr);
    } else if (m_device) {
        m_device->write(line);
    }
}

} // namespace fieldnotes::http
