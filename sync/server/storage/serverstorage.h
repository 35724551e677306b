#pragma once

#include "base/result.h"
#include "protocol/protocol.h"
#include "storage/role.h"

#include <QByteArray>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace fieldnotes::server {

struct User
{
    QString id;
    QString teamId;
    QString email;
    Role role = Role::Sales;
};

struct Device
{
    QString id;
    QString userId;
    QString name;
    qint64 createdMs = 0;
    qint64 lastSeenMs = 0;
    bool revoked = false;
};

struct DeviceWithUser
{
    Device device;
    User user;
};

struct PullResult
{
    QList<protocol::Change> changes;
    qint64 newSeq = 0; ///< the cursor to continue from (encode it with encodeCursor)
    bool hasMore = false;
};

/** A pull page as the wire carries it: each change already encoded (compact JSON of a change X). */
struct EncodedPullResult
{
    QByteArrayList changes;
    qint64 newSeq = 0; ///< the cursor to continue from (encode it with encodeCursor)
    bool hasMore = false;

    /// The pull answer `{"changes":[…],"cursor":…,"has_more":…}`, the same bytes protocol::encode(PullPage) writes.
    [[nodiscard]] QByteArray body(const QString &cursor) const;
};

/**
 * The server's storage (ARCHITECTURE.md "The server"): teams, users, devices, and the records of every team with
 * the sync semantics of SYNC-API.md. One interface over Qt SQL with two backends: QSQLITE (a file, the default)
 * and QPSQL (a `postgresql://user:pass@host:port/db` URL, also `?host=/socket/dir`).
 *
 * Thread-safe: every thread that calls in gets its own named connection (request handlers run on a QThreadPool);
 * it is closed when that thread ends or this object is destroyed. Destroy it only when no call is in flight.
 */
class ServerStorage final
{
public:
    static constexpr int kSchemaVersion = 5;
    /// Rows deleted per transaction by pruneAppliedMutations (decision 0014) and pruneLoginFailures.
    static constexpr int kPruneChunkRows = 10000;

    struct Options
    {
        /// A mutation whose hlc is further ahead of the server's clock is rejected (decision 0006).
        qint64 maxClockAheadMs = protocol::kMaxClockAheadMs;
        /// The login throttle (decision 0015): at most this many failed attempts per throttle key within a window
        /// of `loginWindowMs` from its first failure; further attempts are refused until the window ends.
        int loginMaxFailures = 10;
        qint64 loginWindowMs = 15 * 60 * 1000;
        /// Migrate only up to this version (tests of the migrations).
        int migrateTo = kSchemaVersion;
        /// Tests: called after each mutation of a push is applied, inside the transaction; an error aborts the
        /// whole batch as a database failure would.
        std::function<Result<void>(int index)> pushHook;
    };

    enum class Backend { Sqlite, Postgres };

    /// `url`: `sqlite:PATH`, a plain file path, or `postgresql://…` / `postgres://…`. Creates or migrates the schema
    /// (numbered migrations, each backend; a newer schema than this build knows is refused as Incompatible).
    [[nodiscard]] static Result<std::unique_ptr<ServerStorage>> open(const QString &url, Options options);
    [[nodiscard]] static Result<std::unique_ptr<ServerStorage>> open(const QString &url)
    {
        return open(url, Options());
    }
    ~ServerStorage();
    ServerStorage(const ServerStorage &) = delete;
    ServerStorage &operator=(const ServerStorage &) = delete;

    Backend backend() const;
    [[nodiscard]] Result<int> schemaVersion();
    /// This thread's connection (tests and maintenance only; never hold it across threads).
    [[nodiscard]] Result<QSqlDatabase> connection();
    /// SQLite: the log checkpoints run off the pushes' thread so far, after waiting for one in progress (tests,
    /// decision 0026); -1 on PostgreSQL.
    [[nodiscard]] int walCheckpointsRun();

    // ---- teams, users, devices
    [[nodiscard]] Result<QString> createTeam(const QString &name);
    /// Argon2id hash of the password; AlreadyExists if the email (case-insensitive) is taken by anyone.
    [[nodiscard]] Result<User> addUser(const QString &teamId, const QString &email, Role role, const QString &password);
    /// WrongPassphrase ("wrong email or password") for an unknown email and a wrong password alike, in about the
    /// same time: an unknown email still runs one Argon2id verification.
    [[nodiscard]] Result<User> verifyLogin(const QString &email, const QString &password);
    [[nodiscard]] Result<User> user(const QString &userId);
    /// `tokenHash`: tokenHash(token), never the token itself.
    [[nodiscard]] Result<Device> createDevice(
        const QString &userId, const QString &name, const QString &tokenHash, qint64 nowMs);
    /// NotFound if no device has this token hash; a revoked device is returned with revoked = true.
    [[nodiscard]] Result<DeviceWithUser> findDeviceByTokenHash(const QString &tokenHash);
    [[nodiscard]] Result<QList<Device>> listDevices(const QString &teamId);
    /// NotFound unless the device belongs to a user of that team.
    [[nodiscard]] Result<void> revokeDevice(const QString &teamId, const QString &deviceId);
    /// Logout: the device and its token are gone.
    [[nodiscard]] Result<void> deleteDevice(const QString &deviceId);
    [[nodiscard]] Result<void> touchDevice(const QString &deviceId, qint64 nowMs);

