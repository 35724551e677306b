#include "sync/client/apiclient.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFutureWatcher>
#include <QHostAddress>
#include <QLocale>
#include <QTimeZone>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslKey>
#include <QUrlQuery>
#include <QtConcurrent/QtConcurrentRun>

#include <sodium.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::sync {

namespace {

// A server that answers with more than this is broken or hostile; a full pull page is far smaller.
constexpr qint64 kMaxAnswerBytes = 256 * 1024 * 1024;
constexpr const char *kAbortedByUs = "fieldnotesAborted";
constexpr const char *kPinFailed = "fieldnotesPinFailed";

bool isLoopbackHost(const QString &host)
{
    if (host.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

// An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"); Qt 6.4's RFC2822Date rejects "GMT".
QDateTime parseHttpDate(const QByteArray &value)
{
    QString text = QString::fromLatin1(value.trimmed());
    if (!text.endsWith(u" GMT"_s))
        return {};
    text.chop(4);
    QDateTime when = QLocale::c().toDateTime(text, u"ddd, dd MMM yyyy hh:mm:ss"_s);
    if (!when.isValid())
        return {};
    when.setTimeZone(QTimeZone::utc());
    return when;
}

qint64 parseRetryAfter(const QByteArray &value)
{
    if (value.isEmpty())
        return -1;
    bool ok = false;
    const qint64 seconds = value.trimmed().toLongLong(&ok);
    if (ok)
        return seconds < 0 ? -1 : std::min<qint64>(seconds, 24 * 3600) * 1000;
    const QDateTime when = parseHttpDate(value);
    if (!when.isValid())
        return -1;
    return std::clamp<qint64>(QDateTime::currentDateTimeUtc().msecsTo(when), 0, 24 * 3600 * 1000);
}

CallError networkError(CallError::Kind kind, const QString &message)
{
    CallError error;
    error.kind = kind;
    error.message = message;
    return error;
}

} // namespace

bool CallError::isRetryable() const
{
    switch (kind) {
    case Kind::Network:
    case Kind::Timeout:
        return true;
    case Kind::Http:
        return status == 408 || status == 429 || status >= 500;
    case Kind::Tls:
    case Kind::Protocol:
        return false;
    }
    return false;
}

bool CallError::isDeviceRevoked() const
{
    return kind == Kind::Http && api && api->code == protocol::ApiErrorCode::DeviceRevoked;
}

bool CallError::isUnauthenticated() const
{
    return kind == Kind::Http && status == 401 && !isDeviceRevoked();
}

ApiClient::ApiClient(ApiClientOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_network(new QNetworkAccessManager(this))
{
    m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

ApiClient::~ApiClient()
{
    abortAll();
    clearToken();
}

Result<QUrl> ApiClient::checkServerUrl(const QString &text)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return makeError(ErrorCode::InvalidInput, u"The server address is not a valid URL (e.g. https://fieldnotes.example.com)."_s);
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return makeError(ErrorCode::InvalidInput, u"The server address may not contain a user name, query or fragment."_s);
    const QString scheme = url.scheme().toLower();
    if (scheme == u"https"_s)
        return url;
    if (scheme == u"http"_s) {
        if (isLoopbackHost(url.host()))
            return url;
        return makeError(ErrorCode::InvalidInput,
                         u"Plain http:// is only allowed to this computer (127.0.0.1, ::1, localhost); use https:// "
                         "so the connection is encrypted."_s);
    }
    return makeError(ErrorCode::InvalidInput, u"The server address must start with https://."_s);
}

QByteArray ApiClient::spkiHash(const QByteArray &spkiDer)
{
    return QCryptographicHash::hash(spkiDer, QCryptographicHash::Sha256).toBase64();
}

void ApiClient::setToken(const QByteArray &token)
{
    clearToken();
    m_token = token;
    m_token.detach();
}

void ApiClient::clearToken()
{
    if (!m_token.isEmpty())
        sodium_memzero(m_token.data(), size_t(m_token.size()));
    m_token.clear();
}

void ApiClient::abortAll()
{
    const auto replies = m_inFlight;
    for (const QPointer<QNetworkReply> &reply : replies) {
        if (reply) {
            reply->setProperty(kAbortedByUs, true);
            reply->abort();
        }
    }
}

QNetworkRequest ApiClient::request(const QString &path, bool authenticated) const
{
    QUrl url = m_server;
    QString base = url.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    const qsizetype query = path.indexOf(u'?');
    url.setPath(base + (query < 0 ? path : path.left(query)));
    if (query >= 0)
        url.setQuery(path.mid(query + 1));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    request.setTransferTimeout(m_options.timeoutMs);
    if (authenticated)
        request.setRawHeader(QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + m_token);
    return request;
}

bool ApiClient::checkPins(QNetworkReply *reply)
{
    if (m_options.pinnedSpkiSha256.isEmpty())
        return true;
    const QList<QSslCertificate> chain = reply->sslConfiguration().peerCertificateChain();
    for (const QSslCertificate &certificate : chain) {
        if (m_options.pinnedSpkiSha256.contains(spkiHash(certificate.publicKey().toDer())))
            return true;
    }
    return false;
}

void ApiClient::send(const QByteArray &method, const QString &path, const QByteArray &body, bool authenticated,
                     RawDone done, std::function<void()> sent)
{
    if (!m_server.isValid()) {
        QMetaObject::invokeMethod(this, [done] {
            done(0, {}, networkError(CallError::Kind::Protocol, u"No server is set."_s));
        }, Qt::QueuedConnection);
        return;
    }
    QNetworkReply *reply = m_network->sendCustomRequest(request(path, authenticated), method, body);
    m_inFlight.append(reply);
    connect(reply, &QNetworkReply::encrypted, this, [this, reply] {
        if (!checkPins(reply)) {
            reply->setProperty(kPinFailed, true);
            reply->abort();
        }
    });
    if (sent) {
        // Qt may report a request as sent more than once (e.g. sent again on a new connection): the first counts.
        connect(reply, &QNetworkReply::requestSent, this, [sent = std::move(sent), once = true]() mutable {
            if (std::exchange(once, false))
                sent();
        });
    }
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > kMaxAnswerBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, done] {
        m_inFlight.removeAll(reply);
        finished(reply, done);
        reply->deleteLater();
    });
}

void ApiClient::finished(QNetworkReply *reply, const RawDone &done)
{
    const QByteArray date = reply->rawHeader(QByteArrayLiteral("Date"));
    if (!date.isEmpty()) {
        const QDateTime serverTime = parseHttpDate(date);
        if (serverTime.isValid())
            Q_EMIT serverClock(serverTime.toMSecsSinceEpoch());
    }

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    if (reply->property(kPinFailed).toBool()) {
        done(0, {}, networkError(CallError::Kind::Tls,
                                 u"The server's certificate is not one of the pinned certificates; not connecting."_s));
        return;
    }
    if (status == 0 || (error != QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied)) {
        if (reply->property(kAbortedByUs).toBool()) {
            done(0, {}, networkError(CallError::Kind::Network, u"The request was cancelled."_s));
        } else if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError) {
            done(0, {}, networkError(CallError::Kind::Timeout,
                                     u"The server did not answer within %1 s."_s.arg(m_options.timeoutMs / 1000.0)));
        } else if (error == QNetworkReply::SslHandshakeFailedError) {
            done(0, {}, networkError(CallError::Kind::Tls,
                                     u"The server's certificate is not trusted (%1); not connecting."_s.arg(
                                         reply->errorString())));
        } else {
            done(0, {}, networkError(CallError::Kind::Network,
                                     u"Cannot reach the server (%1)."_s.arg(reply->errorString())));
        }
        return;
    }

