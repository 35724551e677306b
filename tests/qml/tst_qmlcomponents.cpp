// Qt Quick Tests of the app's pages and components, on a real (temporary, fast-KDF) store.

#include "appsettings.h"
#include "appsetup.h"
#include "session.h"

#include "base/securebuffer.h"
#include "crypto/keyvault.h"
#include "platform/memorykeystore.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QDir>
#include <QFile>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QUrl>
#include <QtQml/QQmlExtensionPlugin>
#include <QtQuickTest/quicktest.h>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** Files for the export tests (QML reads no files): a folder of its own, what is in it, a file's text. */
class TestFiles : public QObject
{
    Q_OBJECT

public:
    /// A new, empty folder in a temporary directory of its own.
    Q_INVOKABLE QUrl newFolder(const QString &name) const
    {
        QDir(m_dir.path()).mkpath(name);
        return QUrl::fromLocalFile(QDir(m_dir.path()).filePath(name));
    }
    /// A folder no file can be written to: read-only (mode 0555), or, where that does not stop this process (root),
    /// /proc, where nobody can create a file.
    Q_INVOKABLE QUrl unwritableFolder() const
    {
        const QString path = QDir(m_dir.path()).filePath(u"read-only"_s);
        QDir().mkpath(path);
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup
                                        | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther);
        QFile probe(QDir(path).filePath(u"probe"_s));
        if (!probe.open(QIODevice::WriteOnly))
            return QUrl::fromLocalFile(path);
        probe.remove();
        return QUrl::fromLocalFile(u"/proc"_s);
    }
    /// The names in a folder (hidden ones too: a half-written temporary file would be one).
    Q_INVOKABLE QStringList entries(const QUrl &folder) const
    {
        return QDir(folder.toLocalFile()).entryList(QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    }
    Q_INVOKABLE bool exists(const QUrl &file) const { return QFile::exists(file.toLocalFile()); }
    Q_INVOKABLE QString readText(const QUrl &file) const
    {
        QFile f(file.toLocalFile());
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    /// Whether only the owner may read the file.
    Q_INVOKABLE bool isPrivate(const QUrl &file) const
    {
        return (QFile::permissions(file.toLocalFile())
                & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther))
            == QFileDevice::Permissions();
    }

private:
    QTemporaryDir m_dir;
};

/** Gives the QML tests an unlocked store as AppSession, and Preferences. */
class Setup : public QObject
{
    Q_OBJECT

public:
    Setup() { app::AppSetup::useMaterialStyle(); }

public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // As main() does: the plural forms of the "%n …" texts.
        if (!app::AppSetup::installTranslations())
            qFatal("cannot load the app's translations");
        app::AppSetup::configureEngine(*engine);
        const QString storeDir = m_dir.filePath(u"store"_s);
        auto key = StoreDirectory::initialize(storeDir, SecureBuffer::fromByteArray(QByteArray("qml test passphrase")),
                                              KdfParams::fastForTests());
        if (!key)
            qFatal("cannot create the test store");
        m_settings = std::make_unique<app::AppSettings>(m_dir.filePath(u"settings.ini"_s));
        m_session = std::make_unique<app::Session>(storeDir, &m_keyStore);
        auto store = Store::open(storeDir, *key);
        if (!store)
            qFatal("cannot open the test store");
        m_session->adoptStore(std::move(*store));
        app::AppSetup::registerSingletons(m_session.get(), m_settings.get());
        engine->rootContext()->setContextProperty(u"TestFiles"_s, &m_files);
    }

private:
    QTemporaryDir m_dir;
    TestFiles m_files;
    MemoryKeyStore m_keyStore;
    std::unique_ptr<app::AppSettings> m_settings;
    std::unique_ptr<app::Session> m_session;
};

QUICK_TEST_MAIN_WITH_SETUP(fieldnotes_qml, Setup)
#include "tst_qmlcomponents.moc"
