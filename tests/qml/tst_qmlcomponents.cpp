// Qt Quick Tests of the app's pages and components, on a real (temporary, fast-KDF) store.

#include "appsettings.h"
#include "appsetup.h"
#include "session.h"

#include "base/securebuffer.h"
#include "crypto/keyvault.h"
#include "platform/memorykeystore.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQml/QQmlExtensionPlugin>
#include <QtQuickTest/quicktest.h>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** Gives the QML tests an unlocked store as AppSession, and Preferences. */
class Setup : public QObject
{
    Q_OBJECT

public:
    Setup() { app::AppSetup::useMaterialStyle(); }

public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
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
    }

private:
    QTemporaryDir m_dir;
    MemoryKeyStore m_keyStore;
    std::unique_ptr<app::AppSettings> m_settings;
    std::unique_ptr<app::Session> m_session;
};

QUICK_TEST_MAIN_WITH_SETUP(fieldnotes_qml, Setup)
#include "tst_qmlcomponents.moc"
