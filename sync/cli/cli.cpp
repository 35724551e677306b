#include "sync/cli/cli.h"

#include "crypto/keyvault.h"
#include "io/accountimport.h"
#include "io/exporter.h"
#include "platform/keystore.h"
#include "platform/keystoreblocking.h"
#include "platform/paths.h"
#include "store/store.h"
#include "store/storedirectory.h"
#include "sync/cli/arguments.h"
#include "sync/cli/passphrase.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstring>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::cli {

namespace {

constexpr int kKeystoreTimeoutMs = 10000;
constexpr int kMinPassphraseLength = 8;

const char kUsage[] = R"(Usage: fieldnotes-cli [--data-dir DIR] [--passphrase-file FILE] COMMAND ...

Commands:
  init [--remember]                 create a new encrypted store (--remember: keep its key in the OS keystore)
  status                            sign-in, last sync, counts of records and pending changes
  put ENTITY [--id UUID] --json '{...}'
                                    create or update a record; prints {"id"}
  delete ENTITY ID                  delete a record
  get ENTITY ID                     one record as JSON
  list ENTITY [--account ID] [--limit N]
                                    records, one JSON object a line
  search TEXT [--limit N]           full-text search, one hit a line
  export --format json|csv|markdown [--entity E] [--out FILE]
  import-accounts FILE.csv          import accounts and contacts from a CRM export
  change-passphrase                 re-seal the store key (new passphrase from FIELDNOTES_NEW_PASSPHRASE or a prompt)
  verify                            check the store's integrity
  wipe                              delete the store and its keys
  login --server URL --email E [--password P] [--device-name N] [--pin SHA256,...]
                                    sign this store in to a server (password from FIELDNOTES_PASSWORD or a prompt;
                                    --pin: base64 SHA-256 of the server's public key, the only ones accepted)
  logout                            sign out; pending changes stay
  sync [--allow-mass-delete] [--timeout S] [--retries N]
                                    push pending changes, then pull until up to date
  conflicts [--restore ID | --dismiss ID]
                                    values that lost a merge, one a line; restore one, or keep the current value

Entities: account, contact, conversation, insight, tag, lead, guide.
The passphrase comes from FIELDNOTES_PASSPHRASE, --passphrase-file, the OS keystore, or a prompt.
Exit codes: 0 success, 1 an error you can fix (the message says how), 2 bad usage.
)";

struct CommandSpec
{
    QString name;
    QSet<QString> valueOptions;
    QSet<QString> flags;
};

std::optional<Entity> parseEntity(const QString &name)
{
    return entityFromName(name);
}

bool parseLimit(const Arguments &args, int *limit)
{
    if (!args.has(u"limit"_s))
        return true;
    bool ok = false;
    *limit = args.value(u"limit"_s).toInt(&ok);
    return ok && *limit > 0;
}

} // namespace

Cli::Cli(std::FILE *out, std::FILE *err) : m_out(out), m_err(err) { }

Cli::~Cli() = default;

