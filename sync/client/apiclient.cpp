#include "sync/client/apiclient.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QHash>
#include <QHostAddress>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslKey>
#include <QTimeZone>
#include <QUrlQuery>

#include <sodium.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::sync {

namespace {

// A server that answers with more than this is broken or hostile; a full pull page is far smaller.
constexpr qint64 kMaxAnswerBytes = 256 * 1024 * 1024;
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

bool pinsMatch(QNetworkReply *reply, const QSet<QByteArray> &pins)
{
    if (pins.isEmpty())
        return true;
    const QList<QSslCertificate> chain = reply->sslConfiguration().peerCertificateChain();
    for (const QSslCertificate &certificate : chain) {
        if (pins.contains(ApiClient::spkiHash(certificate.publicKey().toDer())))
            return true;
    }
    return false;
}

/// The callback of a call whose decoded answer is a `T`.
template <typename T, typename Answer, typename Done>
std::function<void(Answer &&)> deliverAs(Done done)
{
    return [done = std::move(done)](Answer &&answer) {
        if (auto *error = std::get_if<CallError>(&answer))
            return done(std::move(*error));
        done(std::get<T>(std::move(answer)));
    };
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

/** Everything the network thread needs for one call, made on the client's thread: nothing mutable is shared. */
struct ApiClient::Call
{
    quint64 id = 0;
    QByteArray method;
    QNetworkRequest request; ///< with the Authorization header, the transfer timeout
    QByteArray body;
    QSet<QByteArray> pins; ///< the pins when the call was made
    int timeoutMs = 0;
    bool wantsSent = false;
    Decode decode = Decode::Nothing;
    QStringList ids; ///< a push's mutation ids, which its answer must name in this order
};

/**
 * The network thread's side of an ApiClient (see the class comment for why it has one): sends the calls on its own
 * QNetworkAccessManager, checks pins, maps errors and decodes answers, and posts the result to the client.
 */
class ApiClient::Worker final : public QObject
{
    Q_DISABLE_COPY_MOVE(Worker)

public:
    /// `client` outlives this object's thread: ~ApiClient stops and joins it before anything of the client goes.
    explicit Worker(ApiClient *client)
        : m_client(client)
    { }

    ~Worker() override
    {
        // The client is going away and wants no answers: abort what is in flight without a word.
        for (QNetworkReply *reply : std::as_const(m_replies)) {
            disconnect(reply, nullptr, this, nullptr);
            reply->abort();
        }
    }

    void start(Call call);
    /// Calls the client has answered as cancelled already: aborted without an answer.
    void abort(const QList<quint64> &ids)
    {
        for (const quint64 id : ids) {
            if (QNetworkReply *reply = m_replies.take(id)) {
                disconnect(reply, nullptr, this, nullptr);
                reply->abort();
                reply->deleteLater();
            }
        }
    }

private:
    QNetworkAccessManager *network()
    {
        if (!m_network) { // made here, on this thread, on first use
            m_network = new QNetworkAccessManager(this);
            m_network->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        }
        return m_network;
    }
    void finished(QNetworkReply *reply, quint64 id, int timeoutMs, Decode decode, const QStringList &ids);
    static Answer answerOf(QNetworkReply *reply, int timeoutMs, Decode decode, const QStringList &ids);
    static Answer decoded(Decode decode, QByteArray &body, const QStringList &ids);

    ApiClient *const m_client;
    QNetworkAccessManager *m_network = nullptr;
    QHash<quint64, QNetworkReply *> m_replies;
};

void ApiClient::Worker::start(Call call)
{
    QNetworkReply *reply = network()->sendCustomRequest(call.request, call.method, call.body);
    const quint64 id = call.id;
    m_replies.insert(id, reply);
    connect(reply, &QNetworkReply::encrypted, this, [reply, pins = std::move(call.pins)] {
        if (!pinsMatch(reply, pins)) {
            reply->setProperty(kPinFailed, true);
            reply->abort();
        }
    });
    if (call.wantsSent) {
        // Qt may report a request as sent more than once (e.g. sent again on a new connection): the first counts.
        connect(reply, &QNetworkReply::requestSent, this, [client = m_client, id, once = true]() mutable {
            if (std::exchange(once, false))
                QMetaObject::invokeMethod(client, [client, id] { client->requestSent(id); }, Qt::QueuedConnection);
        });
    }
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > kMaxAnswerBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, id, timeoutMs = call.timeoutMs, decode = call.decode, ids = std::move(call.ids)] {
                finished(reply, id, timeoutMs, decode, ids);
            });
}

