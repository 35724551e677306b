#pragma once

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <memory>

namespace fieldnotes {
class KeyStore;
class NetworkMonitor;
namespace sync {
class SyncEngine;
}
} // namespace fieldnotes

namespace fieldnotes::app {

class Session;

/**
 * Sync as the UI sees it: owns the SyncEngine while the store is open (made when it opens, gone before it closes),
 * forwards its status for the indicator on every page, and offers sign-in, sign-out, sync now and wipe. A device
 * the server revoked is wiped here and the app returns to its first-run screen. QML reaches it as the singleton
 * AppSync (appsingletons.h).
 */
class SyncController : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SyncController)
    Q_PROPERTY(Status status READ status NOTIFY changed)
    Q_PROPERTY(QString message READ message NOTIFY changed)
    Q_PROPERTY(double progress READ progress NOTIFY changed)
    Q_PROPERTY(int pendingCount READ pendingCount NOTIFY changed)
    Q_PROPERTY(int conflictCount READ conflictCount NOTIFY changed)
    /// Pulled records whose search text is still being indexed: searches miss them until then (decision 0027).
    Q_PROPERTY(int searchBacklog READ searchBacklog NOTIFY changed)
    Q_PROPERTY(QDateTime lastSync READ lastSync NOTIFY changed)
    Q_PROPERTY(bool signedIn READ signedIn NOTIFY changed)
    Q_PROPERTY(QString serverUrl READ serverUrl NOTIFY changed)
    Q_PROPERTY(QString userEmail READ userEmail NOTIFY changed)
    Q_PROPERTY(QString role READ role NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    Q_PROPERTY(QString signInError READ signInError NOTIFY busyChanged)
    Q_PROPERTY(QStringList pinnedKeys READ pinnedKeys NOTIFY changed)
    Q_PROPERTY(QString pinError READ pinError NOTIFY pinErrorChanged)

public:
    /// The same values as sync::SyncEngine::Status, for QML.
    enum class Status { LocalOnly, Offline, Syncing, UpToDate, Error, NeedsConfirmation, Revoked };
    Q_ENUM(Status)

    /// `keyStore` and `network` (may be null) must outlive the controller.
    SyncController(Session *session, KeyStore *keyStore, NetworkMonitor *network, QObject *parent = nullptr);
    ~SyncController() override;

    [[nodiscard]] Status status() const;
    [[nodiscard]] QString message() const;
    [[nodiscard]] double progress() const;
    [[nodiscard]] int pendingCount() const;
    [[nodiscard]] int conflictCount() const;
    [[nodiscard]] int searchBacklog() const;
    [[nodiscard]] QDateTime lastSync() const;
    [[nodiscard]] bool signedIn() const;
    [[nodiscard]] QString serverUrl() const;
    [[nodiscard]] QString userEmail() const;
    /// The signed-in role, read from the store when it opens, before the app is built (Session::storeOpened); it
    /// stays while the store locks, so the app does not show, while it is taken down, what the role may not see.
    [[nodiscard]] QString role() const { return m_role; }
    [[nodiscard]] bool busy() const { return m_busy; }
    [[nodiscard]] QString signInError() const { return m_signInError; }
    [[nodiscard]] sync::SyncEngine *engine() const { return m_engine.get(); }
    [[nodiscard]] QStringList pinnedKeys() const;
    [[nodiscard]] QString pinError() const { return m_pinError; }

    /**
     * Signs the open store in; signInFinished() tells the outcome (and signInError the reason). `pins` (optional:
     * base64 SHA-256 SPKI hashes separated by commas, spaces or new lines) replace the saved pins for this sign-in
     * and are kept with the account when it succeeds; on any failure the saved pins stay as they were.
     */
    Q_INVOKABLE void signIn(const QString &serverUrl, const QString &email, const QString &password,
                            const QString &pins = QString());
    /// Adds a certificate pin to the account's pins (kept in the encrypted store, where the engine reads them).
    Q_INVOKABLE bool addPinnedKey(const QString &pin);
    Q_INVOKABLE bool removePinnedKey(const QString &pin);
    Q_INVOKABLE void signOut();
    Q_INVOKABLE void syncNow();
    Q_INVOKABLE void confirmMassDelete();
    /// Deletes the store and its keys on this device (after the UI asked twice).
    Q_INVOKABLE void wipe();

Q_SIGNALS:
    void changed();
    void busyChanged();
    void signInFinished(bool ok);
    void pinErrorChanged();
    /// The server revoked this device: its data is gone from it.
    void revoked();

private:
    void open();
    void close();
    void setBusy(bool busy, const QString &error = {});
    void setPinError(const QString &error);
    void setRole(const QString &role);
    static bool validPin(const QString &pin);
    bool savePins(const QStringList &pins);

    Session *m_session;
    KeyStore *m_keyStore;
    QPointer<NetworkMonitor> m_network;
    std::unique_ptr<sync::SyncEngine> m_engine;
    bool m_busy = false;
    QString m_signInError;
    QString m_pinError;
    QString m_role;
};

} // namespace fieldnotes::app