    const QByteArray body = reply->readAll();
    if (status >= 200 && status < 300) {
        done(status, body, std::nullopt);
        return;
    }
    CallError http;
    http.kind = CallError::Kind::Http;
    http.status = status;
    http.retryAfterMs = parseRetryAfter(reply->rawHeader(QByteArrayLiteral("Retry-After")));
    if (auto api = protocol::decodeApiError(body)) {
        http.api = *api;
        http.message = u"The server refused the request (%1): %2"_s.arg(status).arg(api->message.left(300));
    } else {
        http.message = u"The server answered with HTTP status %1."_s.arg(status);
    }
    done(status, body, http);
}

void ApiClient::login(const protocol::LoginRequest &request, LoginDone done)
{
    send("POST", u"/v1/auth/login"_s, protocol::encode(request), false,
         [done](int, const QByteArray &body, std::optional<CallError> error) {
             if (error)
                 return done(*error);
             auto decoded = protocol::decodeLoginResponse(body);
             if (!decoded)
                 return done(networkError(CallError::Kind::Protocol,
                                          u"The server's login answer is not valid: %1"_s.arg(decoded.error().message)));
             done(std::move(*decoded));
         });
}

void ApiClient::logout(Done done)
{
    send("POST", u"/v1/auth/logout"_s, QByteArrayLiteral("{}"), true,
         [done](int, const QByteArray &, std::optional<CallError> error) { done(error); });
}