int Cli::run(const QStringList &words)
{
    // Global options come before the command.
    QStringList rest = words;
    while (!rest.isEmpty() && rest.constFirst().startsWith(u"--"_s)) {
        const QString option = rest.takeFirst();
        if (option == u"--help"_s || option == u"-h"_s) {
            std::fputs(kUsage, m_out);
            return Success;
        }
        QString name = option;
        QString value;
        if (const qsizetype eq = option.indexOf(u'='); eq >= 0) {
            name = option.left(eq);
            value = option.mid(eq + 1);
        } else if (!rest.isEmpty()) {
            value = rest.takeFirst();
        } else {
            return usage(u"%1 needs a value."_s.arg(option.left(40)));
        }
        if (name == u"--data-dir"_s)
            m_dataDir = value;
        else if (name == u"--passphrase-file"_s)
            m_passphraseFile = value;
        else
            return usage(u"Unknown option %1."_s.arg(name.left(40)));
    }
    if (rest.isEmpty())
        return usage(u"No command given."_s);
    if (m_dataDir.isEmpty())
        m_dataDir = Paths::localStoreDirectory();
    m_dataDir = QDir::cleanPath(QDir(m_dataDir).absolutePath());

    const QString command = rest.takeFirst();
    static const QList<std::pair<CommandSpec, Command>> commands{
        {{u"init"_s, {}, {u"remember"_s}}, &Cli::init},
        {{u"status"_s, {}, {}}, &Cli::status},
        {{u"put"_s, {u"id"_s, u"json"_s}, {}}, &Cli::put},
        {{u"delete"_s, {}, {}}, &Cli::remove},
        {{u"get"_s, {}, {}}, &Cli::get},
        {{u"list"_s, {u"account"_s, u"limit"_s}, {}}, &Cli::list},
        {{u"search"_s, {u"limit"_s}, {}}, &Cli::search},
        {{u"export"_s, {u"format"_s, u"entity"_s, u"out"_s}, {}}, &Cli::exportRecords},
        {{u"import-accounts"_s, {}, {}}, &Cli::importAccounts},
        {{u"change-passphrase"_s, {}, {}}, &Cli::changePassphrase},
        {{u"verify"_s, {}, {}}, &Cli::verify},
        {{u"wipe"_s, {}, {u"yes"_s}}, &Cli::wipe},
        {{u"login"_s, {u"server"_s, u"email"_s, u"password"_s, u"device-name"_s, u"pin"_s}, {}}, &Cli::login},
        {{u"logout"_s, {}, {}}, &Cli::logout},
        {{u"sync"_s, {u"timeout"_s, u"retries"_s}, {u"allow-mass-delete"_s}}, &Cli::sync},
        {{u"conflicts"_s, {u"restore"_s, u"dismiss"_s}, {}}, &Cli::conflicts},
    };
    for (const auto &[spec, handler] : commands) {
        if (spec.name != command)
            continue;
        QString error;
        const auto args = Arguments::parse(rest, spec.valueOptions, spec.flags, &error);
        if (!args)
            return usage(error);
        return (this->*handler)(*args);
    }
    return usage(u"Unknown command \"%1\"."_s.arg(command.left(40)));
}

// --- plumbing -------------------------------------------------------------------------------------------------

void Cli::printJson(const QJsonObject &object)
{
    const QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), m_out);
    std::fflush(m_out);
}

void Cli::say(const QString &message)
{
    std::fprintf(m_err, "%s\n", message.toLocal8Bit().constData());
    std::fflush(m_err);
}

int Cli::fail(const Error &error)
{
    say(u"fieldnotes-cli: "_s + error.message);
    return UserError;
}

int Cli::usage(const QString &message)
{
    say(u"fieldnotes-cli: "_s + message + u"\nRun \"fieldnotes-cli --help\" for the commands."_s);
    return UsageError;
}

KeyStore &Cli::keyStore()
{
    if (!m_keyStore)
        m_keyStore = createPlatformKeyStore();
    return *m_keyStore;
}

Result<SecureBuffer> Cli::passphraseForUnlock()
{
    if (auto env = Passphrase::fromEnvironment("FIELDNOTES_PASSPHRASE"))
        return std::move(*env);
    if (!m_passphraseFile.isEmpty())
        return Passphrase::fromFile(m_passphraseFile);
    if (Passphrase::canPrompt())
        return Passphrase::prompt(u"Passphrase for %1: "_s.arg(m_dataDir));
    return makeError(ErrorCode::InvalidInput,
                     u"No passphrase: set FIELDNOTES_PASSPHRASE, pass --passphrase-file FILE, or run on a terminal."_s);
}

