#pragma once

#include "base/result.h"
#include "base/securebuffer.h"

#include <QFutureWatcher>
#include <QObject>
#include <QThreadPool>
#include <QTimer>
#include <QVariantMap>

#include <functional>
#include <memory>
#include <optional>

namespace fieldnotes {
class KeyStore;
class Store;
enum class Entity;
} // namespace fieldnotes

namespace fieldnotes::app {

/**
 * The encrypted store of this run of the app: creates it, unlocks it (passphrase in a worker thread, or the key
 * remembered in the OS keystore), locks it when idle or suspended, and tells the view models when it opens, closes
 * or changes. The Store itself lives on this (the GUI) thread only. QML reaches it as the singleton AppSession
 * (appsingletons.h).
 */
class Session : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Session)
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// The store being opened must first be upgraded to this version's schema (busy is true meanwhile): on a large
    /// store that takes a while (rebuilding the search index of 100,000 records: tens of seconds).
    Q_PROPERTY(bool upgrading READ upgrading NOTIFY upgradingChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
    Q_PROPERTY(int retrySeconds READ retrySeconds NOTIFY retrySecondsChanged)
    Q_PROPERTY(bool remembered READ remembered NOTIFY rememberedChanged)
    Q_PROPERTY(QString storeDirectory READ storeDirectory CONSTANT)
    Q_PROPERTY(int idleTimeoutSeconds READ idleTimeoutSeconds WRITE setIdleTimeoutSeconds NOTIFY
                   idleTimeoutSecondsChanged)

public:
    enum class State { NoStore, Locked, Unlocked };
    Q_ENUM(State)

    /// `keyStore` (the OS keystore; may be null) must outlive the session.
    Session(QString storeDirectory, KeyStore *keyStore, QObject *parent = nullptr);
    ~Session() override;

    [[nodiscard]] Store *store() const { return m_store.get(); }
    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] bool busy() const { return m_busy; }
    [[nodiscard]] bool upgrading() const { return m_upgrading; }
    [[nodiscard]] QString errorMessage() const { return m_error; }
    [[nodiscard]] int retrySeconds() const { return m_retrySeconds; }
    [[nodiscard]] bool remembered() const;
    [[nodiscard]] QString storeDirectory() const { return m_dir; }
    [[nodiscard]] int idleTimeoutSeconds() const { return m_idleTimeoutSeconds; }
    void setIdleTimeoutSeconds(int seconds);

    // The store is opened (and upgraded, if it must be) in a worker thread as well: stateChanged() to Unlocked
    // follows a moment after the derivation or the keystore gave the key.

    /// Creates the store (Argon2id in a worker thread), optionally keeps its key in the OS keystore, opens it.
    Q_INVOKABLE void createStore(const QString &passphrase, const QString &repeated, bool remember);
    /// Unlocks with the passphrase (in a worker thread); a wrong one sets errorMessage and retrySeconds.
    Q_INVOKABLE void unlock(const QString &passphrase);
    /// Unlocks with the key remembered in the OS keystore, if there is one.
    Q_INVOKABLE void unlockWithKeystore();
    /// Saves what is pending (aboutToLock), closes the store and forgets the key.
    Q_INVOKABLE void lock();
    /// Re-seals the data key under a new passphrase (in a worker thread); passphraseChanged() on success.
    Q_INVOKABLE void changePassphrase(const QString &current, const QString &next, const QString &repeated);
    /// {score: 0–4, hint: text} for the hint under a new passphrase.
    Q_INVOKABLE QVariantMap passphraseStrength(const QString &passphrase) const;
    /// Any user input: restarts the idle timer.
    Q_INVOKABLE void noteActivity();

    /// The app's state from QGuiApplication: suspended or hidden locks at once.
    void handleApplicationState(Qt::ApplicationState state);
    /// Writers call this after a change, so the lists that show `entity` reload (and sync knows to push soon).
    void notifyRecordsChanged(Entity entity);
    /// Sync wrote records (a pull): every list reloads; nothing new to push.
    void notifyRemoteChanges();
    /// Deletes the store, its WAL/SHM and vault files and its keystore entries (data key, `extraKeystoreEntries`),
    /// after locking it: the app returns to the first-run screen. For "wipe" and for a revoked device.
    void wipe(const QStringList &extraKeystoreEntries);
    /// Opens an already unlocked store (the self-test and tests). The session owns it from here.
    void adoptStore(std::unique_ptr<Store> store);
    /// Writes the first interview guide ("Open interview") when the store has none. Capture calls it with this
    /// device's first conversation, not the first run: a device that captures nothing (a sales rep's, which may write
    /// no guide) pushes none for the server to refuse, and a marketer who signs in first gets the team's.
    /// It has the same id on every device (defaultGuideId()): the marketers of a team who each start a new device
    /// write one record, which the server keeps once, not a copy per device. Deleted, it is not written again.
    void ensureDefaultGuide();
    [[nodiscard]] static QString defaultGuideId();
    /// The first guide's title and questions that ensureDefaultGuide() writes (shown until there is a guide).
    [[nodiscard]] static QString defaultGuideTitle();
    [[nodiscard]] static QStringList defaultGuideQuestions();

    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    void stateChanged();
    void busyChanged();
    void upgradingChanged();
    void errorMessageChanged();
    void retrySecondsChanged();
    void rememberedChanged();
    void idleTimeoutSecondsChanged();
    /// The store is still open: save anything pending now.
    void aboutToLock();
    /// The store is open, and the state is about to become Unlocked (which builds the app): read from the store now
    /// what the app needs to know before it is built.
    void storeOpened();
    void storeClosed();
    /// Records of `entity` (its API name) were written.
    void recordsChanged(const QString &entity);
    /// Records were written on this device (not by sync).
    void localRecordsChanged();
    void wiped();
    void passphraseChanged();

private:
    enum class Task { None, Create, Unlock, ChangePassphrase, Open };
    /// What a task gives back: the data key (Create, Unlock), the opened store (Open), or nothing (ChangePassphrase).
    struct TaskOutput
    {
        SecureBuffer key;
        std::unique_ptr<Store> store;
    };
    using Outcome = std::optional<Result<TaskOutput>>;

    void startTask(Task task, std::function<Result<TaskOutput>()> work);
    void finishTask();
    void openWithKey(const SecureBuffer &key);
    void rememberKey(const SecureBuffer &key);
    void showFailure(const Error &error);
    void updateRetryDelay();
    void setState(State state);
    void setBusy(bool busy);
    void setUpgrading(bool upgrading);
    void setError(const QString &message);

    QString m_dir;
    KeyStore *m_keyStore = nullptr;
    std::unique_ptr<Store> m_store;
    State m_state = State::NoStore;
    bool m_busy = false;
    bool m_upgrading = false;
    QString m_error;
    int m_retrySeconds = 0;
    int m_idleTimeoutSeconds = 300;
    quint64 m_generation = 0; ///< bumped by lock(): a task started before it must not open the store
    quint64 m_taskGeneration = 0;
    Task m_task = Task::None;
    bool m_rememberAfterCreate = false;
    std::shared_ptr<Outcome> m_outcome;
    QFutureWatcher<void> m_watcher;
    /// The tasks' thread. It ends as soon as a task is done: opening a store runs SQLCipher, whose OpenSSL keeps state
    /// per thread that it frees when the thread ends; a thread of the global pool could outlive OpenSSL's own
    /// cleanup at exit, and that state would leak (LeakSanitizer saw it).
    QThreadPool m_pool;
    QTimer m_idleTimer;
    QTimer m_retryTimer;
};

} // namespace fieldnotes::app
