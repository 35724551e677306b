// fieldnotes-cli's sync commands: login, logout, sync, conflicts (CLI.md), on the same SyncEngine as the app.

#include "sync/cli/cli.h"

#include "base/securebuffer.h"
#include "platform/keystore.h"
#include "store/store.h"
#include "store/storedirectory.h"
#include "sync/cli/arguments.h"
#include "sync/cli/passphrase.h"
#include "sync/client/syncengine.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QSysInfo>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::cli {

namespace {

constexpr int kDefaultTimeoutS = 30;
constexpr int kDefaultRetries = 4;

QJsonValue orNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

// The engine as the command line runs it: no timers of its own, a bounded number of retries.
sync::SyncOptions cliOptions(int timeoutS, int retries)
{
    sync::SyncOptions options;
    options.automatic = false;
    options.maxAttempts = retries + 1;
    options.initialBackoffMs = 500;
    options.maxBackoffMs = 10000;
    options.api.timeoutMs = timeoutS * 1000;
    return options;
}

} // namespace

QJsonObject Cli::syncStatus(Store &store)
{
    const auto value = [&store](const QString &key) { return store.syncValue(key).value_or(QString()); };
    const bool signedIn = value(u"signed_in"_s) == u"1"_s;
    return {{u"signed_in"_s, signedIn},
            {u"server"_s, orNull(value(u"server_url"_s))},
            {u"email"_s, orNull(value(u"email"_s))},
            {u"role"_s, orNull(value(u"role"_s))},
            {u"last_sync"_s, orNull(value(u"last_sync"_s))},
            {u"conflicts"_s, store.conflictCount().value_or(0)}};
}

void Cli::wipeAfterRevoke(std::unique_ptr<Store> store)
{
    store.reset(); // closed before its files go
    if (auto r = wipeStoreAndKeys(); !r) {
        say(u"fieldnotes-cli: this device was revoked, but its store could not be deleted: %1"_s.arg(r.error().message));
        return;
    }
    say(u"fieldnotes-cli: an administrator revoked this device; its store in %1 and its keys were deleted."_s.arg(
        m_dataDir));
}

int Cli::login(const Arguments &args)
{
    if (!args.positional.isEmpty() || !args.has(u"server"_s) || !args.has(u"email"_s))
        return usage(u"login needs --server URL and --email E."_s);
    auto url = sync::ApiClient::checkServerUrl(args.value(u"server"_s));
    if (!url)
        return fail(url.error());

    SecureBuffer password;
    if (args.has(u"password"_s)) {
        QByteArray given = args.value(u"password"_s).toUtf8();
        password = SecureBuffer::fromByteArray(std::move(given));
    } else if (auto env = Passphrase::fromEnvironment("FIELDNOTES_PASSWORD")) {
        password = std::move(*env);
    } else if (Passphrase::canPrompt()) {
        auto prompted = Passphrase::prompt(u"Password for %1: "_s.arg(args.value(u"email"_s).left(100)));
        if (!prompted)
            return fail(prompted.error());
        password = std::move(*prompted);
    } else {
        return fail(makeError(ErrorCode::InvalidInput,
                              u"No password: pass --password, set FIELDNOTES_PASSWORD, or run on a terminal."_s));
    }

    auto store = openStore();
    if (!store)
        return fail(store.error());
    const QString tokenEntry = StoreDirectory::tokenKeystoreEntry(m_dataDir);
    if (tokenEntry.isEmpty())
        return fail(makeError(ErrorCode::Corrupt, u"The store's settings file (store.json) is missing."_s));

    sync::SyncEngine engine(**store, keyStore(), tokenEntry, cliOptions(kDefaultTimeoutS, 0));
    engine.start();
    if (args.has(u"pin"_s)) {
        const QStringList pins = args.value(u"pin"_s).split(u',', Qt::SkipEmptyParts);
        for (const QString &pin : pins) {
            if (QByteArray::fromBase64(pin.trimmed().toLatin1()).size() != 32)
                return usage(u"--pin takes base64 SHA-256 hashes (44 characters), separated by commas."_s);
        }
        engine.setPinnedKeys(pins);
    }
    const QString deviceName =
        args.value(u"device-name"_s, QSysInfo::machineHostName() + u" (fieldnotes-cli)"_s).left(200);
    QEventLoop loop;
    std::optional<Result<void>> outcome;
    QByteArray passwordBytes = password.copyToByteArrayForKeystore();
    engine.signIn(url->toString(), args.value(u"email"_s), passwordBytes, deviceName, [&](Result<void> r) {
        outcome = std::move(r);
        loop.quit();
    });
    scrubByteArray(passwordBytes);
    if (!outcome)
        loop.exec();
    if (!*outcome)
        return fail(outcome->error());
    printJson({{u"signed_in"_s, true},
               {u"server"_s, engine.serverUrl()},
               {u"email"_s, engine.userEmail()},
               {u"role"_s, engine.role()},
               {u"device_id"_s, (*store)->syncValue(u"device_id"_s).value_or(QString())}});
    return Success;
}

