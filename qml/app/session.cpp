#include "session.h"

#include "crypto/keyvault.h"
#include "passphrasestrength.h"
#include "platform/keystore.h"
#include "records/entity.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QCoreApplication>
#include <QEvent>
#include <QJsonArray>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

SecureBuffer secretFrom(const QString &text)
{
    return SecureBuffer::fromByteArray(text.toUtf8());
}

} // namespace

Session::Session(QString storeDirectory, KeyStore *keyStore, QObject *parent)
    : QObject(parent), m_dir(std::move(storeDirectory)), m_keyStore(keyStore)
{
    m_state = StoreDirectory::exists(m_dir) ? State::Locked : State::NoStore;
    connect(&m_watcher, &QFutureWatcher<void>::finished, this, &Session::finishTask);
    m_pool.setMaxThreadCount(1); // one task at a time (busy)
    m_pool.setExpiryTimeout(0);
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &Session::lock);
    m_retryTimer.setInterval(1000);
    connect(&m_retryTimer, &QTimer::timeout, this, &Session::updateRetryDelay);
    if (m_state == State::Locked)
        updateRetryDelay();
}

Session::~Session()
{
    // A derivation in flight only touches its own copies; wait so it does not outlive what it reports to.
    m_watcher.waitForFinished();
    if (m_store)
        lock();
}

bool Session::remembered() const
{
    return m_state != State::NoStore && StoreDirectory::isRememberedInKeystore(m_dir);
}

void Session::setIdleTimeoutSeconds(int seconds)
{
    seconds = std::max(0, seconds);
    if (seconds == m_idleTimeoutSeconds)
        return;
    m_idleTimeoutSeconds = seconds;
    noteActivity();
    emit idleTimeoutSecondsChanged();
}

void Session::createStore(const QString &passphrase, const QString &repeated, bool remember)
{
    if (m_busy || m_state != State::NoStore)
        return;
    const PassphraseStrength strength = PassphraseStrength::evaluate(passphrase);
    if (strength.score == 0) {
        setError(strength.hint);
        return;
    }
    if (passphrase != repeated) {
        setError(tr("The two passphrases differ."));
        return;
    }
    m_rememberAfterCreate = remember;
    auto secret = std::make_shared<SecureBuffer>(secretFrom(passphrase));
    startTask(Task::Create, [dir = m_dir, secret]() -> Result<TaskOutput> {
        auto key = StoreDirectory::initialize(dir, *secret, KdfParams::fromEnvironment());
        if (!key)
            return key.error();
        return TaskOutput {std::move(*key), {}};
    });
}

void Session::unlock(const QString &passphrase)
{
    if (m_busy || m_state != State::Locked)
        return;
    if (passphrase.isEmpty()) {
        setError(tr("Enter your passphrase."));
        return;
    }
    auto secret = std::make_shared<SecureBuffer>(secretFrom(passphrase));
    startTask(Task::Unlock, [dir = m_dir, secret]() -> Result<TaskOutput> {
        auto vault = KeyVault::load(dir);
        if (!vault)
            return vault.error();
        auto key = vault->unlock(*secret);
        if (!key)
            return key.error();
        return TaskOutput {std::move(*key), {}};
    });
}

void Session::changePassphrase(const QString &current, const QString &next, const QString &repeated)
{
    if (m_busy || m_state != State::Unlocked)
        return;
    const PassphraseStrength strength = PassphraseStrength::evaluate(next);
    if (strength.score == 0) {
        setError(strength.hint);
        return;
    }
    if (next != repeated) {
        setError(tr("The two new passphrases differ."));
        return;
    }
    auto oldSecret = std::make_shared<SecureBuffer>(secretFrom(current));
    auto newSecret = std::make_shared<SecureBuffer>(secretFrom(next));
    startTask(Task::ChangePassphrase, [dir = m_dir, oldSecret, newSecret]() -> Result<TaskOutput> {
        auto vault = KeyVault::load(dir);
        if (!vault)
            return vault.error();
        if (auto r = vault->changePassphrase(*oldSecret, *newSecret, KdfParams::fromEnvironment()); !r)
            return r.error();
        return TaskOutput {};
    });
}

void Session::startTask(Task task, std::function<Result<TaskOutput>()> work)
{
    setError(QString());
    setBusy(true);
    m_task = task;
    m_taskGeneration = m_generation;
    m_outcome = std::make_shared<Outcome>();
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [work = std::move(work), outcome = m_outcome] {
        outcome->emplace(work());
    }));
}