void ApiClient::Worker::finished(QNetworkReply *reply, quint64 id, int timeoutMs, Decode decode,
                                 const QStringList &ids)
{
    m_replies.remove(id);
    reply->deleteLater();
    std::optional<qint64> serverMs;
    const QByteArray date = reply->rawHeader(QByteArrayLiteral("Date"));
    if (!date.isEmpty()) {
        const QDateTime serverTime = parseHttpDate(date);
        if (serverTime.isValid())
            serverMs = serverTime.toMSecsSinceEpoch();
    }
    // Decoded here, while the client's thread may be busy (applying the previous pull page); it gets the value
    // only, moved all the way (a page is freed where its user drops it).
    ApiClient *const client = m_client;
    QMetaObject::invokeMethod(
        client,
        [client, id, serverMs, answer = answerOf(reply, timeoutMs, decode, ids)]() mutable {
            client->answered(id, serverMs, std::move(answer));
        },
        Qt::QueuedConnection);
}

ApiClient::Answer ApiClient::Worker::answerOf(QNetworkReply *reply, int timeoutMs, Decode decode,
                                              const QStringList &ids)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    if (reply->property(kPinFailed).toBool())
        return networkError(CallError::Kind::Tls,
                            u"The server's certificate is not one of the pinned certificates; not connecting."_s);
    if (status == 0 || (error != QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied)) {
        // (Calls cancelled by the client never get here: abort() disconnects them first.)
        if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError)
            return networkError(CallError::Kind::Timeout,
                                u"The server did not answer within %1 s."_s.arg(timeoutMs / 1000.0));
        if (error == QNetworkReply::SslHandshakeFailedError)
            return networkError(CallError::Kind::Tls, u"The server's certificate is not trusted (%1); not connecting."_s
                                                          .arg(reply->errorString()));
        return networkError(CallError::Kind::Network, u"Cannot reach the server (%1)."_s.arg(reply->errorString()));
    }

    QByteArray body = reply->readAll();
    if (status >= 200 && status < 300)
        return decoded(decode, body, ids);
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
    return http;
}

ApiClient::Answer ApiClient::Worker::decoded(Decode decode, QByteArray &body, const QStringList &ids)
{
    switch (decode) {
    case Decode::Nothing:
        return std::monostate();
    case Decode::Login: {
        auto login = protocol::decodeLoginResponse(body);
        sodium_memzero(body.data(), size_t(body.size())); // it holds the new token
        if (!login)
            return networkError(CallError::Kind::Protocol,
                                u"The server's login answer is not valid: %1"_s.arg(login.error().message));
        return std::move(*login);
    }
    case Decode::Push: {
        auto push = protocol::decodePushResponse(body);
        if (!push)
            return networkError(CallError::Kind::Protocol,
                                u"The server's push answer is not valid: %1"_s.arg(push.error().message));
        if (push->results.size() != ids.size())
            return networkError(CallError::Kind::Protocol, u"The server answered %1 results for %2 changes."_s
                                                               .arg(push->results.size())
                                                               .arg(ids.size()));
        // One result per mutation, in the same order (SYNC-API.md): a result about another mutation must never
        // remove an entry from the outbox that was not sent, or was sent in another batch.
        for (qsizetype i = 0; i < ids.size(); ++i) {
            if (push->results.at(i).id.compare(ids.at(i), Qt::CaseInsensitive) != 0)
                return networkError(CallError::Kind::Protocol,
                                    u"The server's result %1 names another change than the one sent."_s.arg(i));
        }
        return std::move(*push);
    }
    case Decode::Pull: {
        auto page = protocol::decodePullPage(body);
        if (!page)
            return networkError(CallError::Kind::Protocol,
                                u"The server's pull answer is not valid: %1"_s.arg(page.error().message));
        return std::move(*page);
    }
    }
    return std::monostate();
}

