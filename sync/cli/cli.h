#pragma once

#include "base/result.h"
#include "base/securebuffer.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <cstdio>
#include <memory>

namespace fieldnotes {
class Store;
class KeyStore;
} // namespace fieldnotes

namespace fieldnotes::cli {

class Arguments;

/** fieldnotes-cli: parses a command line, runs one command on the store, and answers with CLI.md's exit codes. */
class Cli final
{
public:
    enum ExitCode { Success = 0, UserError = 1, UsageError = 2 };

    Cli(std::FILE *out, std::FILE *err);
    ~Cli();
    Cli(const Cli &) = delete;
    Cli &operator=(const Cli &) = delete;

    /// `words` without the program name.
    int run(const QStringList &words);

private:
    using Command = int (Cli::*)(const Arguments &);

    int init(const Arguments &args);
    int status(const Arguments &args);
    int put(const Arguments &args);
    int remove(const Arguments &args);
    int get(const Arguments &args);
    int list(const Arguments &args);
    int search(const Arguments &args);
    int exportRecords(const Arguments &args);
    int importAccounts(const Arguments &args);
    int changePassphrase(const Arguments &args);
    int verify(const Arguments &args);
    int wipe(const Arguments &args);
    // Sync (clisync.cpp)
    int login(const Arguments &args);
    int logout(const Arguments &args);
    int sync(const Arguments &args);
    int conflicts(const Arguments &args);
    /// The store's sync fields for `status`: signed_in, server, email, role, last_sync, conflicts.
    QJsonObject syncStatus(Store &store);
    /// After the server revoked this device: deletes the store and its keystore entries.
    void wipeAfterRevoke(std::unique_ptr<Store> store);

    Result<std::unique_ptr<Store>> openStore();
    /// Deletes the store's files and its keystore entries (data key, device token).
    Result<void> wipeStoreAndKeys();
    Result<SecureBuffer> passphraseForUnlock();
    Result<SecureBuffer> newPassphrase(const char *envName, const QString &question);
    KeyStore &keyStore();

    void printJson(const QJsonObject &object);
    int fail(const Error &error);
    int usage(const QString &message);
    void say(const QString &message);

    std::FILE *m_out;
    std::FILE *m_err;
    QString m_dataDir;
    QString m_passphraseFile;
    std::unique_ptr<KeyStore> m_keyStore;
};

} // namespace fieldnotes::cli