void Session::finishTask()
{
    const Task task = std::exchange(m_task, Task::None);
    std::shared_ptr<Outcome> outcome = std::move(m_outcome);
    setBusy(false);
    setUpgrading(false);
    if (!outcome || !outcome->has_value())
        return;
    Result<TaskOutput> &result = **outcome;
    if (!result) {
        if (m_state == State::NoStore && StoreDirectory::exists(m_dir))
            setState(State::Locked); // created, not opened: the passphrase opens it
        showFailure(result.error());
        return;
    }
    // A lock() while the task ran wins: the user walked away (a store opened meanwhile is closed again here).
    const bool current = m_taskGeneration == m_generation;
    switch (task) {
    case Task::ChangePassphrase:
        emit passphraseChanged();
        break;
    case Task::Create:
        if (m_rememberAfterCreate)
            rememberKey(result->key);
        [[fallthrough]];
    case Task::Unlock:
        if (current)
            openWithKey(result->key); // a new store stays on the first-run page until it is open
        else if (m_state == State::NoStore)
            setState(State::Locked);
        break;
    case Task::Open:
        if (current)
            adoptStore(std::move(result->store));
        else if (m_state == State::NoStore)
            setState(State::Locked);
        break;
    case Task::None:
        break;
    }
    result->key.clear();
}

void Session::unlockWithKeystore()
{
    if (m_busy || m_state != State::Locked || !m_keyStore || !StoreDirectory::isRememberedInKeystore(m_dir))
        return;
    setError(QString());
    setBusy(true);
    const quint64 generation = m_generation;
    QPointer<Session> self(this);
    m_keyStore->readSecret(StoreDirectory::keystoreEntry(m_dir), [self, generation](Result<SecureBuffer> key) {
        if (!self)
            return;
        self->setBusy(false);
        if (generation != self->m_generation || self->m_state != State::Locked)
            return;
        if (!key) {
            self->setError(tr("This device's keystore did not give the key (%1). Enter your passphrase.")
                               .arg(key.error().message));
            return;
        }
        auto vault = KeyVault::load(self->m_dir);
        if (!vault || !vault->verifyDataKey(*key)) {
            self->setError(tr("The key in this device's keystore does not fit this store. Enter your passphrase."));
            return;
        }
        self->openWithKey(*key);
    });
}

void Session::rememberKey(const SecureBuffer &key)
{
    if (!m_keyStore)
        return;
    QPointer<Session> self(this);
    const QString dir = m_dir;
    m_keyStore->writeSecret(StoreDirectory::keystoreEntry(dir), key, [self, dir](Result<void> written) {
        if (!written) {
            if (self)
                self->setError(tr("Could not keep the key on this device (%1); your passphrase unlocks the store.")
                                   .arg(written.error().message));
            return;
        }
        if (auto r = StoreDirectory::setRememberedInKeystore(dir, true); !r && self)
            self->setError(r.error().message);
        if (self)
            emit self->rememberedChanged();
    });
}

void Session::openWithKey(const SecureBuffer &key)
{
    // Reading the schema version is a few milliseconds; an upgrade can be a minute, so the page says what it waits for.
    auto upgrade = Store::needsUpgrade(m_dir, key);
    auto copy = std::make_shared<SecureBuffer>(key.clone());
    startTask(Task::Open, [dir = m_dir, copy]() -> Result<TaskOutput> {
        auto store = Store::open(dir, *copy);
        copy->clear();
        if (!store)
            return store.error();
        return TaskOutput {SecureBuffer(), std::move(*store)};
    });
    setUpgrading(upgrade.ok() && *upgrade);
}

void Session::adoptStore(std::unique_ptr<Store> store)
{
    if (m_store)
        lock();
    m_store = std::move(store);
    setError(QString());
    m_retryTimer.stop();
    if (m_retrySeconds != 0) {
        m_retrySeconds = 0;
        emit retrySecondsChanged();
    }
    // Opened before Unlocked: what the app shows depends on what is read from the store now (the signed-in role,
    // SyncController), and the state change builds the app (Main.qml). A sales rep's app must never make, even for a
    // moment, the pages sales may not see.
    emit storeOpened();
    setState(State::Unlocked);
    emit rememberedChanged();
    noteActivity();
}

QString Session::defaultGuideTitle()
{
    return tr("Open interview");
}

QStringList Session::defaultGuideQuestions()
{
    // Open questions, none about a deal: customers speak freely when nothing is being sold.
    return {
        tr("What do you like about how you work today, and about the tools you use?"),
        tr("What do you need that you do not have yet?"),
        tr("What do you value most in a supplier, and why?"),
        tr("Which functions do you look for when you choose a product like ours?"),
        tr("What takes too much time or goes wrong most often?"),
        tr("Where is your market going in the next two or three years?"),
        tr("What will you need to do differently because of that?"),
        tr("Who else do you consider or work with for this, and what do they do well?"),
        tr("If you could change one thing about our field, what would it be?"),
    };
}

