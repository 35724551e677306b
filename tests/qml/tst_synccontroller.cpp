// SyncController (sign-in, its errors, certificate pins), ConflictListModel and record deletion against the real
// fieldnotes-server process on loopback (tests/sync/server/api/serverprocess.h), with a second device made by
// tests/sync/client/syncdevice.h.

#include "../sync/client/syncdevice.h"
#include "../sync/server/api/serverprocess.h"

#include "conflictlistmodel.h"
#include "conversationlistmodel.h"
#include "insightlistmodel.h"
#include "recordactions.h"
#include "session.h"
#include "synccontroller.h"

#include "crypto/keyvault.h"
#include "store/storedirectory.h"

#include <QAbstractItemModelTester>
#include <QMutex>
#include <QSignalSpy>
#include <QStandardPaths>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::app;
using namespace fieldnotes::e2e;
using namespace fieldnotes::test;

namespace {

// Every message this process logs, to prove no password or token reaches a log.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previous = nullptr;

void capture(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log << message;
    }
    if (g_previous)
        g_previous(type, context, message);
}

const QByteArray kStorePassphrase = "sync controller passphrase";
const QString kValidPin = QString::fromLatin1(QByteArray(32, '\x11').toBase64());

} // namespace

/** The app's sync controller, conflict list and deletes, on a real store against a real server. */
class TestSyncController : public QObject
{
    Q_OBJECT

private:
    Stacks m_stacks {u"synccontroller"_s};
    Stack *m_stack = nullptr;
    QTemporaryDir m_dir;
    MemoryKeyStore m_keys;
    std::unique_ptr<app::Session> m_session;
    std::unique_ptr<SyncController> m_sync;
    std::unique_ptr<SyncDevice> m_other; ///< a teammate's device

    QString serverUrl() const { return u"http://127.0.0.1:%1"_s.arg(m_stack->port()); }
    QString storeDir() const { return m_dir.filePath(u"store"_s); }

    /// Signs the app in through the controller; the error message, empty on success.
    QString signIn(const QString &url, const QString &email, const QString &password, const QString &pins = {})
    {
        QSignalSpy finished(m_sync.get(), &SyncController::signInFinished);
        m_sync->signIn(url, email, password, pins);
        if (finished.isEmpty() && !finished.wait(30000))
            return u"sign-in did not finish"_s;
        return finished.constFirst().constFirst().toBool() ? QString() : m_sync->signInError();
    }

    bool syncApp() { return runSync(m_sync->engine()); }

    Store *store() const { return m_session->store(); }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        g_previous = qInstallMessageHandler(capture);
        QString why;
        m_stack = m_stacks.get(u"sqlite"_s, &why);
        QVERIFY2(m_stack, qPrintable(why));
        QVERIFY(m_dir.isValid());
        auto key = StoreDirectory::initialize(storeDir(), SecureBuffer::fromByteArray(QByteArray(kStorePassphrase)),
                                              KdfParams::fastForTests());
        QVERIFY(key.ok());
        auto opened = Store::open(storeDir(), *key);
        QVERIFY(opened.ok());
        m_session = std::make_unique<app::Session>(storeDir(), &m_keys);
        m_session->adoptStore(std::move(*opened));
        m_sync = std::make_unique<SyncController>(m_session.get(), &m_keys, nullptr);
        QVERIFY(m_sync->engine());
        QCOMPARE(m_sync->status(), SyncController::Status::LocalOnly);

