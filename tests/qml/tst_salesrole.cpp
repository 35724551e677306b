// The sales role through the real Main.qml: a sales rep signs in on the first-run screen against the real
// fieldnotes-server process (tests/sync/server/api/serverprocess.h) after a marketer of the team captured, published
// and gave a lead; the rep reaches the account brief and the leads, never a conversation, its notes or an unpublished
// insight: no navigation entry, shortcuts that do nothing, nothing of them in the scene, at desktop, tablet and phone
// sizes. The rep's store also holds what a marketer's device keeps after its user became a sales rep (a
// conversation with notes, an unpublished insight): the app must not show those either.

#include "../sync/client/syncdevice.h"
#include "../sync/server/api/serverprocess.h"

#include "appsettings.h"
#include "appsetup.h"
#include "e2ehelpers.h"
#include "session.h"
#include "synccontroller.h"

#include "platform/memorykeystore.h"
#include "store/store.h"

#include <QQmlApplicationEngine>
#include <QFile>
#include <QMetaProperty>
#include <QPointer>
#include <QQmlProperty>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtQml/QQmlExtensionPlugin>

Q_IMPORT_QML_PLUGIN(FieldnotesPlugin)

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

// What sales must never see: the marketer's conversation and notes, and insights nobody published.
const QString kConversationTitle = u"Warehouse walk-through"_s;
const QString kNotes = u"Scanners lose signal behind the freezer doors"_s;
const QString kUnpublished = u"Piloting ColdTrack handhelds"_s;
const QString kHeldTitle = u"Budget call"_s;
const QString kHeldNotes = u"Their budget is frozen until spring"_s;
const QString kHeldInsight = u"Budget frozen until spring"_s;
// What sales sees.
const QString kPublished = u"Offline scanning inside cold storage"_s;
const QString kLead = u"Offer the offline handheld bundle"_s;

/// Every text of every item and popup in the scene, shown or not.
void collectTexts(QObject *object, QStringList &texts)
{
    if (!object)
        return;
    for (const char *name : {"text", "title", "placeholderText", "displayText"}) {
        const QVariant value = object->property(name);
        if (value.typeId() == QMetaType::QString && !value.toString().isEmpty())
            texts << value.toString();
    }
    if (auto *item = qobject_cast<QQuickItem *>(object)) {
        for (QQuickItem *child : item->childItems())
            collectTexts(child, texts);
    }
    for (QObject *child : object->children()) {
        if (!qobject_cast<QQuickItem *>(child) || !qobject_cast<QQuickItem *>(object))
            collectTexts(child, texts);
    }
}

QString secretShown(QQuickWindow *window)
{
    QStringList texts;
    collectTexts(window->contentItem()->parentItem(), texts);
    collectTexts(window, texts);
    for (const QString &text : std::as_const(texts)) {
        for (const QString &secret : {kConversationTitle, kNotes, kUnpublished, kHeldTitle, kHeldNotes, kHeldInsight}) {
            if (text.contains(secret))
                return secret;
        }
    }
    return {};
}

bool shown(QQuickItem *item)
{
    for (QQuickItem *i = item; i; i = i->parentItem()) {
        if (!i->isVisible())
            return false;
    }
    return item != nullptr;
}

} // namespace

/**
 * Counts the moments a Conversations or capture page exists in the window's scene, looking whenever one could come
 * or go: the app is built (the shell loader's item changes), the conversations loader's item changes, the session's
 * state or the sync controller (the role) changes. Each look is synchronous, inside the change: a page made and
 * dropped again within one call is seen too.
 */
class PageWatch : public QObject
{
    Q_OBJECT

public:
    PageWatch(QQuickWindow *window, app::Session *session, app::SyncController *sync) : m_window(window)
    {
        watchItem(::e2e::findIn(window->contentItem(), u"shellLoader"_s));
        connect(session, &app::Session::stateChanged, this, &PageWatch::look);
        connect(session, &app::Session::storeOpened, this, &PageWatch::look);
        connect(sync, &app::SyncController::changed, this, &PageWatch::look);
        look();
    }

