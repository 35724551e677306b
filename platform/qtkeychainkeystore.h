#pragma once

#include "platform/keystore.h"

namespace fieldnotes {

// Secret Service (GNOME Keyring, KWallet) on Linux, Keychain on macOS, Credential Manager on Windows. It never
// uses QtKeychain's "insecure fallback", which would store secrets in a plaintext settings file.

/** The OS keystore through QtKeychain, with no plaintext fallback. */
class QtKeychainKeyStore final : public KeyStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QtKeychainKeyStore)

public:
    /** Uses defaultServiceName(). */
    explicit QtKeychainKeyStore(QObject *parent = nullptr);
    /** Uses @p serviceName, so tools and tests can keep their entries apart from the app's. */
    explicit QtKeychainKeyStore(const QString &serviceName, QObject *parent = nullptr);
    ~QtKeychainKeyStore() override;

    /** "org.fieldnotes.Fieldnotes" */
    [[nodiscard]] static QString defaultServiceName();
    [[nodiscard]] QString serviceName() const { return m_serviceName; }

    void readSecret(const QString &name, ReadCallback done) override;
    void writeSecret(const QString &name, const SecureBuffer &secret, DoneCallback done) override;
    void removeSecret(const QString &name, DoneCallback done) override;
    [[nodiscard]] QString backendName() const override;

private:
    QString m_serviceName;
};

} // namespace fieldnotes
