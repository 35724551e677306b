#pragma once

#include "base/result.h"
#include "base/securebuffer.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace fieldnotes {

// The contract of every implementation: each call returns at once and its callback runs exactly once, later, on
// this object's thread, from the event loop (never from inside the call). Callbacks still pending when the store
// is destroyed are dropped. Library code never waits for an answer with a nested event loop.

/** Where the OS keeps secrets for this user (Secret Service, Keychain, Credential Manager…), asynchronously. */
class KeyStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyStore)

public:
    using ReadCallback = std::function<void(Result<SecureBuffer>)>;
    using DoneCallback = std::function<void(Result<void>)>;

    ~KeyStore() override;

    /** The secret stored as @p name: ErrorCode::NotFound when absent, Unavailable when there is no keystore. */
    virtual void readSecret(const QString &name, ReadCallback done) = 0;
    /** Stores a copy of @p secret as @p name, replacing any previous value; @p secret may be wiped at once. */
    virtual void writeSecret(const QString &name, const SecureBuffer &secret, DoneCallback done) = 0;
    /** Removes @p name; removing an absent entry is success. */
    virtual void removeSecret(const QString &name, DoneCallback done) = 0;
    /** For diagnostics and the UI ("stored in the GNOME keyring"); never a secret. */
    [[nodiscard]] virtual QString backendName() const = 0;

protected:
    explicit KeyStore(QObject *parent = nullptr);
};

/**
 * The keystore of this platform, chosen by CMake (QtKeychain on Linux, macOS and Windows). Ownership is the
 * caller's alone, so there is deliberately no QObject parent argument (a parent would delete it a second time).
 */
[[nodiscard]] std::unique_ptr<KeyStore> createPlatformKeyStore();

} // namespace fieldnotes