    /// A new random 256-bit bearer token, base64url without padding.
    static QString newToken();
    /// SHA-256 of the token, hex: what the devices table stores.
    static QString tokenHash(const QString &token);

    // ---- sync
    /// One transaction for the whole batch, serialised per team; one result per mutation, same order. A rejected
    /// mutation is a result; an Error means nothing of the batch was stored.
    [[nodiscard]] Result<QList<protocol::MutationResult>> push(
        const AuthContext &ctx, const QList<protocol::Mutation> &mutations, qint64 serverNowMs);

    struct PushOutcome
    {
        QList<protocol::MutationResult> results;
        /// Set when the pusher may move its cursor here without pulling (decision 0025): the team changed by nothing
        /// the pusher may see since `cursorSeq`, and every change of this push is exact (MergeOutcome::exact).
        std::optional<qint64> caughtUpSeq;
    };
    /// push() for a device that holds the team's changes up to `cursorSeq` (its decoded pull cursor).
    [[nodiscard]] Result<PushOutcome> push(const AuthContext &ctx, const QList<protocol::Mutation> &mutations,
        qint64 serverNowMs, std::optional<qint64> cursorSeq);
    /// Changes of ctx's team with seq > cursorSeq, in seq order, at most `limit` (1..1000), as ctx's role may see,
    /// in wire form: each record row stores its change encoded when it is written (decision 0008), so a pull
    /// parses and encodes no JSON but the removals it sends to sales.
    [[nodiscard]] Result<EncodedPullResult> pullEncoded(const AuthContext &ctx, qint64 cursorSeq, int limit);
    /// pullEncoded, decoded with the protocol's strict decoder (tests and tools; the API sends pullEncoded's bytes).
    [[nodiscard]] Result<PullResult> pull(const AuthContext &ctx, qint64 cursorSeq, int limit);

    /// Retention (decision 0014): deletes the remembered mutation ids (`applied_mutations`) stored before
    /// `olderThanMs` (server time, ms since the epoch), at most `chunkRows` per transaction so that no push waits
    /// behind a long delete. The number of rows deleted.
    [[nodiscard]] Result<int> pruneAppliedMutations(qint64 olderThanMs, int chunkRows = kPruneChunkRows);
    /// One transaction of pruneAppliedMutations: at most `chunkRows` (>= 1) rows, oldest first. Fewer than
    /// `chunkRows` deleted means nothing older is left (unless another instance prunes beside it).
    [[nodiscard]] Result<int> pruneAppliedMutationsChunk(qint64 olderThanMs, int chunkRows = kPruneChunkRows);

    // ---- login throttle (decision 0015): shared by every instance on the database
    /// Counts a login attempt against each of `keys` (e.g. "email:…" and "client:…") before its password is checked,
    /// in one atomic statement (an UPSERT), so that instances racing on one database cannot let more attempts through
    /// than the limit. A key whose window has ended starts a new one at `nowMs`. The seconds until every key is
    /// below its limit again (for Retry-After; the attempt must be refused), or 0 (go ahead). Keys are stored as
    /// HMAC-SHA256 under a server secret, never in clear.
    [[nodiscard]] Result<int> countLoginAttempt(const QStringList &keys, qint64 nowMs);
    /// A login succeeded: forgets the counts of `keys`.
    [[nodiscard]] Result<void> clearLoginFailures(const QStringList &keys);
    /// Deletes the counts of windows that ended by `nowMs` (deleting one changes no answer), at most `chunkRows` per
    /// transaction. The number of rows deleted.
    [[nodiscard]] Result<int> pruneLoginFailures(qint64 nowMs, int chunkRows = kPruneChunkRows);
    /// One transaction of pruneLoginFailures; fewer than `chunkRows` deleted means none is left.
    [[nodiscard]] Result<int> pruneLoginFailuresChunk(qint64 nowMs, int chunkRows = kPruneChunkRows);

    /// Opaque, tamper-evident: base64url(version, team id, seq, HMAC-SHA256 with the server secret).
    [[nodiscard]] QString encodeCursor(const QString &teamId, qint64 seq) const;
    /// An empty cursor is 0 (from the start); anything not issued by encodeCursor for this team is InvalidInput.
    [[nodiscard]] Result<qint64> decodeCursor(const QString &teamId, const QString &cursor) const;

private:
    struct Private;
    explicit ServerStorage(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace fieldnotes::server
