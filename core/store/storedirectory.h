#pragma once

#include "base/result.h"

#include <QString>

namespace fieldnotes {

class SecureBuffer;
struct KdfParams;

/**
 * The files of one store directory and what ties them together: the database (fieldnotes.db, -wal, -shm), the
 * key vault (vault.json, vault.attempts) and store.json, which holds no secret: only the name of the OS keystore
 * entry that may hold the data key ("remember on this device").
 */
class StoreDirectory final
{
public:
    static constexpr const char *kSettingsFile = "store.json";

    /// Whether `dir` holds a store (its vault or its database).
    [[nodiscard]] static bool exists(const QString &dir);

    /**
     * Makes `dir` private (0700), seals a new random data key under `passphrase` and creates the encrypted
     * database. On failure nothing is left behind. Returns the data key, ready for Store::open.
     */
    [[nodiscard]] static Result<SecureBuffer> initialize(const QString &dir, const SecureBuffer &passphrase,
                                                         const KdfParams &params);

    /// The OS keystore entry name for this store's data key, and whether the key was stored there.
    [[nodiscard]] static QString keystoreEntry(const QString &dir);
    [[nodiscard]] static bool isRememberedInKeystore(const QString &dir);
    /// The OS keystore entry name for this store's sync device token (empty when the store has no settings).
    [[nodiscard]] static QString tokenKeystoreEntry(const QString &dir);
    [[nodiscard]] static Result<void> setRememberedInKeystore(const QString &dir, bool remembered);

    /// Every file a store may have in `dir`; wipe() removes them (the keystore entry is the caller's).
    [[nodiscard]] static QStringList files(const QString &dir);
    [[nodiscard]] static Result<void> wipe(const QString &dir);
};

} // namespace fieldnotes