Result<SecureBuffer> Cli::newPassphrase(const char *envName, const QString &question)
{
    Result<SecureBuffer> chosen = makeError(ErrorCode::InvalidInput, QString());
    if (auto env = Passphrase::fromEnvironment(envName)) {
        chosen = std::move(*env);
    } else if (std::strcmp(envName, "FIELDNOTES_PASSPHRASE") == 0 && !m_passphraseFile.isEmpty()) {
        chosen = Passphrase::fromFile(m_passphraseFile);
    } else if (Passphrase::canPrompt()) {
        chosen = Passphrase::prompt(question);
        if (chosen) {
            auto again = Passphrase::prompt(u"Repeat it: "_s);
            if (!again)
                return again.error();
            if (!again->equals(*chosen))
                return makeError(ErrorCode::InvalidInput, u"The two passphrases differ; nothing was changed."_s);
        }
    } else {
        return makeError(ErrorCode::InvalidInput,
                         u"No new passphrase: set %1 or run on a terminal."_s.arg(QString::fromLatin1(envName)));
    }
    if (!chosen)
        return chosen.error();
    // Count characters, not bytes: a passphrase is UTF-8.
    size_t characters = 0;
    for (size_t i = 0; i < chosen->size(); ++i)
        characters += (chosen->data()[i] & 0xC0) != 0x80 ? 1 : 0;
    if (characters < kMinPassphraseLength) {
        return makeError(ErrorCode::InvalidInput, u"The passphrase must have at least %1 characters; a few unrelated "
                                                  u"words make a strong one."_s.arg(kMinPassphraseLength));
    }
    return chosen;
}

Result<void> Cli::wipeStoreAndKeys()
{
    const bool remembered = StoreDirectory::isRememberedInKeystore(m_dataDir);
    const QString keyEntry = StoreDirectory::keystoreEntry(m_dataDir);
    const QString tokenEntry = StoreDirectory::tokenKeystoreEntry(m_dataDir);
    if (auto r = StoreDirectory::wipe(m_dataDir); !r)
        return r.error();
    QStringList entries;
    if (remembered)
        entries << keyEntry;
    if (!tokenEntry.isEmpty())
        entries << tokenEntry;
    for (const QString &entry : std::as_const(entries)) {
        // Removing an absent entry is success; a keystore that is not there cannot hold one of ours either.
        auto r = removeSecretBlocking(keyStore(), entry, kKeystoreTimeoutMs);
        if (!r && r.error().code != ErrorCode::Unavailable) {
            say(u"fieldnotes-cli: the store is deleted, but a key could not be removed from the OS keystore (%1)."_s
                    .arg(r.error().message));
        }
    }
    return {};
}

Result<std::unique_ptr<Store>> Cli::openStore()
{
    if (!StoreDirectory::exists(m_dataDir)) {
        return makeError(ErrorCode::NotFound,
                         u"There is no store in %1. Create one with \"fieldnotes-cli init\"."_s.arg(m_dataDir));
    }
    auto vault = KeyVault::load(m_dataDir);
    if (!vault)
        return vault.error();

    std::optional<SecureBuffer> key;
    const bool haveExplicitPassphrase =
        qEnvironmentVariableIsSet("FIELDNOTES_PASSPHRASE") || !m_passphraseFile.isEmpty();
    if (!haveExplicitPassphrase && StoreDirectory::isRememberedInKeystore(m_dataDir)) {
        auto remembered = readSecretBlocking(keyStore(), StoreDirectory::keystoreEntry(m_dataDir), kKeystoreTimeoutMs);
        if (remembered && vault->verifyDataKey(*remembered))
            key = std::move(*remembered);
        else if (remembered)
            say(u"fieldnotes-cli: the key in the OS keystore does not fit this store; using the passphrase."_s);
        else
            say(u"fieldnotes-cli: the OS keystore is not available (%1); using the passphrase."_s.arg(
                remembered.error().message));
    }
    if (!key) {
        if (const auto wait = vault->retryDelay(); wait.count() > 0) {
            return makeError(ErrorCode::Throttled, u"Too many wrong passphrases. Try again in %1 s."_s.arg(
                                                       (wait.count() + 999) / 1000));
        }
        auto passphrase = passphraseForUnlock();
        if (!passphrase)
            return passphrase.error();
        auto unlocked = vault->unlock(*passphrase);
        if (!unlocked)
            return unlocked.error();
        key = std::move(*unlocked);
    }
    // An upgrade can take a while, and an older version cannot open the store afterwards: say so first.
    if (auto upgrade = Store::needsUpgrade(m_dataDir, *key); upgrade && *upgrade)
        say(u"fieldnotes-cli: upgrading the store to this version's format; older versions cannot open it afterwards."_s);
    return Store::open(m_dataDir, *key);
}

