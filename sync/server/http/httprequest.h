#pragma once

#include <QByteArray>
#include <QByteArrayList>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QUrlQuery>

#include <utility>

namespace fieldnotes::http {

/** Header fields in arrival order; names are compared case-insensitively (stored lower-case). */
class HttpHeaders
{
public:
    /** Appends a field; @p name is lower-cased. */
    void add(QByteArrayView name, QByteArray value);
    /** Replaces every field called @p name by one. */
    void set(QByteArrayView name, QByteArray value);
    void remove(QByteArrayView name);

    [[nodiscard]] bool contains(QByteArrayView name) const;
    /** The first value of @p name, or an empty array. */
    [[nodiscard]] QByteArray value(QByteArrayView name) const;
    [[nodiscard]] QByteArrayList values(QByteArrayView name) const;
    /** How many fields are called @p name. */
    [[nodiscard]] qsizetype count(QByteArrayView name) const;
    /** True if a comma-separated list header @p name holds @p token (case-insensitive), e.g. Connection: close. */
    [[nodiscard]] bool hasToken(QByteArrayView name, QByteArrayView token) const;

    [[nodiscard]] qsizetype size() const { return m_fields.size(); }
    [[nodiscard]] const QList<std::pair<QByteArray, QByteArray>> &fields() const { return m_fields; }

private:
    QList<std::pair<QByteArray, QByteArray>> m_fields;
};

/** One parsed HTTP request as a handler sees it. Copyable; handlers on worker threads get their own copy. */
struct HttpRequest
{
    QByteArray method; ///< as sent, case-sensitive ("GET")
    QString path; ///< percent-decoded path without the query, e.g. "/v1/sync/pull"
    QUrlQuery query; ///< the decoded query string; never logged
    HttpHeaders headers;
    QByteArray body;
    int versionMinor = 1; ///< HTTP/1.<versionMinor>: 0 or 1
    bool keepAlive = true; ///< the client allows another request on this connection

    QHostAddress peerAddress; ///< the socket's peer
    /** The client: the peer, or the last X-Forwarded-For address when the peer is a trusted proxy. */
    QHostAddress clientAddress;
    QString requestId; ///< also sent back as X-Request-Id
    QString route; ///< the matched pattern ("/v1/admin/devices/{id}/revoke"), empty if none matched
    QHash<QString, QString> pathParameters; ///< {name} segments of the route, e.g. "id"

    /** The value of the {name} segment of the matched route, or an empty string. */
    [[nodiscard]] QString pathParameter(const QString &name) const { return pathParameters.value(name); }
    /** The header value, or an empty array. */
    [[nodiscard]] QByteArray header(QByteArrayView name) const { return headers.value(name); }
};

} // namespace fieldnotes::http
