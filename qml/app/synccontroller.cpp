#include "synccontroller.h"

#include "platform/networkmonitor.h"
#include "session.h"
#include "store/store.h"
#include "store/storedirectory.h"
#include "sync/client/syncengine.h"

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
                        &sync::SyncEngine::accountChanged})
        connect(engine, signal, this, &SyncController::changed);
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
    engine->start();
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

QString SyncController::role() const
{
    return m_engine ? m_engine->role() : QString();
}

void SyncController::signIn(const QString &serverUrl, const QString &email, const QString &password)
{
    if (!m_engine || m_busy)
        return;
    setBusy(true);
    QByteArray secret = password.toUtf8();
    const QString deviceName = QSysInfo::machineHostName() + u" (Fieldnotes)"_s;
    QPointer<SyncController> self(this);
    m_engine->signIn(serverUrl, email, secret, deviceName, [self](Result<void> r) {
        if (!self)
            return;
        self->setBusy(false, r ? QString() : r.error().message);
        Q_EMIT self->changed();
        Q_EMIT self->signInFinished(r.ok());
    });
    secret.fill('\0');
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
