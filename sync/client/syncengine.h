#pragma once

#include "base/result.h"
#include "sync/client/apiclient.h"
#include "sync/client/pushbatch.h"

#include <QDateTime>
#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

#include <functional>
#include <optional>

namespace fieldnotes {
class KeyStore;
class Store;
} // namespace fieldnotes

namespace fieldnotes::sync {

/** Tuning of the engine: batch sizes, when it syncs by itself, how it backs off. */
struct SyncOptions
{
    int pushBatch = 500; ///< mutations per push (the server takes at most 1000)
    int pullLimit = 1000; ///< changes per pull page
    bool automatic = true; ///< sync after local changes (debounced), periodically and when the network returns
    int debounceMs = 2000;
    int periodMs = 5 * 60 * 1000;
    int initialBackoffMs = 1000;
    int maxBackoffMs = 5 * 60 * 1000;
    int maxAttempts = -1; ///< failed attempts in a row before a sync gives up (-1: keep retrying)
    /// A pulled page of at least this many changes is written without its search text, which the engine indexes
    /// after the sync, `searchChunk` records per step of the event loop (decision 0027); 0: always at once.
    int deferSearchFrom = 250;
    int searchChunk = 250;
    ApiClientOptions api;
};

/** What one finished sync did (fieldnotes-cli sync prints it). */
struct SyncReport
{
    int pushed = 0;
    int pulled = 0;
    int conflicts = 0; ///< entries in the conflict log afterwards
    int pending = 0;
    QString cursor;
    int pushBatches = 0; ///< push requests sent
    int preparedSent = 0; ///< of them, batches prepared while the previous one was in flight
    int preparedDropped = 0; ///< prepared batches read again because the outbox changed meanwhile
    int pushesCaughtUp = 0; ///< push answers that moved the cursor past this device's own changes (decision 0025)
    int sentBeforeAck = 0; ///< of the prepared batches, those sent before the previous answer was acknowledged
};

/**
 * Offline-first sync of one store with its server: pushes the outbox in batches and removes a mutation only once the
 * server acknowledged it, then pulls pages from the saved cursor and applies each in one local transaction with the
 * new cursor. One sync at a time; retries with exponential backoff and jitter, honouring Retry-After. Stops and asks
 * before a pull deletes more than half of the device's records. Exposes its state for the UI and the CLI.
 *
 * The device token lives in the OS keystore only (entry `tokenEntry`); the server, user and cursor live in the
 * encrypted store. On `device_revoked` the engine stops and emits deviceRevoked(): the owner closes the store and
 * wipes it (it owns the store, so only it can).
 */
class SyncEngine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncEngine)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString message READ message NOTIFY statusChanged)
    Q_PROPERTY(double progress READ progress NOTIFY progressChanged)
    Q_PROPERTY(int pendingCount READ pendingCount NOTIFY countsChanged)
    Q_PROPERTY(int conflictCount READ conflictCount NOTIFY countsChanged)
    Q_PROPERTY(QDateTime lastSync READ lastSync NOTIFY lastSyncChanged)
    Q_PROPERTY(bool signedIn READ isSignedIn NOTIFY accountChanged)
    Q_PROPERTY(QString serverUrl READ serverUrl NOTIFY accountChanged)
    Q_PROPERTY(QString userEmail READ userEmail NOTIFY accountChanged)
    Q_PROPERTY(QString role READ role NOTIFY accountChanged)
    Q_PROPERTY(int searchBacklog READ searchBacklog NOTIFY searchBacklogChanged)

