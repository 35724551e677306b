#include "synccontroller.h"

#include "platform/networkmonitor.h"
#include "session.h"
#include "store/store.h"
#include "store/storedirectory.h"
#include "sync/client/syncengine.h"

#include "sync/client/apiclient.h"

#include <QRegularExpression>
#include <QSysInfo>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

SyncController::SyncController(Session *session, KeyStore *keyStore, NetworkMonitor *network, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_keyStore(keyStore)
    , m_network(network)
{
    connect(m_session, &Session::storeOpened, this, &SyncController::open);
    // Before the store closes: the engine holds a reference to it.
    connect(m_session, &Session::aboutToLock, this, &SyncController::close);
    // A new store (after a wipe) starts without a role.
    connect(m_session, &Session::wiped, this, [this] { setRole(QString()); });
    connect(m_session, &Session::localRecordsChanged, this, [this] {
        if (m_engine)
            m_engine->localChanged();
    });
    if (m_session->store())
        open();
}

SyncController::~SyncController() = default;

void SyncController::open()
{
    if (m_engine || !m_session->store() || !m_keyStore)
        return;
    sync::SyncOptions options; // the app's defaults: debounced, periodic, on reconnect
    m_engine = std::make_unique<sync::SyncEngine>(*m_session->store(), *m_keyStore,
                                                  StoreDirectory::tokenKeystoreEntry(m_session->storeDirectory()),
                                                  options);
    sync::SyncEngine *engine = m_engine.get();
    for (auto signal : {&sync::SyncEngine::statusChanged, &sync::SyncEngine::progressChanged,
                        &sync::SyncEngine::countsChanged, &sync::SyncEngine::lastSyncChanged,
                        &sync::SyncEngine::accountChanged, &sync::SyncEngine::searchBacklogChanged})
        connect(engine, signal, this, &SyncController::changed);
    connect(engine, &sync::SyncEngine::accountChanged, this, [this, engine] { setRole(engine->role()); });
    connect(engine, &sync::SyncEngine::recordsChanged, m_session, &Session::notifyRemoteChanges);
    connect(engine, &sync::SyncEngine::deviceRevoked, this, [this] {
        const QString token = StoreDirectory::tokenKeystoreEntry(m_session->storeDirectory());
        // Queued: the engine is inside its own call; the wipe destroys it.
        QMetaObject::invokeMethod(this, [this, token] {
            m_session->wipe({token});
            Q_EMIT revoked();
        }, Qt::QueuedConnection);
    });
    if (m_network) {
        engine->setOnline(m_network->isOnline());
        connect(m_network, &NetworkMonitor::onlineChanged, engine, &sync::SyncEngine::setOnline);
    }
    engine->start(); // reads the account, so the role is known from here on
    setRole(engine->role());
    Q_EMIT changed();
}

void SyncController::close()
{
    if (!m_engine)
        return;
    m_engine.reset();
    setBusy(false);
    Q_EMIT changed();
}

void SyncController::setBusy(bool busy, const QString &error)
{
    m_busy = busy;
    m_signInError = error;
    Q_EMIT busyChanged();
}

SyncController::Status SyncController::status() const
{
    return m_engine ? Status(int(m_engine->status())) : Status::LocalOnly;
}

QString SyncController::message() const
{
    return m_engine ? m_engine->message() : QString();
}

double SyncController::progress() const
{
    return m_engine ? m_engine->progress() : -1;
}

int SyncController::searchBacklog() const
{
    return m_engine ? m_engine->searchBacklog() : 0;
}

int SyncController::pendingCount() const
{
    return m_engine ? m_engine->pendingCount() : 0;
}

int SyncController::conflictCount() const
{
    return m_engine ? m_engine->conflictCount() : 0;
}

QDateTime SyncController::lastSync() const
{
    return m_engine ? m_engine->lastSync() : QDateTime();
}

bool SyncController::signedIn() const
{
    return m_engine && m_engine->isSignedIn();
}

QString SyncController::serverUrl() const
{
    return m_engine ? m_engine->serverUrl() : QString();
}

QString SyncController::userEmail() const
{
    return m_engine ? m_engine->userEmail() : QString();
}

void SyncController::setRole(const QString &role)
{
    if (role == m_role)
        return;
    m_role = role;
    Q_EMIT changed();
}

QStringList SyncController::pinnedKeys() const
{
    return m_engine ? m_engine->pinnedKeys() : QStringList();
}

void SyncController::signIn(const QString &serverUrl, const QString &email, const QString &password,
                            const QString &pins)
{
    if (m_busy)
        return;
    const auto refuse = [this](const QString &message) {
        setBusy(false, message);
        Q_EMIT signInFinished(false);
    };
    if (!m_engine)
        return refuse(m_session->store() ? tr("This device has no keystore to keep a sign-in in; it stays local-only.")
                                         : tr("Unlock the store first."));
    if (auto url = sync::ApiClient::checkServerUrl(serverUrl); !url)
        return refuse(url.error().message);
    if (email.trimmed().isEmpty() || password.isEmpty())
        return refuse(tr("Enter your e-mail address and password."));
    const QStringList newPins = pins.split(QRegularExpression(u"[\\s,]+"_s), Qt::SkipEmptyParts);
    for (const QString &pin : newPins) {
        if (!validPin(pin))
            return refuse(tr("A certificate pin is the base64 SHA-256 hash of the server's public key (44 characters)."));
    }
    setBusy(true);
    const QStringList previousPins = m_engine->pinnedKeys();
    if (!newPins.isEmpty())
        m_engine->setPinnedKeys(newPins);
    QByteArray secret = password.toUtf8();
    const QString deviceName = QSysInfo::machineHostName() + u" (Fieldnotes)"_s;
    QPointer<SyncController> self(this);
    m_engine->signIn(serverUrl.trimmed(), email.trimmed(), secret, deviceName, [self, previousPins](Result<void> r) {
        if (!self)
            return;
        if (!r && self->m_engine)
            self->m_engine->setPinnedKeys(previousPins); // a failed sign-in changes nothing
        self->setBusy(false, r ? QString() : r.error().message);
        Q_EMIT self->changed();
        Q_EMIT self->signInFinished(r.ok());
    });
    secret.fill('\0');
}

bool SyncController::validPin(const QString &pin)
{
    return QByteArray::fromBase64(pin.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors).size() == 32;
}

bool SyncController::addPinnedKey(const QString &pin)
{
    if (!m_engine) {
        setPinError(m_session->store() ? tr("This device has no keystore to keep a sign-in in; it stays local-only.")
                                       : tr("Unlock the store first."));
        return false;
    }
    const QString trimmed = pin.trimmed();
    if (!validPin(trimmed)) {
        setPinError(tr("A certificate pin is the base64 SHA-256 hash of the server's public key (44 characters)."));
        return false;
    }
    QStringList pins = m_engine->pinnedKeys();
    if (pins.contains(trimmed)) {
        setPinError(tr("This pin is already there."));
        return false;
    }
    pins << trimmed;
    return savePins(pins);
}

bool SyncController::removePinnedKey(const QString &pin)
{
    if (!m_engine)
        return false;
    QStringList pins = m_engine->pinnedKeys();
    if (!pins.removeAll(pin.trimmed())) {
        setPinError(tr("There is no such pin."));
        return false;
    }
    return savePins(pins);
}

bool SyncController::savePins(const QStringList &pins)
{
    if (auto r = m_engine->savePinnedKeys(pins); !r) {
        setPinError(r.error().message);
        return false;
    }
    setPinError(QString());
    Q_EMIT changed();
    return true;
}

void SyncController::setPinError(const QString &error)
{
    if (error == m_pinError)
        return;
    m_pinError = error;
    Q_EMIT pinErrorChanged();
}

void SyncController::signOut()
{
    if (!m_engine || m_busy)
        return;
    setBusy(true);
    QPointer<SyncController> self(this);
    m_engine->signOut([self](Result<void> r) {
        if (!self)
            return;
        self->setBusy(false, r ? QString() : r.error().message);
        Q_EMIT self->changed();
    });
}

void SyncController::syncNow()
{
    if (m_engine)
        m_engine->syncNow();
}

void SyncController::confirmMassDelete()
{
    if (m_engine)
        m_engine->confirmMassDelete();
}

void SyncController::wipe()
{
    m_session->wipe({StoreDirectory::tokenKeystoreEntry(m_session->storeDirectory())});
}

} // namespace fieldnotes::app