// --- commands -------------------------------------------------------------------------------------------------

int Cli::init(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"init takes no arguments."_s);
    if (StoreDirectory::exists(m_dataDir))
        return fail(makeError(ErrorCode::AlreadyExists, u"A store already exists in %1; nothing was changed."_s.arg(
                                                            m_dataDir)));
    auto passphrase = newPassphrase("FIELDNOTES_PASSPHRASE", u"New passphrase for %1: "_s.arg(m_dataDir));
    if (!passphrase)
        return fail(passphrase.error());
    auto key = StoreDirectory::initialize(m_dataDir, *passphrase, KdfParams::fromEnvironment());
    if (!key)
        return fail(key.error());
    bool remembered = false;
    if (args.setFlags.contains(u"remember"_s)) {
        auto written = writeSecretBlocking(keyStore(), StoreDirectory::keystoreEntry(m_dataDir), *key,
                                           kKeystoreTimeoutMs);
        if (written) {
            remembered = StoreDirectory::setRememberedInKeystore(m_dataDir, true).ok();
        } else {
            say(u"fieldnotes-cli: could not keep the key in the OS keystore (%1); the passphrase still unlocks "
                u"the store."_s.arg(written.error().message));
        }
    }
    say(u"Created an encrypted store in %1."_s.arg(m_dataDir));
    printJson({{u"data_dir"_s, m_dataDir}, {u"remembered"_s, remembered}});
    return Success;
}

int Cli::status(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"status takes no arguments."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto counts = (*store)->counts();
    if (!counts)
        return fail(counts.error());
    auto pending = (*store)->pendingCount();
    if (!pending)
        return fail(pending.error());
    QJsonObject records;
    for (auto it = counts->begin(); it != counts->end(); ++it)
        records.insert(entityName(it.key()), it.value());
    QJsonObject answer = syncStatus(**store);
    answer.insert(u"pending"_s, *pending);
    answer.insert(u"records"_s, records);
    answer.insert(u"data_dir"_s, m_dataDir);
    printJson(answer);
    return Success;
}

int Cli::put(const Arguments &args)
{
    if (args.positional.size() != 1 || !args.has(u"json"_s))
        return usage(u"put needs ENTITY and --json '{...}'."_s);
    const auto entity = parseEntity(args.positional.constFirst());
    if (!entity)
        return usage(u"Unknown entity; use one of: %1."_s.arg(entityNames().join(u", "_s)));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(args.value(u"json"_s).toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        return fail(makeError(ErrorCode::InvalidInput, u"--json is not a JSON object (%1 at offset %2)."_s.arg(
                                                           parseError.errorString())
                                                           .arg(parseError.offset)));
    }
    QJsonObject fields = doc.object();
    QString id = args.value(u"id"_s);
    if (fields.contains(u"id"_s)) {
        const QString inner = fields.take(u"id"_s).toString();
        if (!id.isEmpty() && inner.compare(id, Qt::CaseInsensitive) != 0)
            return fail(makeError(ErrorCode::InvalidInput, u"--id and the \"id\" in --json differ."_s));
        id = inner;
    }
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto stored = (*store)->put(*entity, id, fields);
    if (!stored)
        return fail(stored.error());
    printJson({{u"id"_s, *stored}});
    return Success;
}