ApiClient::ApiClient(ApiClientOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_worker(new Worker(this))
{
    m_thread.setObjectName(u"fieldnotes-net"_s);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

ApiClient::~ApiClient()
{
    // Nothing is delivered once this object goes: calls in flight are dropped without an answer (abortAll() first
    // for "cancelled" answers), and answers the Worker queued for this object are discarded with it.
    m_pending.clear();
    clearToken();
    // The Worker aborts its replies and is deleted on its thread (finished -> deleteLater); joined here, so it
    // never posts to this object once it is gone. At most a decode in progress is waited for.
    m_thread.quit();
    m_thread.wait();
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
    if (m_pending.empty())
        return;
    // Answered here and now, as callers expect (they drop a run and start another); the Worker aborts the replies
    // later, and an answer it sent meanwhile finds no call any more. Calls made by these callbacks stay.
    std::map<quint64, Pending> cancelled = std::exchange(m_pending, {});
    QList<quint64> ids;
    ids.reserve(qsizetype(cancelled.size()));
    for (const auto &entry : cancelled)
        ids << entry.first;
    Worker *const worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, ids] { worker->abort(ids); }, Qt::QueuedConnection);
    const QPointer<ApiClient> self(this);
    for (auto &entry : cancelled) {
        if (!self)
            return; // a callback destroyed this client: the others are not answered
        entry.second.deliver(networkError(CallError::Kind::Network, u"The request was cancelled."_s));
    }
}

void ApiClient::answered(quint64 id, std::optional<qint64> serverMs, Answer &&answer)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return; // cancelled meanwhile
    std::function<void(Answer &&)> deliver = std::move(it->second.deliver);
    m_pending.erase(it);
    if (serverMs) {
        const QPointer<ApiClient> self(this);
        Q_EMIT serverClock(*serverMs);
        if (!self)
            return;
    }
    deliver(std::move(answer));
}

void ApiClient::requestSent(quint64 id)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end() || !it->second.sent)
        return;
    const std::function<void()> sent = std::exchange(it->second.sent, nullptr);
    sent();
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

void ApiClient::send(const QByteArray &method, const QString &path, const QByteArray &body, bool authenticated,
                     Decode decode, std::function<void(Answer &&)> deliver, std::function<void()> sent,
                     QStringList ids)
{
    const quint64 id = ++m_lastCall;
    const bool wantsSent = bool(sent);
    m_pending.emplace(id, Pending {std::move(deliver), std::move(sent)});
    if (!m_server.isValid()) {
        QMetaObject::invokeMethod(
            this,
            [this, id] {
                answered(id, std::nullopt, networkError(CallError::Kind::Protocol, u"No server is set."_s));
            },
            Qt::QueuedConnection);
        return;
    }
    // What the call needs goes with it (settings changed here apply to the next call, nothing is shared).
    Call call;
    call.id = id;
    call.method = method;
    call.request = request(path, authenticated);
    call.body = body;
    call.pins = m_options.pinnedSpkiSha256;
    call.timeoutMs = m_options.timeoutMs;
    call.wantsSent = wantsSent;
    call.decode = decode;
    call.ids = std::move(ids);
    Worker *const worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, call = std::move(call)]() mutable { worker->start(std::move(call)); }, Qt::QueuedConnection);
}

void ApiClient::login(const protocol::LoginRequest &request, LoginDone done)
{
    send("POST", u"/v1/auth/login"_s, protocol::encode(request), false, Decode::Login,
         deliverAs<protocol::LoginResponse, Answer>(std::move(done)));
}

void ApiClient::logout(Done done)
{
    send("POST", u"/v1/auth/logout"_s, QByteArrayLiteral("{}"), true, Decode::Nothing,
         [done = std::move(done)](Answer &&answer) {
             if (auto *error = std::get_if<CallError>(&answer))
                 return done(std::move(*error));
             done(std::nullopt);
         });
}

void ApiClient::push(const QByteArray &body, const QStringList &ids, PushDone done, std::function<void()> sent)
{
    send("POST", u"/v1/sync/push"_s, body, true, Decode::Push, deliverAs<protocol::PushResponse, Answer>(std::move(done)),
         std::move(sent), ids);
}

void ApiClient::pull(const QString &cursor, int limit, PullDone done)
{
    QUrlQuery query;
    if (!cursor.isEmpty())
        query.addQueryItem(u"cursor"_s, QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    query.addQueryItem(u"limit"_s, QString::number(limit));
    send("GET", u"/v1/sync/pull?"_s + query.toString(QUrl::FullyEncoded), {}, true, Decode::Pull,
         deliverAs<protocol::PullPage, Answer>(std::move(done)));
}

} // namespace fieldnotes::sync