void ApiClient::push(const QByteArray &body, const QStringList &ids, PushDone done, std::function<void()> sent)
{
    send("POST", u"/v1/sync/push"_s, body, true,
         [done, ids](int, const QByteArray &answer, std::optional<CallError> error) {
             if (error)
                 return done(*error);
             auto decoded = protocol::decodePushResponse(answer);
             if (!decoded)
                 return done(networkError(CallError::Kind::Protocol,
                                          u"The server's push answer is not valid: %1"_s.arg(decoded.error().message)));
             if (decoded->results.size() != ids.size())
                 return done(networkError(CallError::Kind::Protocol,
                                          u"The server answered %1 results for %2 changes."_s.arg(decoded->results.size())
                                              .arg(ids.size())));
             // One result per mutation, in the same order (SYNC-API.md): a result about another mutation must never
             // remove an entry from the outbox that was not sent, or was sent in another batch.
             for (qsizetype i = 0; i < ids.size(); ++i) {
                 if (decoded->results.at(i).id.compare(ids.at(i), Qt::CaseInsensitive) != 0)
                     return done(networkError(CallError::Kind::Protocol,
                                              u"The server's result %1 names another change than the one sent."_s.arg(i)));
             }
             done(std::move(*decoded));
         },
         std::move(sent));
}

void ApiClient::pull(const QString &cursor, int limit, PullDone done)
{
    QUrlQuery query;
    if (!cursor.isEmpty())
        query.addQueryItem(u"cursor"_s, QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    query.addQueryItem(u"limit"_s, QString::number(limit));
    send("GET", u"/v1/sync/pull?"_s + query.toString(QUrl::FullyEncoded), {}, true,
         [this, done](int, const QByteArray &body, std::optional<CallError> error) {
             if (error)
                 return done(*error);
             // A page is decoded on a worker thread: the engine applies the previous one meanwhile (it asks for
             // the next page before applying one). The watcher belongs to this client, so nothing is delivered
             // after the client is gone; the task holds nothing but the body.
             auto *watcher = new QFutureWatcher<Result<protocol::PullPage>>(this);
             connect(watcher, &QFutureWatcherBase::finished, this, [watcher, done] {
                 watcher->deleteLater();
                 // Taken, not copied: the future keeps no reference, so the page is freed where its user drops it.
                 Result<protocol::PullPage> decoded = watcher->future().takeResult();
                 if (!decoded)
                     return done(networkError(CallError::Kind::Protocol,
                                              u"The server's pull answer is not valid: %1"_s.arg(
                                                  decoded.error().message)));
                 done(std::move(*decoded));
             });
             watcher->setFuture(QtConcurrent::run([body] { return protocol::decodePullPage(body); }));
         });
}

} // namespace fieldnotes::sync
