#pragma once

#include "platform/keystore.h"

#include <map>

namespace fieldnotes {

/** An in-process keystore for tests: async and in call order like a real one, and able to fail on purpose. */
class MemoryKeyStore final : public KeyStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MemoryKeyStore)

public:
    explicit MemoryKeyStore(QObject *parent = nullptr);
    ~MemoryKeyStore() override;

    void readSecret(const QString &name, ReadCallback done) override;
    void writeSecret(const QString &name, const SecureBuffer &secret, DoneCallback done) override;
    void removeSecret(const QString &name, DoneCallback done) override;
    [[nodiscard]] QString backendName() const override;

    /** While set, every operation (including those already queued) fails with ErrorCode::Unavailable. */
    void setUnavailable(bool unavailable);
    [[nodiscard]] bool isUnavailable() const { return m_unavailable; }

    /** Synchronous inspection for tests: what has been written so far (pending operations not applied yet). */
    [[nodiscard]] bool contains(const QString &name) const;
    [[nodiscard]] int entryCount() const { return static_cast<int>(m_secrets.size()); }

private:
    [[nodiscard]] Error unavailableError() const;

    // SecureBuffer is move-only, which QHash (copy-on-write) cannot hold.
    std::map<QString, SecureBuffer> m_secrets;
    bool m_unavailable = false;
};

} // namespace fieldnotes
