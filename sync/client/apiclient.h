#pragma once

#include "base/result.h"
#include "sync/protocol/protocol.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QThread>
#include <QUrl>

#include <functional>
#include <map>
#include <optional>
#include <variant>

class QNetworkRequest;

namespace fieldnotes::sync {

/** Why a call to the server failed, in the terms the engine decides on (retry, sign out, wipe, give up). */
struct CallError
{
    enum class Kind {
        Network, ///< no connection, reset, DNS: retry later
        Timeout, ///< nothing arrived within the timeout: retry later
        Tls, ///< certificate not trusted or not the pinned one: do not retry by itself
        Http, ///< the server answered with an error status; see `status` and `api`
        Protocol, ///< the answer is not what the contract says
    };
    Kind kind = Kind::Network;
    int status = 0; ///< HTTP status (Kind::Http)
    std::optional<protocol::ApiError> api; ///< the decoded error body, when there is one
    qint64 retryAfterMs = -1; ///< from Retry-After, -1 when absent
    QString message; ///< human text, never a secret or record content

    [[nodiscard]] bool isRetryable() const;
    [[nodiscard]] bool isDeviceRevoked() const;
    [[nodiscard]] bool isUnauthenticated() const;
};

/** Transport settings: timeouts and certificate pins. */
struct ApiClientOptions
{
    int timeoutMs = 30000; ///< no byte for this long: the call fails with Kind::Timeout
    /// SHA-256 of the SubjectPublicKeyInfo, base64, of certificates this server may present (any one in the chain
    /// must match); empty: the system's trust store alone decides.
    QSet<QByteArray> pinnedSpkiSha256;
};

/**
 * The sync API (SYNC-API.md) over QNetworkAccessManager: one method per endpoint, each answering once through its
 * callback on this object's thread. Refuses plain http:// except to a loopback address; TLS is always verified.
 * Reports the server's clock from each answer's Date header, so devices with a wrong clock still stamp correctly.
 *
 * The network and the decoding of answers run on a thread of their own (a Worker with its own
 * QNetworkAccessManager); this thread gets decoded answers only. The engine asks for the next pull page before it
 * applies one (35-100 ms per 1000 records on this thread): with the network on this thread, the next page's bytes
 * were read and decoded only after that, so a page cost apply + decode here instead of max(apply, network + decode)
 * (perf of `fieldnotes-bench sync`: a page every ~80 ms, this thread busy ~36 ms of them).
 */
class ApiClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ApiClient)

public:
    explicit ApiClient(ApiClientOptions options = {}, QObject *parent = nullptr);
    /// Calls still in flight are dropped without an answer (abortAll() first for "cancelled" answers).
    ~ApiClient() override;

    /// A server URL this client will talk to: https://, or http:// to a loopback address only.
    [[nodiscard]] static Result<QUrl> checkServerUrl(const QString &url);
    /// SHA-256 of a DER SubjectPublicKeyInfo, base64: the form of ApiClientOptions::pinnedSpkiSha256.
    [[nodiscard]] static QByteArray spkiHash(const QByteArray &spkiDer);

    void setServer(const QUrl &server) { m_server = server; }
    [[nodiscard]] QUrl server() const { return m_server; }
    /// The device token for authenticated calls; wiped when replaced and on destruction.
    void setToken(const QByteArray &token);
    void clearToken();
    [[nodiscard]] bool hasToken() const { return !m_token.isEmpty(); }
    void setTimeout(int ms) { m_options.timeoutMs = ms; }
    void setPinnedSpkiHashes(const QSet<QByteArray> &pins) { m_options.pinnedSpkiSha256 = pins; }

    using LoginDone = std::function<void(std::variant<protocol::LoginResponse, CallError>)>;
    using PushDone = std::function<void(std::variant<protocol::PushResponse, CallError>)>;
    using PullDone = std::function<void(std::variant<protocol::PullPage, CallError>)>;
    using Done = std::function<void(std::optional<CallError>)>;

    void login(const protocol::LoginRequest &request, LoginDone done);
    void logout(Done done);
    /// A push of a body written already (PushBatch): `ids` are its mutations' ids in order, which the answer must
    /// name in that order (an answer about any other mutation is a Kind::Protocol error, and nothing is
    /// acknowledged). `sent` (optional) runs once when the whole request has been written to the connection.
    void push(const QByteArray &body, const QStringList &ids, PushDone done, std::function<void()> sent = {});
    void pull(const QString &cursor, int limit, PullDone done);

    /// Aborts every call in flight; their callbacks run with Kind::Network ("cancelled") before this returns, and
    /// nothing else of those calls arrives later (not even serverClock).
    void abortAll();

Q_SIGNALS:
    /// The server's clock (ms since the epoch) when it answered, from the Date header (second resolution).
    void serverClock(qint64 serverMs);

private:
    class Worker;
    struct Call;
    /// What a call's answer became on the network thread: an error, or the decoded body (monostate: none wanted).
    using Answer = std::variant<CallError, std::monostate, protocol::LoginResponse, protocol::PushResponse,
                                protocol::PullPage>;
    /// A call in flight, as this thread knows it: its callbacks never leave this thread.
    struct Pending
    {
        std::function<void(Answer &&)> deliver;
        std::function<void()> sent;
    };
    enum class Decode { Nothing, Login, Push, Pull };

    void send(const QByteArray &method, const QString &path, const QByteArray &body, bool authenticated,
              Decode decode, std::function<void(Answer &&)> deliver, std::function<void()> sent = {},
              QStringList ids = {});
    QNetworkRequest request(const QString &path, bool authenticated) const;
    /// On this thread, from the Worker: the answer of call `id`, unless it was cancelled meanwhile.
    void answered(quint64 id, std::optional<qint64> serverMs, Answer &&answer);
    void requestSent(quint64 id);

    ApiClientOptions m_options;
    QUrl m_server;
    QByteArray m_token;
    std::map<quint64, Pending> m_pending; ///< by call id, so in the order the calls were made
    quint64 m_lastCall = 0;
    QThread m_thread;
    Worker *m_worker; ///< lives on m_thread, deleted there when it finishes
};

} // namespace fieldnotes::sync