        m_other = std::make_unique<SyncDevice>();
        QVERIFY(m_other->open());
        // The teammate's small store sees most of its records deleted here: no fail-safe question in this test.
        m_other->engine->setAllowMassDelete(true);
        QCOMPARE(m_other->signIn(m_stack->port(), m_stack->a.emails.value(u"admin"_s), kPassword), QString());
    }

    void cleanupTestCase()
    {
        m_sync.reset();
        m_session.reset();
        m_other.reset();
        qInstallMessageHandler(g_previous);
    }

    void signInErrorsAreShownAndChangeNothing_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("pins");
        QTest::addColumn<QString>("expected"); // part of the message
        QTest::newRow("plain http to another host") << u"http://fieldnotes.example.com"_s << kPassword << QString()
                                                    << u"only allowed to this computer"_s;
        QTest::newRow("not a url") << u"not a server"_s << kPassword << QString() << u"not a valid URL"_s;
        QTest::newRow("wrong password") << QString() << u"wrong password"_s << QString()
                                        << u"Wrong e-mail or password"_s;
        QTest::newRow("server unreachable") << u"http://127.0.0.1:1"_s << kPassword << QString() << QString();
        QTest::newRow("bad pin") << QString() << kPassword << u"not-a-pin"_s << u"certificate pin"_s;
    }

    void signInErrorsAreShownAndChangeNothing()
    {
        QFETCH(QString, url);
        QFETCH(QString, password);
        QFETCH(QString, pins);
        QFETCH(QString, expected);
        const QString error =
            signIn(url.isEmpty() ? serverUrl() : url, m_stack->a.emails.value(u"marketer"_s), password, pins);
        QVERIFY2(!error.isEmpty(), "the sign-in should have failed");
        QCOMPARE(m_sync->signInError(), error);
        if (!expected.isEmpty())
            QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY(!m_sync->signedIn());
        QVERIFY(!m_sync->busy());
        QCOMPARE(m_sync->status(), SyncController::Status::LocalOnly);
        QVERIFY(m_sync->pinnedKeys().isEmpty());
        QVERIFY(store()->syncValue(u"server_url"_s).value_or(QString()).isEmpty());
    }

    void signInSucceedsWithoutLoggingSecrets()
    {
        QSignalSpy changed(m_sync.get(), &SyncController::changed);
        QCOMPARE(signIn(serverUrl(), m_stack->a.emails.value(u"marketer"_s), kPassword), QString());
        QVERIFY(m_sync->signedIn());
        QCOMPARE(m_sync->userEmail(), m_stack->a.emails.value(u"marketer"_s));
        QCOMPARE(m_sync->role(), u"marketer"_s);
        QCOMPARE(m_sync->serverUrl(), serverUrl());
        QVERIFY(m_sync->signInError().isEmpty());
        QVERIFY(!changed.isEmpty());
        QVERIFY(syncApp());
        // Signing in starts a sync of its own, so syncApp() may end while another one is queued.
        QTRY_COMPARE_WITH_TIMEOUT(m_sync->status(), SyncController::Status::UpToDate, 20000);

        const QString tokenEntry = StoreDirectory::tokenKeystoreEntry(storeDir());
        QByteArray token;
        m_keys.readSecret(tokenEntry, [&](Result<SecureBuffer> secret) {
            if (secret)
                token = secret->copyToByteArrayForKeystore();
        });
        QTRY_VERIFY(!token.isEmpty());
        QMutexLocker lock(&g_logMutex);
        for (const QString &line : std::as_const(g_log)) {
            QVERIFY2(!line.contains(kPassword), qPrintable(line));
            QVERIFY2(!line.contains(u"wrong password"_s), qPrintable(line));
            QVERIFY2(!line.contains(QString::fromLatin1(token)), "a log line holds the device token");
        }
    }

    void pinsArePersistedWhereTheEngineReadsThem()
    {
        QSignalSpy pinError(m_sync.get(), &SyncController::pinErrorChanged);
        QVERIFY(!m_sync->addPinnedKey(u"abc"_s));
        QVERIFY(m_sync->pinError().contains(u"pin"_s));
        QVERIFY(m_sync->pinnedKeys().isEmpty());
        QVERIFY(m_sync->addPinnedKey(u"  "_s + kValidPin + u" "_s));
        QVERIFY(m_sync->pinError().isEmpty());
        QCOMPARE(m_sync->pinnedKeys(), QStringList {kValidPin});
        QVERIFY(!m_sync->addPinnedKey(kValidPin)); // already there
        QCOMPARE(store()->syncValue(u"pins"_s).value_or(QString()), kValidPin);

        // Lock and unlock: a new engine reads the pins from the store.
        m_session->lock();
        QVERIFY(!m_sync->engine());
        m_session->unlock(QString::fromLatin1(kStorePassphrase));
        QTRY_COMPARE(m_session->state(), app::Session::State::Unlocked);
        QVERIFY(m_sync->engine());
        QCOMPARE(m_sync->pinnedKeys(), QStringList {kValidPin});
        QVERIFY(m_sync->signedIn());

        QVERIFY(!m_sync->removePinnedKey(u"unknown"_s));
        QVERIFY(m_sync->removePinnedKey(kValidPin));
        QVERIFY(m_sync->pinnedKeys().isEmpty());
        QVERIFY(store()->syncValue(u"pins"_s).value_or(QString()).isEmpty());
    }

    void conflictsAreListedAndRestorable()
    {
        ConflictListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSession(m_session.get());
        QCOMPARE(model.rowCount(), 0);

        auto id = store()->put(Entity::Account, {}, {{u"name"_s, u"Initech"_s}});
        QVERIFY(id.ok());
        QVERIFY(syncApp());
        QVERIFY(m_other->sync());
        // Both edit the name offline; the teammate's edit is later and reaches the server first.
        QVERIFY(store()->put(Entity::Account, *id, {{u"name"_s, u"Initech (app)"_s}}).ok());
        QTest::qWait(5);
        QVERIFY(m_other->store->put(Entity::Account, *id, {{u"name"_s, u"Initech (teammate)"_s}}).ok());
        QVERIFY(m_other->sync());
        QVERIFY(syncApp());

        QTRY_COMPARE(model.rowCount(), 1);
        QCOMPARE(m_sync->conflictCount(), 1);
        const QModelIndex row = model.index(0, 0);
        QCOMPARE(row.data(ConflictListModel::ValueTextRole).toString(), u"Initech (app)"_s);
        QCOMPARE(row.data(ConflictListModel::EntityRole).toString(), u"account"_s);
        QCOMPARE(row.data(ConflictListModel::FieldRole).toString(), u"name"_s);
        QCOMPARE(row.data(ConflictListModel::RecordIdRole).toString(), *id);
        // The server keeps the losing value on the record ("server"); "superseded" if only this device knows it.
        const QString origin = row.data(ConflictListModel::OriginRole).toString();
        QVERIFY2(origin == u"server"_s || origin == u"superseded"_s, qPrintable(origin));
        QCOMPARE(store()->get(Entity::Account, *id)->fields.value(u"name"_s).toString(), u"Initech (teammate)"_s);

        QVERIFY(!model.restore(-12345)); // no such entry: nothing changes
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(model.restore(row.data(ConflictListModel::ConflictIdRole).toLongLong()));
        QCOMPARE(store()->get(Entity::Account, *id)->fields.value(u"name"_s).toString(), u"Initech (app)"_s);
        QTRY_COMPARE(model.rowCount(), 0);
        QVERIFY(syncApp());
        QVERIFY(m_other->sync());
        QCOMPARE(m_other->store->get(Entity::Account, *id)->fields.value(u"name"_s).toString(), u"Initech (app)"_s);
    }

    void deletedRecordsLeaveTheListsAndSyncAsDeletes()
    {
        RecordActions actions;
        actions.setSession(m_session.get());
        ConversationListModel conversations;
        QAbstractItemModelTester conversationsTester(&conversations,
                                                     QAbstractItemModelTester::FailureReportingMode::QtTest);
        conversations.setSession(m_session.get());
        InsightListModel insights;
        QAbstractItemModelTester insightsTester(&insights, QAbstractItemModelTester::FailureReportingMode::QtTest);
        insights.setSession(m_session.get());
        const int conversationsBefore = conversations.rowCount();
        const int insightsBefore = insights.rowCount();

        const QString kept = actions.save(u"conversation"_s, {}, {{u"title"_s, u"Kept insights"_s},
                                                                  {u"channel"_s, u"phone"_s}, {u"consent"_s, true}});
        const QString dropped = actions.save(u"conversation"_s, {}, {{u"title"_s, u"Dropped insights"_s},
                                                                     {u"channel"_s, u"phone"_s}, {u"consent"_s, true}});
        QVERIFY(!kept.isEmpty() && !dropped.isEmpty());
        QStringList insightIds;
        for (const QString &conversation : {kept, dropped, dropped}) {
            insightIds << actions.save(u"insight"_s, {}, {{u"kind"_s, u"need"_s}, {u"text"_s, u"an insight"_s},
                                                           {u"conversation_id"_s, conversation}});
            QVERIFY(!insightIds.constLast().isEmpty());
        }
        QTRY_COMPARE(conversations.rowCount(), conversationsBefore + 2);
        QTRY_COMPARE(insights.rowCount(), insightsBefore + 3);
        QVERIFY(syncApp());
        QVERIFY(m_other->sync());
        QCOMPARE(actions.insightCount(kept), 1);
        QCOMPARE(actions.insightCount(dropped), 2);

        // A bad id: a message, and nothing changes.
        const int pending = *store()->pendingCount();
        QVERIFY(!actions.removeConversation(u"6f1c2d3e-0000-4000-8000-00000000dead"_s, true));
        QVERIFY(!actions.errorMessage().isEmpty());
        QCOMPARE(*store()->pendingCount(), pending);

        QVERIFY(actions.removeConversation(kept, false));
        QVERIFY(actions.removeConversation(dropped, true));
        QVERIFY(actions.errorMessage().isEmpty());
        QTRY_COMPARE(conversations.rowCount(), conversationsBefore);
        QTRY_COMPARE(insights.rowCount(), insightsBefore + 1); // the kept conversation's insight stays
        for (int i = 0; i < conversations.rowCount(); ++i) {
            const QString id = conversations.index(i, 0).data(ConversationListModel::IdRole).toString();
            QVERIFY(id != kept && id != dropped);
        }

        // In the outbox as deletes, and the deletes reach the teammate.
        QSet<QString> deletes;
        for (const OutboxEntry &entry : *store()->pendingMutations(1000)) {
            if (entry.op == u"delete"_s)
                deletes << entry.recordId;
        }
        QCOMPARE(deletes, (QSet<QString> {kept, dropped, insightIds.at(1), insightIds.at(2)}));
        QVERIFY(syncApp());
        QCOMPARE(*store()->pendingCount(), 0);
        QVERIFY(m_other->sync());
        for (const QString &id : {kept, dropped})
            QVERIFY(!m_other->store->get(Entity::Conversation, id).ok());
        QVERIFY(!m_other->store->get(Entity::Insight, insightIds.at(1)).ok());
        QVERIFY(m_other->store->get(Entity::Insight, insightIds.at(0)).ok());

        // An account goes with its contacts.
        const QString account = actions.save(u"account"_s, {}, {{u"name"_s, u"Globex"_s}});
        const QString contact = actions.save(u"contact"_s, {}, {{u"name"_s, u"Hank"_s}, {u"account_id"_s, account}});
        QVERIFY(!account.isEmpty() && !contact.isEmpty());
        QCOMPARE(actions.contactCount(account), 1);
        QVERIFY(actions.removeAccount(account));
        QVERIFY(!store()->get(Entity::Contact, contact).ok());
        QVERIFY(!store()->get(Entity::Account, account).ok());
    }

    void signOut()
    {
        m_sync->signOut();
        QTRY_VERIFY(!m_sync->busy());
        QVERIFY(!m_sync->signedIn());
        QCOMPARE(m_sync->status(), SyncController::Status::LocalOnly);
    }
};

QTEST_GUILESS_MAIN(TestSyncController)
#include "tst_synccontroller.moc"
