// Qt Quick Tests of the sync UI (the first-run sign-in, the Sync page) against the real fieldnotes-server process on
// loopback: the app starts with no store (AppSession), a SyncController with an in-memory keystore (AppSync), and
// `TestServer` (the server's address, a team's users, and a way to make a real conflict with a teammate's device).

#include "../sync/client/syncdevice.h"
#include "../sync/server/api/serverprocess.h"

#include "appsettings.h"
#include "appsetup.h"
#include "session.h"
#include "synccontroller.h"

#include <QQmlContext>
#include <QQmlEngine>
#include <QStandardPaths>
#include <QtQml/QQmlExtensionPlugin>
#include <QtQuickTest/quicktest.h>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** The server side of the QML tests. */
class TestServer : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url CONSTANT)
    Q_PROPERTY(QString marketerEmail READ marketerEmail CONSTANT)
    Q_PROPERTY(QString password READ password CONSTANT)
    Q_PROPERTY(QString error READ error CONSTANT)

public:
    TestServer(app::Session *session, app::SyncController *sync)
        : m_session(session)
        , m_sync(sync)
    {
        m_stack = m_stacks.get(u"sqlite"_s, &m_error);
    }

    QString url() const { return m_stack ? u"http://127.0.0.1:%1"_s.arg(m_stack->port()) : QString(); }
    QString marketerEmail() const { return m_stack ? m_stack->a.emails.value(u"marketer"_s) : QString(); }
    QString password() const { return e2e::kPassword; }
    QString error() const { return m_error; }

    /// The app (signed in) and a teammate both rename a new account; the teammate's later edit reaches the server
    /// first, so the app's value loses and is in its conflict log. Returns the account's id (empty on failure).
    Q_INVOKABLE QString makeConflict()
    {
        Store *store = m_session->store();
        if (!store || !teammate())
            return {};
        auto id = store->put(Entity::Account, {}, {{u"name"_s, u"Initech"_s}});
        if (!id || !test::runSync(m_sync->engine()) || !m_other->sync())
            return {};
        if (!store->put(Entity::Account, *id, {{u"name"_s, u"Initech (app)"_s}}))
            return {};
        QTest::qWait(5);
        if (!m_other->store->put(Entity::Account, *id, {{u"name"_s, u"Initech (teammate)"_s}}) || !m_other->sync()
            || !test::runSync(m_sync->engine()))
            return {};
        return *id;
    }

    /// The teammate writes `count` conversations whose notes hold `word` and `ref000`…, and syncs them: the app's next
    /// sync pulls them in one page, which it indexes for search after the sync (decision 0027).
    Q_INVOKABLE bool teammateWritesConversations(int count, const QString &word)
    {
        if (!teammate())
            return false;
        QList<Store::PutItem> items;
        for (int i = 0; i < count; ++i) {
            items << Store::PutItem {Entity::Conversation, {},
                {{u"title"_s, u"Visit %1"_s.arg(i)},
                    {u"notes"_s, u"We talked about the %1 line at length (ref%2)."_s.arg(word).arg(i, 3, 10, QChar(u'0'))}}};
        }
        return m_other->store->putMany(items) && m_other->sync();
    }

    /// The account's name in the app's store.
    Q_INVOKABLE QString accountName(const QString &id) const
    {
        Store *store = m_session->store();
        auto record = store ? store->get(Entity::Account, id) : Result<Record>(makeError(ErrorCode::Locked, {}));
        return record ? record->fields.value(u"name"_s).toString() : QString();
    }

private:
    // A teammate's device (the team's admin), signed in on first use; nullptr if that failed.
    test::SyncDevice *teammate()
    {
        if (!m_stack)
            return nullptr;
        if (!m_other) {
            auto device = std::make_unique<test::SyncDevice>();
            if (!device->open()
                || !device->signIn(m_stack->port(), m_stack->a.emails.value(u"admin"_s), e2e::kPassword).isEmpty())
                return nullptr;
            m_other = std::move(device);
        }
        return m_other.get();
    }

    e2e::Stacks m_stacks {u"syncui"_s};
    e2e::Stack *m_stack = nullptr;
    QString m_error;
    app::Session *m_session;
    app::SyncController *m_sync;
    std::unique_ptr<test::SyncDevice> m_other;
};

/** No store yet, a keystore for the sign-in, and the server. */
class Setup : public QObject
{
    Q_OBJECT

public:
    Setup()
    {
        QStandardPaths::setTestModeEnabled(true);
        app::AppSetup::useMaterialStyle();
    }

public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // As main() does: the plural forms of the "%n …" texts.
        if (!app::AppSetup::installTranslations())
            qFatal("cannot load the app's translations");
        app::AppSetup::configureEngine(*engine);
        m_settings = std::make_unique<app::AppSettings>(m_dir.filePath(u"settings.ini"_s));
        m_session = std::make_unique<app::Session>(m_dir.filePath(u"store"_s), &m_keyStore);
        m_sync = std::make_unique<app::SyncController>(m_session.get(), &m_keyStore, nullptr);
        app::AppSetup::registerSingletons(m_session.get(), m_settings.get(), m_sync.get());
        m_server = std::make_unique<TestServer>(m_session.get(), m_sync.get());
        if (!m_server->error().isEmpty())
            qFatal("cannot start the server: %s", qPrintable(m_server->error()));
        engine->rootContext()->setContextProperty(u"TestServer"_s, m_server.get());
    }

    void cleanupTestCase()
    {
        m_server.reset();
        m_sync.reset();
        m_session.reset();
    }

private:
    QTemporaryDir m_dir;
    MemoryKeyStore m_keyStore;
    std::unique_ptr<app::AppSettings> m_settings;
    std::unique_ptr<app::Session> m_session;
    std::unique_ptr<app::SyncController> m_sync;
    std::unique_ptr<TestServer> m_server;
};

QUICK_TEST_MAIN_WITH_SETUP(fieldnotes_syncui, Setup)
#include "tst_syncui.moc"