int Cli::remove(const Arguments &args)
{
    if (args.positional.size() != 2)
        return usage(u"delete needs ENTITY and ID."_s);
    const auto entity = parseEntity(args.positional.at(0));
    if (!entity)
        return usage(u"Unknown entity; use one of: %1."_s.arg(entityNames().join(u", "_s)));
    auto store = openStore();
    if (!store)
        return fail(store.error());
    if (auto r = (*store)->remove(*entity, args.positional.at(1)); !r)
        return fail(r.error());
    printJson({{u"id"_s, args.positional.at(1).toLower()}, {u"deleted"_s, true}});
    return Success;
}

int Cli::get(const Arguments &args)
{
    if (args.positional.size() != 2)
        return usage(u"get needs ENTITY and ID."_s);
    const auto entity = parseEntity(args.positional.at(0));
    if (!entity)
        return usage(u"Unknown entity; use one of: %1."_s.arg(entityNames().join(u", "_s)));
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto record = (*store)->get(*entity, args.positional.at(1));
    if (!record)
        return fail(record.error());
    printJson(record->toJson());
    return Success;
}

int Cli::list(const Arguments &args)
{
    if (args.positional.size() != 1)
        return usage(u"list needs ENTITY."_s);
    const auto entity = parseEntity(args.positional.at(0));
    if (!entity)
        return usage(u"Unknown entity; use one of: %1."_s.arg(entityNames().join(u", "_s)));
    ListQuery query;
    if (!parseLimit(args, &query.limit))
        return usage(u"--limit needs a positive whole number."_s);
    query.accountId = args.value(u"account"_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto records = (*store)->list(*entity, query);
    if (!records)
        return fail(records.error());
    for (const Record &record : *records)
        printJson(record.toJson());
    return Success;
}

int Cli::search(const Arguments &args)
{
    if (args.positional.isEmpty())
        return usage(u"search needs TEXT."_s);
    int limit = 20;
    if (!parseLimit(args, &limit))
        return usage(u"--limit needs a positive whole number."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto hits = (*store)->search(args.positional.join(u' '), limit);
    if (!hits)
        return fail(hits.error());
    for (const SearchHit &hit : *hits) {
        QJsonArray highlights;
        for (const auto &[start, length] : hit.highlights)
            highlights.append(QJsonArray{start, length});
        printJson({{u"entity"_s, entityName(hit.entity)},
                   {u"id"_s, hit.id},
                   {u"snippet"_s, hit.snippet},
                   {u"highlights"_s, highlights}});
    }
    return Success;
}

int Cli::exportRecords(const Arguments &args)
{
    if (!args.positional.isEmpty() || !args.has(u"format"_s))
        return usage(u"export needs --format json|csv|markdown."_s);
    const QString format = args.value(u"format"_s);
    std::optional<Entity> entity;
    if (args.has(u"entity"_s)) {
        entity = parseEntity(args.value(u"entity"_s));
        if (!entity)
            return usage(u"Unknown entity; use one of: %1."_s.arg(entityNames().join(u", "_s)));
    }
    if (format != u"json"_s && format != u"csv"_s && format != u"markdown"_s)
        return usage(u"--format must be json, csv or markdown."_s);
    if (format == u"csv"_s && !entity)
        return usage(u"CSV holds one kind of record: add --entity (e.g. --entity insight)."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    Result<QByteArray> data = format == u"json"_s ? Exporter::exportJson(**store, entity)
                              : format == u"csv"_s ? Exporter::exportCsv(**store, *entity)
                                                   : Exporter::exportMarkdown(**store, entity);
    if (!data)
        return fail(data.error());
    if (!args.has(u"out"_s)) {
        std::fwrite(data->constData(), 1, size_t(data->size()), m_out);
        std::fflush(m_out);
        return Success;
    }
    QSaveFile file(args.value(u"out"_s));
    if (!file.open(QIODevice::WriteOnly))
        return fail(makeError(ErrorCode::Io, u"Cannot write %1."_s.arg(file.fileName())));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(*data);
    if (!file.commit())
        return fail(makeError(ErrorCode::Io, u"Cannot write %1 (is the disk full?)."_s.arg(file.fileName())));
    say(u"Exported to %1. This file is not encrypted: keep it somewhere safe."_s.arg(file.fileName()));
    return Success;
}

int Cli::importAccounts(const Arguments &args)
{
    if (args.positional.size() != 1)
        return usage(u"import-accounts needs FILE.csv."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto report = AccountImport::importFile(**store, args.positional.constFirst());
    if (!report)
        return fail(report.error());
    for (const auto &skipped : report->skipped)
        say(u"skipped line %1: %2"_s.arg(skipped.line).arg(skipped.reason));
    printJson(report->toJson());
    return Success;
}

int Cli::changePassphrase(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"change-passphrase takes no arguments."_s);
    if (!StoreDirectory::exists(m_dataDir))
        return fail(makeError(ErrorCode::NotFound, u"There is no store in %1."_s.arg(m_dataDir)));
    auto vault = KeyVault::load(m_dataDir);
    if (!vault)
        return fail(vault.error());
    if (const auto wait = vault->retryDelay(); wait.count() > 0)
        return fail(makeError(ErrorCode::Throttled,
                              u"Too many wrong passphrases. Try again in %1 s."_s.arg((wait.count() + 999) / 1000)));
    auto current = passphraseForUnlock();
    if (!current)
        return fail(current.error());
    auto next = newPassphrase("FIELDNOTES_NEW_PASSPHRASE", u"New passphrase: "_s);
    if (!next)
        return fail(next.error());
    if (auto r = vault->changePassphrase(*current, *next, KdfParams::fromEnvironment()); !r)
        return fail(r.error());
    say(u"The passphrase was changed."_s);
    printJson({{u"changed"_s, true}});
    return Success;
}

int Cli::verify(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"verify takes no arguments."_s);
    auto store = openStore();
    if (!store)
        return fail(store.error());
    auto problems = (*store)->verify();
    if (!problems)
        return fail(problems.error());
    if (!problems->isEmpty()) {
        printJson({{u"ok"_s, false}, {u"problems"_s, QJsonArray::fromStringList(*problems)}});
        return fail(makeError(ErrorCode::Corrupt, u"The store is damaged (%1 problems found). Restore it from a "
                                                  u"sync or a backup."_s.arg(problems->size())));
    }
    printJson({{u"ok"_s, true}});
    return Success;
}

int Cli::wipe(const Arguments &args)
{
    if (!args.positional.isEmpty())
        return usage(u"wipe takes no arguments."_s);
    if (!StoreDirectory::exists(m_dataDir))
        return fail(makeError(ErrorCode::NotFound, u"There is no store in %1."_s.arg(m_dataDir)));
    if (Passphrase::canPrompt() && !args.setFlags.contains(u"yes"_s)) {
        std::fprintf(m_err, "Delete the store in %s and its keys? Type \"wipe\" to confirm: ",
                     m_dataDir.toLocal8Bit().constData());
        std::fflush(m_err);
        char answer[16] = {};
        if (!std::fgets(answer, sizeof answer, stdin) || QByteArray(answer).trimmed() != "wipe")
            return fail(makeError(ErrorCode::InvalidInput, u"Not confirmed; nothing was deleted."_s));
    }
    if (auto r = wipeStoreAndKeys(); !r)
        return fail(r.error());
    say(u"Deleted the store in %1."_s.arg(m_dataDir));
    printJson({{u"wiped"_s, true}});
    return Success;
}

} // namespace fieldnotes::cli
