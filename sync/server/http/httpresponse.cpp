#include "sync/server/http/httpresponse.h"

#include <QJsonDocument>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {

HttpResponse HttpResponse::json(int status, const QJsonObject &object)
{
    return text(status, QJsonDocument(object).toJson(QJsonDocument::Compact), QByteArrayLiteral("application/json"));
}

HttpResponse HttpResponse::json(int status, const QJsonArray &array)
{
    return text(status, QJsonDocument(array).toJson(QJsonDocument::Compact), QByteArrayLiteral("application/json"));
}

HttpResponse HttpResponse::error(int status, const QString &code, const QString &message)
{
    return json(status, QJsonObject {{u"error"_s, code}, {u"message"_s, message}});
}

HttpResponse HttpResponse::noContent()
{
    HttpResponse response;
    response.status = 204;
    return response;
}

HttpResponse HttpResponse::text(int status, QByteArray body, QByteArray contentType)
{
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers.set("Content-Type", std::move(contentType));
    return response;
}

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

} // namespace fieldnotes::http