public:
    enum class Status {
        LocalOnly, ///< not signed in to a server
        Offline, ///< signed in; the network or the server is not reachable (retrying)
        Syncing,
        UpToDate,
        Error, ///< a problem a person must look at (`message`)
        NeedsConfirmation, ///< a pull would delete more than half of the records: confirmMassDelete() to go on
        Revoked, ///< the server revoked this device; the owner wipes the store
    };
    Q_ENUM(Status)

    SyncEngine(Store &store, KeyStore &keyStore, QString tokenEntry, SyncOptions options = {},
               QObject *parent = nullptr);
    ~SyncEngine() override;

    /// Reads the account from the store and the token from the keystore, then syncs when automatic.
    void start();

    using Done = std::function<void(Result<void>)>;
    /// Signs this store in: login, token into the OS keystore, account into the store. A store signed in to
    /// another server or user is refused.
    void signIn(const QString &serverUrl, const QString &email, const QByteArray &password, const QString &deviceName,
                Done done);
    /// Signs out (tells the server when it can be reached); pending changes stay in the outbox.
    void signOut(Done done);

    /// Syncs now (or right after the sync that is running).
    Q_INVOKABLE void syncNow();
    /// A local change was saved: sync soon (debounced).
    Q_INVOKABLE void localChanged();
    /// Lets the stopped pull go on although it deletes more than half of the records; syncs.
    Q_INVOKABLE void confirmMassDelete();
    /// Certificate pins (base64 SHA-256 of a SubjectPublicKeyInfo) for the next signIn(); kept with the account.
    void setPinnedKeys(const QStringList &pins);
    [[nodiscard]] QStringList pinnedKeys() const { return m_pins; }
    /// Sets the pins and keeps them with the account at once (the app's settings); checked first: base64 SHA-256.
    [[nodiscard]] Result<void> savePinnedKeys(const QStringList &pins);
    /// Whether pulls may delete more than half of the records without asking (fieldnotes-cli --allow-mass-delete).
    void setAllowMassDelete(bool allow) { m_allowMassDelete = allow; }
    /// The network came or went (platform NetworkMonitor).
    void setOnline(bool online);

    [[nodiscard]] Status status() const { return m_status; }
    [[nodiscard]] QString message() const { return m_message; }
    [[nodiscard]] double progress() const { return m_progress; }
    [[nodiscard]] int pendingCount() const { return m_pendingCount; }
    [[nodiscard]] int conflictCount() const { return m_conflictCount; }
    [[nodiscard]] QDateTime lastSync() const { return m_lastSync; }
    [[nodiscard]] bool isSignedIn() const { return m_signedIn; }
    [[nodiscard]] QString serverUrl() const { return m_serverUrl; }
    [[nodiscard]] QString userEmail() const { return m_email; }
    [[nodiscard]] QString role() const { return m_role; }
    [[nodiscard]] bool isRunning() const { return m_running; }
    /// Pulled records whose search text is still being indexed (searches do not find them yet; decision 0027).
    [[nodiscard]] int searchBacklog() const { return m_searchBacklog; }
    /// A failed sync will be retried by itself (backoff timer running).
    [[nodiscard]] bool isRetryPending() const { return m_retry.isActive(); }
    /// The report of the last finished sync.
    [[nodiscard]] SyncReport lastReport() const { return m_report; }

    /// Re-reads the pending and conflict counts from the store (after local edits).
    void refreshCounts();

Q_SIGNALS:
    void statusChanged();
    void progressChanged();
    void countsChanged();
    void lastSyncChanged();
    void accountChanged();
    void searchBacklogChanged();
    /// A sync ended: `ok` when everything was pushed and pulled; else `message` says why.
    void finished(bool ok);
    /// A pull changed records: views reload.
    void recordsChanged();
    /// The server revoked this device and asked for a wipe; the owner must close the store and wipe it.
    void deviceRevoked();
    /// The next push batch was read and written while the previous one is in flight (it is sent once that one's
    /// answer has been applied, if the outbox has not changed meanwhile). For tests and diagnostics.
    void pushBatchPrepared();

private:
    struct Run
    {
        quint64 id = 0;
        int pushed = 0;
        int pulled = 0;
        int pushTotal = 0;
        int liveNow = 0; ///< records this device shows, kept up to date page by page
        int guardBase = 0;
        int guardDeleted = 0;
        int pushBatches = 0;
        int preparedSent = 0;
        int preparedDropped = 0;
        int pushesCaughtUp = 0;
        int sentBeforeAck = 0;
    };

    void syncIfOnline();
    void loadAccount();
    void withToken(std::function<void()> next);
    void pushNext();
    /// Indexes the search backlog a chunk at a time between syncs (decision 0027).
    void startSearchIndexing();
    void indexSearchStep();
    void send(PushBatch batch, const QString &cursor);
    void acknowledged(const AckReport &report);
    void onPushAnswer(std::variant<protocol::PushResponse, CallError> answer, qsizetype sent, const QString &sentCursor);
    void prepareNext(quint64 flight, qint64 afterSeq);
    void pullNext(const QString &cursor);
    void onPage(protocol::PullPage page);
    void fail(const CallError &error);
    void failLocal(const Error &error);
    void finish(bool ok);
    void setStatus(Status status, const QString &message = {});
    void setProgress(double progress);
    void scheduleRetry(qint64 delayMs);
    qint64 backoffDelay(const CallError &error);
    void onServerClock(qint64 serverMs);

    Store &m_store;
    KeyStore &m_keyStore;
    QString m_tokenEntry;
    SyncOptions m_options;
    ApiClient m_api;
    QTimer m_debounce;
    QTimer m_periodic;
    QTimer m_retry;
    QRandomGenerator m_random;

    Status m_status = Status::LocalOnly;
    QString m_message;
    double m_progress = -1;
    int m_pendingCount = 0;
    int m_conflictCount = 0;
    QDateTime m_lastSync;
    bool m_signedIn = false;
    QString m_serverUrl;
    QString m_email;
    QString m_role;
    QStringList m_pins;

    bool m_online = true;
    bool m_running = false;
    bool m_again = false;
    bool m_allowMassDelete = false;
    bool m_massDeleteConfirmed = false;
    int m_pushBatch = 500;
    /// Push pipelining (decision 0018): one batch in flight at a time; the next one is read and written meanwhile
    /// and sent when the answer has been applied, unless the outbox changed since it was read.
    std::optional<PushBatch> m_prepared;
    quint64 m_flight = 0; ///< the push request in flight, 0 when none
    quint64 m_flightCounter = 0;
    int m_attempts = 0;
    int m_searchBacklog = 0;
    QTimer m_searchIndexer;
    quint64 m_runCounter = 0;
    Run m_run;
    SyncReport m_report;
};

} // namespace fieldnotes::sync
