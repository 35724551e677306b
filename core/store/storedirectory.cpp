#include "store/storedirectory.h"

#include "base/securebuffer.h"
#include "crypto/keyvault.h"
#include "platform/paths.h"
#include "store/store.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QUuid>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

QString settingsPath(const QString &dir)
{
    return QDir(dir).filePath(QString::fromLatin1(StoreDirectory::kSettingsFile));
}

QJsonObject readSettings(const QString &dir)
{
    QFile file(settingsPath(dir));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.read(64 * 1024)).object();
}

Result<void> writeSettings(const QString &dir, const QJsonObject &settings)
{
    QSaveFile file(settingsPath(dir));
    if (!file.open(QIODevice::WriteOnly))
        return makeError(ErrorCode::Io, u"Cannot write %1."_s.arg(file.fileName()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(settings).toJson());
    if (!file.commit())
        return makeError(ErrorCode::Io, u"Cannot write %1."_s.arg(file.fileName()));
    return {};
}

} // namespace

bool StoreDirectory::exists(const QString &dir)
{
    return KeyVault::exists(dir) || QFile::exists(Store::databaseFiles(dir).constFirst());
}

Result<SecureBuffer> StoreDirectory::initialize(const QString &dir, const SecureBuffer &passphrase,
                                                const KdfParams &params)
{
    if (exists(dir))
        return makeError(ErrorCode::AlreadyExists, u"A store already exists in %1."_s.arg(dir));
    if (auto r = Paths::ensurePrivateDirectory(dir); !r)
        return r.error();
    QJsonObject settings{{u"format"_s, 1},
                         {u"keystore_entry"_s, u"store-key-"_s + QUuid::createUuid().toString(QUuid::Id128)},
                         {u"remembered_in_keystore"_s, false}};
    if (auto r = writeSettings(dir, settings); !r)
        return r.error();
    auto key = KeyVault::create(dir, passphrase, params);
    if (!key) {
        QFile::remove(settingsPath(dir));
        return key.error();
    }
    auto store = Store::create(dir, *key);
    if (!store) {
        (void)wipe(dir);
        return store.error();
    }
    return std::move(key).value();
}

QString StoreDirectory::keystoreEntry(const QString &dir)
{
    return readSettings(dir).value(u"keystore_entry"_s).toString();
}

QString StoreDirectory::tokenKeystoreEntry(const QString &dir)
{
    QString entry = keystoreEntry(dir);
    if (entry.isEmpty())
        return {};
    // "store-key-<id>" -> "store-token-<id>": one id ties the two entries to the store.
    if (entry.startsWith(u"store-key-"_s))
        return u"store-token-"_s + entry.mid(10);
    return entry + u"-token"_s;
}

bool StoreDirectory::isRememberedInKeystore(const QString &dir)
{
    return readSettings(dir).value(u"remembered_in_keystore"_s).toBool();
}

Result<void> StoreDirectory::setRememberedInKeystore(const QString &dir, bool remembered)
{
    QJsonObject settings = readSettings(dir);
    if (settings.value(u"keystore_entry"_s).toString().isEmpty())
        return makeError(ErrorCode::Corrupt, u"%1 is missing or damaged."_s.arg(settingsPath(dir)));
    settings.insert(u"remembered_in_keystore"_s, remembered);
    return writeSettings(dir, settings);
}

QStringList StoreDirectory::files(const QString &dir)
{
    QStringList all = Store::databaseFiles(dir);
    all << KeyVault::vaultPath(dir) << QDir(dir).filePath(KeyVault::attemptsFileName()) << settingsPath(dir);
    return all;
}

Result<void> StoreDirectory::wipe(const QString &dir)
{
    QStringList failed;
    for (const QString &file : files(dir)) {
        if (QFile::exists(file) && !QFile::remove(file))
            failed << file;
    }
    if (!failed.isEmpty())
        return makeError(ErrorCode::Io, u"Could not delete: %1"_s.arg(failed.join(u", "_s)));
    QDir().rmdir(dir); // only if empty: never remove files we do not own
    return {};
}

} // namespace fieldnotes