    int seen = 0;

public slots:
    void look()
    {
        QQuickItem *content = m_window->contentItem();
        if (QQuickItem *loader = ::e2e::findIn(content, u"conversationsLoader"_s); loader && loader != m_loader) {
            m_loader = loader;
            watchItem(loader);
        }
        if (::e2e::findIn(content, u"conversationsPage"_s) || ::e2e::findIn(content, u"capturePage"_s))
            ++seen;
    }

private:
    /// Looks whenever the `item` of a BoundLoader (a QML property) changes.
    void watchItem(QObject *loader)
    {
        QVERIFY(loader);
        const QMetaProperty item = loader->metaObject()->property(loader->metaObject()->indexOfProperty("item"));
        QVERIFY(item.hasNotifySignal());
        connect(loader, item.notifySignal(), this, metaObject()->method(metaObject()->indexOfSlot("look()")));
    }

    QQuickWindow *m_window;
    QPointer<QQuickItem> m_loader;
};

/** A sales rep's app, through Main.qml, against the team's real server. */
class TestSalesRole : public QObject
{
    Q_OBJECT

private:
    fieldnotes::e2e::Stacks m_stacks {u"salesrole"_s};
    fieldnotes::e2e::Stack *m_stack = nullptr;
    test::SyncDevice m_marketer;
    QString m_account;
    // The rep's device: its store and keystore outlive the first test, for the next run of the app.
    QTemporaryDir m_device;
    MemoryKeyStore m_deviceKeys;
    const QString m_passphrase = u"sales rep passphrase"_s;

    static QQuickItem *item(QQuickWindow *window, const char *name)
    {
        return ::e2e::findIn(window->contentItem(), QString::fromLatin1(name));
    }

    int section(QQuickWindow *window)
    {
        QQuickItem *pages = item(window, "accountsPage")->parentItem(); // the StackLayout
        return pages->property("currentIndex").toInt();
    }

    void resize(QQuickWindow *window, int width, int height)
    {
        window->resize(width, height);
        QTRY_COMPARE(window->width(), width);
        // The layouts settle: the bottom navigation (if shown) has its tabs side by side, Leads second.
        QTRY_VERIFY(!shown(item(window, "bottomNavigation")) || item(window, "tab_5")->x() > 0);
        QTest::qWait(20);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(app::AppSetup::installTranslations());
        QString why;
        m_stack = m_stacks.get(u"sqlite"_s, &why);
        QVERIFY2(m_stack, qPrintable(why));

        // A marketer of team A captures at Polar Foods, publishes one insight of two, and gives sales a lead.
        QVERIFY(m_marketer.open());
        const QString email = m_stack->a.emails.value(u"marketer"_s);
        QCOMPARE(m_marketer.signIn(m_stack->port(), email, fieldnotes::e2e::kPassword), QString());
        m_account = m_marketer.put(Entity::Account, {{u"name"_s, u"Polar Foods"_s}, {u"segment"_s, u"Cold chain"_s}});
        QVERIFY(!m_account.isEmpty());
        const QString contact =
            m_marketer.put(Entity::Contact, {{u"account_id"_s, m_account}, {u"name"_s, u"Ana Lind"_s}});
        QVERIFY(!contact.isEmpty());
        const QString conversation = m_marketer.put(Entity::Conversation,
            {{u"account_id"_s, m_account}, {u"title"_s, kConversationTitle}, {u"notes"_s, kNotes},
             {u"occurred_at"_s, u"2026-11-20T09:30:00Z"_s}, {u"channel"_s, u"in_person"_s}});
        QVERIFY(!conversation.isEmpty());
        const QString published = m_marketer.put(Entity::Insight,
            {{u"account_id"_s, m_account}, {u"conversation_id"_s, conversation}, {u"kind"_s, u"need"_s},
             {u"text"_s, kPublished}, {u"quote"_s, u"We lose signal when the door closes."_s}, {u"importance"_s, 5},
             {u"published"_s, true}});
        QVERIFY(!published.isEmpty());
        const QString unpublished = m_marketer.put(Entity::Insight,
            {{u"account_id"_s, m_account}, {u"conversation_id"_s, conversation}, {u"kind"_s, u"competitor"_s},
             {u"text"_s, kUnpublished}, {u"published"_s, false}});
        QVERIFY(!unpublished.isEmpty());
        const QString lead = m_marketer.put(Entity::Lead,
            {{u"account_id"_s, m_account}, {u"recommendation"_s, kLead}, {u"priority"_s, 1},
             {u"horizon"_s, u"quarter"_s}, {u"status"_s, u"open"_s}});
        QVERIFY(!lead.isEmpty());
        QVERIFY(m_marketer.sync());
    }

