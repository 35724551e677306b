#pragma once

#include "base/result.h"
#include "base/securebuffer.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <chrono>
#include <cstddef>
#include <functional>

namespace fieldnotes {

/** Cost of the Argon2id passphrase derivation (libsodium's opslimit and memlimit, in bytes). */
struct KdfParams
{
    quint64 opsLimit = 0;
    std::size_t memLimit = 0;

    /** What new vaults use: one derivation costs 0.3–1 s on the reference machine (see the .cpp). */
    [[nodiscard]] static KdfParams standard();
    /** libsodium's minimum: instant and worthless against guessing. For tests only. */
    [[nodiscard]] static KdfParams fastForTests();
    /** fastForTests() when FIELDNOTES_INSECURE_FAST_KDF=1 (set by the test suite), otherwise standard(). */
    [[nodiscard]] static KdfParams fromEnvironment();

    /** Within what libsodium accepts (and the vault loads). */
    [[nodiscard]] bool isValid() const;

    friend bool operator==(const KdfParams &, const KdfParams &) = default;
};

// The store's random 256-bit data key (the SQLCipher raw key) is sealed with XSalsa20-Poly1305 (libsodium
// secretbox) under a key derived from the user's passphrase with Argon2id, in <dir>/vault.json. Changing the
// passphrase re-seals the same data key; the database is never touched.
//
// Consecutive failed unlocks are counted in <dir>/vault.attempts, so the throttle holds across processes and
// restarts: from the third failure on, attempts are refused (before the expensive derivation) until
// 2^(failures - 3) seconds, at most 5 minutes, have passed since the last failure. A success resets it.
// Nothing secret is ever logged or put in an error message.

/** The key vault of one store directory: its data key, sealed under the user's passphrase. */
class KeyVault
{
public:
    /** Milliseconds since the Unix epoch; injectable so tests need not sleep. */
    using Clock = std::function<qint64()>;

    static constexpr std::size_t DataKeyBytes = 32;
    static constexpr int FailuresBeforeThrottling = 3;
    static constexpr std::chrono::milliseconds MaxRetryDelay {std::chrono::minutes(5)};

    [[nodiscard]] static QString vaultFileName(); ///< "vault.json"
    [[nodiscard]] static QString attemptsFileName(); ///< "vault.attempts"
    [[nodiscard]] static QString vaultPath(const QString &dir);

    [[nodiscard]] static bool exists(const QString &dir);

    /**
     * Makes a new random data key, seals it under @p passphrase and writes <dir>/vault.json (0600, in a 0700
     * directory that is created if needed). AlreadyExists if the directory has a vault; InvalidInput for an empty
     * passphrase or out-of-range @p params. Returns the data key.
     */
    [[nodiscard]] static Result<SecureBuffer> create(
        const QString &dir, const SecureBuffer &passphrase, const KdfParams &params);

    /**
     * Reads <dir>/vault.json. NotFound when there is none, Corrupt when it is damaged (unparsable, missing
     * fields, bad base64, wrong sizes), Incompatible when it was written by another format or algorithm.
     */
    [[nodiscard]] static Result<KeyVault> load(const QString &dir, Clock clock = {});

    /**
     * The data key, or WrongPassphrase, or Throttled (after repeated failures; see retryDelay()), or Corrupt if
     * the sealed key does not match the stored key check. Never modifies vault.json.
     */
    [[nodiscard]] Result<SecureBuffer> unlock(const SecureBuffer &passphrase);

    /**
     * Re-seals the same data key under @p newPassphrase with a fresh salt and nonce and replaces vault.json
     * atomically. @p oldPassphrase is checked exactly like unlock() (throttled, failures counted).
     */
    [[nodiscard]] Result<void> changePassphrase(
        const SecureBuffer &oldPassphrase, const SecureBuffer &newPassphrase, const KdfParams &params);

    /** Whether @p key is this vault's data key (e.g. one read back from the OS keystore), in constant time. */
    [[nodiscard]] bool verifyDataKey(const SecureBuffer &key) const;

    /** How long unlock() will refuse with Throttled from now; zero when an attempt is allowed. */
    [[nodiscard]] std::chrono::milliseconds retryDelay() const;
    /** Consecutive failed unlocks recorded in vault.attempts (shared by every process using this store). */
    [[nodiscard]] int consecutiveFailures() const;

    [[nodiscard]] QString directory() const { return m_dir; }
    [[nodiscard]] KdfParams kdfParams() const { return m_kdf; }
    void setClock(Clock clock);

    /**
     * How many times this object has run the passphrase derivation. Lets tests prove that a throttled attempt
     * is refused before the expensive step rather than after it.
     */
    [[nodiscard]] quint64 kdfRunCount() const { return m_kdfRuns; }

private:
    struct Attempts
    {
        int failures = 0;
        qint64 lastFailureMs = 0;
    };

    KeyVault() = default;

    [[nodiscard]] Attempts readAttempts() const;
    void recordFailure();
    void clearFailures();
    [[nodiscard]] std::chrono::milliseconds retryDelay(const Attempts &attempts) const;
    [[nodiscard]] qint64 now() const;
    [[nodiscard]] Result<SecureBuffer> deriveKek(
        const SecureBuffer &passphrase, const QByteArray &salt, const KdfParams &params);

    QString m_dir;
    Clock m_clock;
    KdfParams m_kdf;
    QByteArray m_salt;
    QByteArray m_nonce;
    QByteArray m_sealedKey;
    QByteArray m_keyCheck;
    quint64 m_kdfRuns = 0;
};

} // namespace fieldnotes
