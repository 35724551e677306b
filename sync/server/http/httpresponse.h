#pragma once

#include "sync/server/http/httprequest.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace fieldnotes::http {

/** What a handler answers. The server adds Content-Length, Cache-Control, X-Request-Id, Date and Connection. */
struct HttpResponse
{
    int status = 200;
    HttpHeaders headers;
    QByteArray body;

    /** @p status with @p object as compact JSON (Content-Type: application/json). */
    [[nodiscard]] static HttpResponse json(int status, const QJsonObject &object);
    [[nodiscard]] static HttpResponse json(int status, const QJsonArray &array);
    /** The sync API's error body, exactly {"error":code,"message":message}. */
    [[nodiscard]] static HttpResponse error(int status, const QString &code, const QString &message);
    /** 204 without a body. */
    [[nodiscard]] static HttpResponse noContent();
    /** @p status with @p body of type @p contentType. */
    [[nodiscard]] static HttpResponse text(
        int status, QByteArray body, QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"));

    /** The standard reason phrase for @p status ("Not Found"), or "Unknown". */
    [[nodiscard]] static QByteArray reasonPhrase(int status);
};

} // namespace fieldnotes::http