    void salesSeeTheBriefAndLeadsOnly()
    {
        QTemporaryDir &dir = m_device;
        QVERIFY(dir.isValid());
        MemoryKeyStore &keyStore = m_deviceKeys;
        app::AppSettings settings(dir.filePath(u"settings.ini"_s));
        app::Session session(dir.filePath(u"store"_s), &keyStore);
        app::SyncController sync(&session, &keyStore, nullptr);
        app::AppSetup::useMaterialStyle();
        app::AppSetup::registerSingletons(&session, &settings, &sync);

        QQmlApplicationEngine engine;
        QQuickWindow *window = ::e2e::showMain(engine, QSize(1280, 800));
        QVERIFY(window);

        // First run as the rep: sign in, a passphrase, the store, the server.
        QVERIFY(::e2e::click(window, ::e2e::find(window, "signInChoiceButton")));
        const QString passphrase = m_passphrase;
        QVERIFY(::e2e::type(window, ::e2e::find(window, "newPassphraseField"), passphrase));
        QVERIFY(::e2e::type(window, ::e2e::find(window, "repeatPassphraseField"), passphrase));
        QVERIFY(::e2e::click(window, ::e2e::find(window, "createStoreButton")));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), app::Session::State::Unlocked, 20000);
        QTRY_VERIFY(shown(item(window, "signInButton")));
        item(window, "serverField")->setProperty("text", u"http://127.0.0.1:%1"_s.arg(m_stack->port()));
        item(window, "emailField")->setProperty("text", m_stack->a.emails.value(u"sales"_s));
        item(window, "passwordField")->setProperty("text", fieldnotes::e2e::kPassword);
        QVERIFY(::e2e::click(window, item(window, "signInButton")));
        QTRY_VERIFY_WITH_TIMEOUT(sync.signedIn(), 30000);
        QCOMPARE(sync.role(), u"sales"_s);
        QVERIFY(test::runSync(sync.engine()));
        // Nothing of the rep's first run was refused (the first run wrote no interview guide, which sales may not).
        QCOMPARE(sync.conflictCount(), 0);
        QCOMPARE(sync.pendingCount(), 0);
        Store *store = session.store();
        QVERIFY(store);
        // The server sent the account, the published insight, the lead; no conversation, no unpublished insight.
        QCOMPARE(store->counts()->value(Entity::Conversation), 0);
        QCOMPARE(store->counts()->value(Entity::Insight), 1);
        QCOMPARE(store->counts()->value(Entity::Lead), 1);

        // What a device keeps when its user was a marketer before: a conversation with notes and an unpublished
        // insight, pulled back then (nothing left to push).
        auto held = store->put(Entity::Conversation, {},
            {{u"account_id"_s, m_account}, {u"title"_s, kHeldTitle}, {u"notes"_s, kHeldNotes}});
        QVERIFY(held.ok());
        auto heldInsight = store->put(Entity::Insight, {},
            {{u"account_id"_s, m_account}, {u"conversation_id"_s, *held}, {u"kind"_s, u"pain"_s},
             {u"text"_s, kHeldInsight}});
        QVERIFY(heldInsight.ok());
        QList<PushAck> acks;
        for (const OutboxEntry &entry : store->pendingMutations(100).value_or(QList<OutboxEntry>())) {
            PushAck ack;
            ack.mutationId = entry.mutationId;
            acks << ack;
        }
        QVERIFY(store->acknowledge(acks).ok());
        QCOMPARE(*store->pendingCount(), 0);
        session.notifyRemoteChanges();

        // The app, on the accounts: no conversations page at all, no way to it.
        QTRY_VERIFY(item(window, "accountsPage"));
        QTRY_VERIFY(shown(item(window, "accountsPage")));
        QCOMPARE(section(window), 2);
        QVERIFY(!item(window, "conversationsPage"));
        QVERIFY(!item(window, "capturePage"));
        QVERIFY(!item(window, "rail_0"));
        for (const char *entry : {"rail_2", "rail_5", "rail_1", "rail_3", "rail_4"})
            QVERIFY2(shown(item(window, entry)), entry);

        // The brief: the published insight and the lead; no conversation, no notes, no unpublished insight.
        QQuickItem *row = nullptr;
        QTRY_VERIFY((row = item(window, "account_0")) && shown(row));
        QStringList rowTexts; // no count of conversations either
        collectTexts(row, rowTexts);
        QVERIFY2(!rowTexts.join(u' ').contains(u"conversation"_s), qPrintable(rowTexts.join(u' ')));
        QVERIFY(::e2e::click(window, row));
        QQuickItem *page = nullptr;
        QTRY_VERIFY((page = item(window, "accountPage")) && shown(page));
        QTRY_VERIFY(shown(item(window, "briefGroup_need")));
        QVERIFY(!item(window, "briefGroup_pain") || !shown(item(window, "briefGroup_pain")));
        QVERIFY(!item(window, "briefGroup_competitor") || !shown(item(window, "briefGroup_competitor")));
        QVERIFY(!shown(item(window, "briefLastConversation")));
        QVERIFY(!shown(item(window, "briefNewLeadButton")));
        QCOMPARE(
            QQmlProperty::read(page, u"brief"_s).value<QObject *>()->property("name").toString(), u"Polar Foods"_s);
        QCOMPARE(secretShown(window), QString());

        // A conversation asked for from the brief (the page's signal) goes nowhere.
        QVERIFY(QMetaObject::invokeMethod(item(window, "accountsPage"), "openConversation", Q_ARG(QString, *held)));
        QCOMPARE(section(window), 2);
        QVERIFY(!item(window, "capturePage"));

        // Shortcuts: Ctrl+N makes no conversation; Ctrl+F searches the accounts.
        QTest::keyClick(window, Qt::Key_N, Qt::ControlModifier);
        QTest::qWait(50);
        QCOMPARE(section(window), 2);
        QVERIFY(!item(window, "capturePage"));
        QCOMPARE(store->counts()->value(Entity::Conversation), 1);
        QCOMPARE(*store->pendingCount(), 0);
        QVERIFY(::e2e::click(window, item(window, "rail_4"))); // from Settings
        QCOMPARE(section(window), 4);
        QTest::keyClick(window, Qt::Key_F, Qt::ControlModifier);
        QTRY_COMPARE(section(window), 2);
        QTRY_VERIFY(item(window, "accountSearchField")->hasActiveFocus());

        // The lead, from the brief: the rep can answer it.
        QTRY_VERIFY(shown(item(window, "briefLead_0")));
        QVERIFY(::e2e::click(window, item(window, "briefLead_0")));
        QTRY_COMPARE(section(window), 5);
        QQuickItem *leadDetail = nullptr;
        QTRY_VERIFY((leadDetail = item(window, "leadDetail")) && shown(leadDetail));
        QTRY_VERIFY(shown(item(window, "leadStatus_accepted")));
        QVERIFY(!shown(item(window, "newLeadButton")));

        // The insights explorer: the published one only.
        QVERIFY(::e2e::click(window, item(window, "rail_1")));
        QCOMPARE(section(window), 1);
        QQuickItem *insights = item(window, "insightList");
        QTRY_COMPARE(insights->property("count").toInt(), 1);
        QTRY_VERIFY(item(window, "insight_0"));
        QVERIFY(item(window, "insight_0")->property("insightText").toString() == kPublished);
        QCOMPARE(secretShown(window), QString());

        // Tablet (portrait) and phone: bottom navigation with the same entries, no conversations.
        for (const QSize size : {QSize(800, 1280), QSize(412, 915), QSize(360, 640)}) {
            resize(window, size.width(), size.height());
            const QByteArray at = QByteArray::number(size.width()) + "x" + QByteArray::number(size.height());
            QVERIFY2(shown(item(window, "bottomNavigation")), at.constData());
            QVERIFY2(!item(window, "tab_0"), at.constData());
            for (const char *entry : {"tab_2", "tab_5", "tab_1", "tab_3", "tab_4"}) {
                QQuickItem *tab = item(window, entry);
                QVERIFY2(shown(tab), (at + ' ' + entry).constData());
                QVERIFY2(tab->height() >= 48, (at + ' ' + entry).constData());
            }
            QVERIFY(::e2e::click(window, item(window, "tab_2")));
            QTRY_COMPARE(section(window), 2);
            QTest::keyClick(window, Qt::Key_N, Qt::ControlModifier);
            QTest::qWait(50);
            QCOMPARE(section(window), 2);
            QVERIFY(!item(window, "conversationsPage"));
            QVERIFY(!item(window, "capturePage"));
            QCOMPARE(secretShown(window), QString());
        }
        QCOMPARE(store->counts()->value(Entity::Conversation), 1);

        // Settings → Export offers what sales sees, as JSON or CSV: no conversations, no guides.
        resize(window, 1280, 800);
        QVERIFY(::e2e::click(window, item(window, "rail_4")));
        QTRY_COMPARE(section(window), 4);
        const QStringList kinds = item(window, "exportEntityBox")->property("model").toStringList();
        QCOMPARE(kinds, (QStringList{u"All records"_s, u"Accounts"_s, u"Contacts"_s, u"Insights"_s, u"Tags"_s,
                                     u"Leads"_s}));
        QCOMPARE(item(window, "exportFormatBox")->property("model").toStringList(),
                 (QStringList{u"JSON"_s, u"CSV"_s}));

        // Locked and unlocked again: the app is taken down and built again, and the Conversations page is never made,
        // not even for a moment, so nothing of a conversation is read, listed or put in the scene on the way.
        PageWatch watch(window, &session, &sync);
        session.lock();
        QCOMPARE(session.state(), app::Session::State::Locked);
        QTRY_VERIFY(shown(item(window, "unlockPassphraseField")));
        QVERIFY(!item(window, "accountsPage"));
        QVERIFY(::e2e::type(window, item(window, "unlockPassphraseField"), passphrase));
        QVERIFY(::e2e::click(window, item(window, "unlockButton")));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), app::Session::State::Unlocked, 20000);
        QCOMPARE(sync.role(), u"sales"_s);
        QTRY_VERIFY(shown(item(window, "accountsPage")));
        QCOMPARE(section(window), 2);
        QVERIFY(!item(window, "rail_0"));
        QTest::qWait(50);
        QCOMPARE(watch.seen, 0);
        QVERIFY(!item(window, "conversationsPage"));
        QCOMPARE(secretShown(window), QString());
        QCOMPARE(session.store()->counts()->value(Entity::Conversation), 1);

        // And at a phone's size, with the bottom navigation.
        resize(window, 412, 915);
        // Let the sync the unlock started end first: a keystore read it waits for calls back into the engine, which
        // the lock destroys (SyncEngine::withToken holds it by a raw pointer; the app has the same race).
        QVERIFY(test::runSync(sync.engine()));
        session.lock();
        QTRY_VERIFY(shown(item(window, "unlockPassphraseField")));
        QVERIFY(::e2e::type(window, item(window, "unlockPassphraseField"), passphrase));
        QVERIFY(::e2e::click(window, item(window, "unlockButton")));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), app::Session::State::Unlocked, 20000);
        QTRY_VERIFY(shown(item(window, "bottomNavigation")));
        QVERIFY(!item(window, "tab_0"));
        QCOMPARE(watch.seen, 0);
        // The sync the unlock started ends first (see above).
        QVERIFY(test::runSync(sync.engine()));
        session.lock();
        QCOMPARE(watch.seen, 0);
    }

    /// The app started again on the rep's device (a new session and sync controller, as main() makes them): the
    /// role is read from the store when it is unlocked, before the app is built, so the Conversations page is never
    /// made on the way to the accounts.
    void salesUnlockAfterARestart()
    {
        QVERIFY(QFile::exists(m_device.filePath(u"store"_s)));
        app::AppSettings settings(m_device.filePath(u"settings.ini"_s));
        app::Session session(m_device.filePath(u"store"_s), &m_deviceKeys);
        QCOMPARE(session.state(), app::Session::State::Locked);
        app::SyncController sync(&session, &m_deviceKeys, nullptr);
        QCOMPARE(sync.role(), QString()); // nothing is known before the store opens
        app::AppSetup::registerSingletons(&session, &settings, &sync);

        QQmlApplicationEngine engine;
        QQuickWindow *window = ::e2e::showMain(engine, QSize(1280, 800));
        QVERIFY(window);

        PageWatch watch(window, &session, &sync);
        QTRY_VERIFY(shown(item(window, "unlockPassphraseField")));
        QVERIFY(::e2e::type(window, item(window, "unlockPassphraseField"), m_passphrase));
        QVERIFY(::e2e::click(window, item(window, "unlockButton")));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), app::Session::State::Unlocked, 20000);
        QCOMPARE(sync.role(), u"sales"_s);
        QTRY_VERIFY(shown(item(window, "accountsPage")));
        QCOMPARE(section(window), 2);
        QTest::qWait(50);
        QCOMPARE(watch.seen, 0);
        QVERIFY(!item(window, "conversationsPage"));
        QCOMPARE(secretShown(window), QString());
        // The sync the unlock started ends first (see above).
        QVERIFY(test::runSync(sync.engine()));
        session.lock();
        QCOMPARE(watch.seen, 0);
    }
};

QTEST_MAIN(TestSalesRole)
#include "tst_salesrole.moc"
