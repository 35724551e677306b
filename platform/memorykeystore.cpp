#include "platform/memorykeystore.h"

#include <QMetaObject>

#include <memory>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

MemoryKeyStore::MemoryKeyStore(QObject *parent)
    : KeyStore(parent)
{ }

MemoryKeyStore::~MemoryKeyStore() = default;

// Each operation is applied when its queued call runs, not when it is requested, so callers see the same
// ordering and timing (later, from the event loop) as with a real keystore daemon. Queued calls bound to
// `this` are dropped if the store is destroyed first, as the KeyStore contract says.

void MemoryKeyStore::readSecret(const QString &name, ReadCallback done)
{
    QMetaObject::invokeMethod(
        this,
        [this, name, done = std::move(done)] {
            if (m_unavailable) {
                done(unavailableError());
                return;
            }
            const auto it = m_secrets.find(name);
            if (it == m_secrets.end()) {
                done(makeError(ErrorCode::NotFound, u"There is no secret named \"%1\" in the keystore."_s.arg(name)));
                return;
            }
            done(it->second.clone());
        },
        Qt::QueuedConnection);
}

void MemoryKeyStore::writeSecret(const QString &name, const SecureBuffer &secret, DoneCallback done)
{
    // Copied now: the caller may wipe its buffer as soon as this returns. Shared because Qt's queued functor
    // must be copyable and SecureBuffer is not.
    auto copy = std::make_shared<SecureBuffer>(secret.clone());
    QMetaObject::invokeMethod(
        this,
        [this, name, copy, done = std::move(done)] {
            if (m_unavailable) {
                done(unavailableError());
                return;
            }
            m_secrets.insert_or_assign(name, std::move(*copy));
            done(Result<void>());
        },
        Qt::QueuedConnection);
}

void MemoryKeyStore::removeSecret(const QString &name, DoneCallback done)
{
    QMetaObject::invokeMethod(
        this,
        [this, name, done = std::move(done)] {
            if (m_unavailable) {
                done(unavailableError());
                return;
            }
            m_secrets.erase(name);
            done(Result<void>());
        },
        Qt::QueuedConnection);
}

QString MemoryKeyStore::backendName() const
{
    return u"memory"_s;
}

void MemoryKeyStore::setUnavailable(bool unavailable)
{
    m_unavailable = unavailable;
}

bool MemoryKeyStore::contains(const QString &name) const
{
    return m_secrets.find(name) != m_secrets.end();
}

Error MemoryKeyStore::unavailableError() const
{
    return makeError(ErrorCode::Unavailable, u"The keystore is not available (simulated outage)."_s);
}

} // namespace fieldnotes