QString Session::defaultGuideId()
{
    // Fixed and shared by every team: records are the team's own on the server (its key is team and id).
    return u"0f1e1d00-9a1d-4e00-8000-000000000001"_s;
}

void Session::ensureDefaultGuide()
{
    if (!m_store)
        return;
    ListQuery one;
    one.limit = 1;
    auto guides = m_store->list(Entity::Guide, one);
    if (!guides || !guides->isEmpty())
        return;
    // Two devices that both write it before they sync store the same values: the server counts that as no conflict.
    auto stored = m_store->put(Entity::Guide, defaultGuideId(),
                               {{u"title"_s, defaultGuideTitle()},
                                {u"questions"_s, QJsonArray::fromStringList(defaultGuideQuestions())}});
    if (!stored && stored.error().code == ErrorCode::NotFound)
        return; // someone in the team deleted it, and this device has seen that: it stays deleted
    if (!stored) {
        setError(stored.error().message);
        return;
    }
    notifyRecordsChanged(Entity::Guide);
}

void Session::lock()
{
    ++m_generation; // a derivation still running must not open the store afterwards
    m_idleTimer.stop();
    if (!m_store)
        return;
    emit aboutToLock();
    m_store.reset(); // closes the database: SQLCipher wipes its copy of the key
    setState(State::Locked);
    updateRetryDelay();
    emit storeClosed();
}

QVariantMap Session::passphraseStrength(const QString &passphrase) const
{
    const PassphraseStrength strength = PassphraseStrength::evaluate(passphrase);
    return {{u"score"_s, strength.score}, {u"hint"_s, strength.hint}};
}

void Session::noteActivity()
{
    if (m_state != State::Unlocked || m_idleTimeoutSeconds <= 0) {
        m_idleTimer.stop();
        return;
    }
    m_idleTimer.start(m_idleTimeoutSeconds * 1000);
}

void Session::handleApplicationState(Qt::ApplicationState state)
{
    if (state == Qt::ApplicationSuspended || state == Qt::ApplicationHidden)
        lock();
}

void Session::notifyRecordsChanged(Entity entity)
{
    emit recordsChanged(entityName(entity));
    emit localRecordsChanged();
}

void Session::notifyRemoteChanges()
{
    for (const EntitySpec &spec : allEntities())
        emit recordsChanged(spec.name);
}

void Session::wipe(const QStringList &extraKeystoreEntries)
{
    QStringList entries = extraKeystoreEntries;
    if (StoreDirectory::isRememberedInKeystore(m_dir))
        entries << StoreDirectory::keystoreEntry(m_dir);
    lock();
    // A store being opened in a worker is not deleted under it: wait, and close what it opened.
    m_watcher.waitForFinished();
    m_outcome.reset();
    if (auto r = StoreDirectory::wipe(m_dir); !r) {
        setError(r.error().message);
        return;
    }
    if (m_keyStore) {
        for (const QString &entry : std::as_const(entries))
            m_keyStore->removeSecret(entry, [](Result<void>) {}); // absent is success; nothing else to do
    }
    setError(QString());
    setState(State::NoStore);
    emit wiped();
}

bool Session::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::TouchBegin:
    case QEvent::Wheel:
        if (m_idleTimer.isActive())
            m_idleTimer.start();
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

void Session::showFailure(const Error &error)
{
    switch (error.code) {
    case ErrorCode::WrongPassphrase:
        setError(tr("Wrong passphrase."));
        break;
    case ErrorCode::Throttled:
        setError(tr("Too many wrong passphrases."));
        break;
    default:
        setError(error.message);
        break;
    }
    updateRetryDelay();
}

void Session::updateRetryDelay()
{
    int seconds = 0;
    if (m_state == State::Locked) {
        if (auto vault = KeyVault::load(m_dir))
            seconds = int((vault->retryDelay().count() + 999) / 1000);
    }
    if (seconds > 0 && !m_retryTimer.isActive())
        m_retryTimer.start();
    else if (seconds == 0)
        m_retryTimer.stop();
    if (seconds != m_retrySeconds) {
        m_retrySeconds = seconds;
        emit retrySecondsChanged();
    }
}

void Session::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    emit stateChanged();
}

void Session::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit busyChanged();
}

void Session::setUpgrading(bool upgrading)
{
    if (upgrading == m_upgrading)
        return;
    m_upgrading = upgrading;
    emit upgradingChanged();
}

void Session::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