int Cli::logout(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"logout takes no arguments."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    sync::SyncEngine engine(**store, keyStore(), StoreDirectory::tokenKeystoreEntry(m_dataDir),
                            cliOptions(kDefaultTimeoutS, 0));
    engine.start();
    if (!engine.isSignedIn())
        return fail(makeError(ErrorCode::InvalidInput, u"This store is not signed in."_s));
    QEventLoop loop;
    std::optional<Result<void>> outcome;
    engine.signOut([&](Result<void> r) {
        outcome = std::move(r);
        loop.quit();
    });
    if (!outcome)
        loop.exec();
    if (!engine.message().isEmpty())
        say(u"fieldnotes-cli: "_s + engine.message());
    if (!*outcome)
        return fail(outcome->error());
    printJson({{u"signed_in"_s, false}, {u"pending"_s, engine.pendingCount()}});
    return Success;
}

int Cli::sync(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"sync takes no arguments."_s);
    bool ok = true;
    const int timeoutS = args.has(u"timeout"_s) ? args.value(u"timeout"_s).toInt(&ok) : kDefaultTimeoutS;
    if (!ok || timeoutS < 1 || timeoutS > 3600)
        return usage(u"--timeout takes seconds, 1 to 3600."_s);
    const int retries = args.has(u"retries"_s) ? args.value(u"retries"_s).toInt(&ok) : kDefaultRetries;
    if (!ok || retries < 0 || retries > 100)
        return usage(u"--retries takes a number from 0 to 100."_s);

    auto store = openStore();
    if (!store)
        return fail(store.error());
    sync::SyncEngine engine(**store, keyStore(), StoreDirectory::tokenKeystoreEntry(m_dataDir),
                            cliOptions(timeoutS, retries));
    engine.setAllowMassDelete(args.setFlags.contains(u"allow-mass-delete"_s));
    engine.start();
    if (!engine.isSignedIn())
        return fail(makeError(ErrorCode::InvalidInput, u"This store is not signed in; run \"fieldnotes-cli login\"."_s));

    QEventLoop loop;
    bool ended = false;
    bool succeeded = false;
    bool revoked = false;
    QObject::connect(&engine, &sync::SyncEngine::deviceRevoked, &loop, [&] { revoked = true; });
    QObject::connect(&engine, &sync::SyncEngine::finished, &loop, [&](bool done) {
        if (!done && engine.isRetryPending()) {
            say(u"fieldnotes-cli: "_s + engine.message());
            return; // the engine tries again by itself
        }
        ended = true;
        succeeded = done;
        loop.quit();
    });
    engine.syncNow();
    if (!ended)
        loop.exec();

    if (revoked) {
        wipeAfterRevoke(std::move(*store));
        return UserError;
    }
    // Large pages were written without their search text (decision 0027): the command ends with the index complete,
    // so that a search right after it finds every record.
    for (;;) {
        auto indexed = (*store)->indexSearchBacklog(1000);
        if (!indexed) {
            say(u"fieldnotes-cli: the search index could not be brought up to date: "_s + indexed.error().message);
            break;
        }
        if (*indexed == 0)
            break;
    }
    if (!succeeded) {
        if (engine.status() == sync::SyncEngine::Status::NeedsConfirmation) {
            say(u"fieldnotes-cli: "_s + engine.message()
                + u" Run \"fieldnotes-cli sync --allow-mass-delete\" if that is what you want."_s);
        } else {
            say(u"fieldnotes-cli: the sync did not finish: "_s + engine.message()
                + u" Pending changes are kept; run sync again."_s);
        }
        return UserError;
    }
    const sync::SyncReport report = engine.lastReport();
    printJson({{u"pushed"_s, report.pushed},
               {u"pulled"_s, report.pulled},
               {u"conflicts"_s, report.conflicts},
               {u"pending"_s, report.pending},
               {u"cursor"_s, report.cursor}});
    return Success;
}

int Cli::conflicts(const Arguments &args)
{
    if (!args.positional.isEmpty() || (args.has(u"restore"_s) && args.has(u"dismiss"_s)))
        return usage(u"conflicts takes either --restore ID or --dismiss ID, or nothing."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    if (args.has(u"restore"_s) || args.has(u"dismiss"_s)) {
        const bool restore = args.has(u"restore"_s);
        bool ok = false;
        const qint64 id = args.value(restore ? u"restore"_s : u"dismiss"_s).toLongLong(&ok);
        if (!ok || id <= 0)
            return usage(u"A conflict id is a positive number (the \"id\" of a line of \"conflicts\")."_s);
        if (restore) {
            auto written = (*store)->restoreConflict(id);
            if (!written)
                return fail(written.error());
            printJson({{u"restored"_s, id}, {u"record_id"_s, *written}});
        } else {
            if (auto r = (*store)->dismissConflict(id); !r)
                return fail(r.error());
            printJson({{u"dismissed"_s, id}});
        }
        return Success;
    }
    auto entries = (*store)->conflicts();
    if (!entries)
        return fail(entries.error());
    for (const ConflictEntry &entry : std::as_const(*entries)) {
        QJsonObject line{{u"id"_s, entry.id},
                         {u"entity"_s, entityName(entry.entity)},
                         {u"record_id"_s, entry.recordId},
                         {u"field"_s, orNull(entry.field)},
                         {u"value"_s, entry.value},
                         {u"hlc"_s, entry.hlc},
                         {u"device_id"_s, entry.deviceId},
                         {u"origin"_s, conflictOriginName(entry.origin)},
                         {u"record_deleted"_s, entry.recordDeleted}};
        if (!entry.reason.isEmpty())
            line.insert(u"reason"_s, entry.reason);
        printJson(line);
    }
    return Success;
}

} // namespace fieldnotes::cli
