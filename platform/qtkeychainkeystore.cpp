#include "platform/qtkeychainkeystore.h"

#include <qt6keychain/keychain.h>

#include <sodium.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

Error keychainError(const QKeychain::Job &job, const QString &action)
{
    switch (job.error()) {
    case QKeychain::NoError:
        break;
    case QKeychain::EntryNotFound:
        return makeError(ErrorCode::NotFound, u"There is no \"%1\" entry in the keystore."_s.arg(job.key()));
    case QKeychain::NoBackendAvailable:
        return makeError(ErrorCode::Unavailable,
            u"Could not %1 the keystore: no keystore service is running (on Linux, a Secret Service "
            "such as GNOME Keyring or KWallet). %2"_s.arg(action, job.errorString()));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return makeError(ErrorCode::Unavailable,
            u"Could not %1 the keystore: access was denied. %2"_s.arg(action, job.errorString()));
    case QKeychain::NotImplemented:
        return makeError(ErrorCode::Unavailable,
            u"Could not %1 the keystore: this keystore does not support it. %2"_s.arg(action, job.errorString()));
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    return makeError(ErrorCode::Unavailable, u"Could not %1 the keystore: %2"_s.arg(action, job.errorString()));
}

// QtKeychain hands secrets over in implicitly shared QByteArrays. Writing through constData() (instead of
// detaching with data()) wipes the one buffer that we and the job share, before the job frees it unscrubbed.
// Copies made inside the backend (base64 strings, D-Bus messages, libsecret) are out of our reach.
void scrubShared(const QByteArray &bytes)
{
    if (!bytes.isEmpty())
        sodium_memzero(const_cast<char *>(bytes.constData()), static_cast<std::size_t>(bytes.size()));
}

template<typename JobType> JobType *makeJob(const QString &service, const QString &name)
{
    // No parent: a QtKeychain backend may still call back into a job after its parent is gone, so the job
    // owns itself (auto-delete after finished()) and our store is only the receiving context of the signal.
    auto *job = new JobType(service);
    job->setAutoDelete(true);
    // Explicit, although it is the default: the fallback stores secrets in a plaintext QSettings file.
    job->setInsecureFallback(false);
    job->setKey(name);
    return job;
}

} // namespace

QtKeychainKeyStore::QtKeychainKeyStore(QObject *parent)
    : QtKeychainKeyStore(defaultServiceName(), parent)
{ }

QtKeychainKeyStore::QtKeychainKeyStore(const QString &serviceName, QObject *parent)
    : KeyStore(parent)
    , m_serviceName(serviceName)
{ }

QtKeychainKeyStore::~QtKeychainKeyStore() = default;

QString QtKeychainKeyStore::defaultServiceName()
{
    return u"org.fieldnotes.Fieldnotes"_s;
}

void QtKeychainKeyStore::readSecret(const QString &name, ReadCallback done)
{
    auto *job = makeJob<QKeychain::ReadPasswordJob>(m_serviceName, name);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        if (job->error() != QKeychain::NoError) {
            done(keychainError(*job, u"read from"_s));
            return;
        }
        const QByteArray bytes = job->binaryData();
        done(SecureBuffer::fromBytes(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    });
    // Connected second so it runs after the copy above, and bound to the job so it runs even when this store
    // has been destroyed and the copy is skipped.
    connect(job, &QKeychain::Job::finished, job, [job] { scrubShared(job->binaryData()); });
    job->start();
}

void QtKeychainKeyStore::writeSecret(const QString &name, const SecureBuffer &secret, DoneCallback done)
{
    auto *job = makeJob<QKeychain::WritePasswordJob>(m_serviceName, name);
    const QByteArray bytes = secret.copyToByteArrayForKeystore();
    job->setBinaryData(bytes);
    // The job holds a shared reference until it deletes itself. The scrub is bound to the job, not to this
    // store, so it runs even if the store is destroyed first; it is connected first, so it runs first.
    connect(job, &QKeychain::Job::finished, job, [bytes] { scrubShared(bytes); });
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        if (job->error() != QKeychain::NoError) {
            done(keychainError(*job, u"write to"_s));
            return;
        }
        done(Result<void>());
    });
    job->start();
}

void QtKeychainKeyStore::removeSecret(const QString &name, DoneCallback done)
{
    auto *job = makeJob<QKeychain::DeletePasswordJob>(m_serviceName, name);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound) {
            done(keychainError(*job, u"remove from"_s));
            return;
        }
        done(Result<void>());
    });
    job->start();
}

QString QtKeychainKeyStore::backendName() const
{
#if defined(Q_OS_LINUX)
    return u"Secret Service (QtKeychain)"_s;
#elif defined(Q_OS_MACOS)
    return u"macOS Keychain (QtKeychain)"_s;
#elif defined(Q_OS_WIN)
    return u"Windows Credential Manager (QtKeychain)"_s;
#else
    return u"QtKeychain"_s;
#endif
}

std::unique_ptr<KeyStore> createPlatformKeyStore()
{
    return std::make_unique<QtKeychainKeyStore>();
}

} // namespace fieldnotes
