#include "accountlistmodel.h"
#include "conversationeditor.h"
#include "conversationlistmodel.h"
#include "insightlistmodel.h"
#include "leadlistmodel.h"
#include "recordactions.h"
#include "recordlistmodel.h"
#include "session.h"

#include "platform/memorykeystore.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::app;

/** Tests the session (create, unlock, wrong passphrase, keystore, lock) and the view models on a real store. */
class TestViewModels : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    MemoryKeyStore m_keyStore;
    std::unique_ptr<Session> m_session;
    const QString m_passphrase = u"orbit tulip saxophone gravel"_s;

    QString storeDir() const { return m_dir.filePath(u"store"_s); }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_session = std::make_unique<Session>(storeDir(), &m_keyStore);
        QCOMPARE(m_session->state(), Session::State::NoStore);
    }

    void createRemembersAndOpens()
    {
        m_session->createStore(u"short"_s, u"short"_s, false);
        QVERIFY(!m_session->errorMessage().isEmpty()); // refused before any work
        QCOMPARE(m_session->state(), Session::State::NoStore);
        m_session->createStore(m_passphrase, m_passphrase + u"x"_s, false);
        QCOMPARE(m_session->state(), Session::State::NoStore);

        QSignalSpy opened(m_session.get(), &Session::storeOpened);
        m_session->createStore(m_passphrase, m_passphrase, true);
        QVERIFY(m_session->busy()); // the derivation runs in a worker thread
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
        QCOMPARE(opened.count(), 1);
        QTRY_VERIFY(m_session->remembered());
        // The default guide is made on first run.
        auto guides = m_session->store()->list(Entity::Guide);
        QCOMPARE(guides->size(), 1);
        QVERIFY(guides->constFirst().fields.value(u"questions"_s).toArray().size() >= 5);
    }

    void lockClosesTheStore()
    {
        QSignalSpy aboutToLock(m_session.get(), &Session::aboutToLock);
        m_session->lock();
        QCOMPARE(aboutToLock.count(), 1);
        QCOMPARE(m_session->state(), Session::State::Locked);
        QVERIFY(m_session->store() == nullptr);
    }

    void wrongPassphraseIsThrottled()
    {
        for (int i = 0; i < 3; ++i) {
            m_session->unlock(u"wrong passphrase"_s);
            QTRY_VERIFY(!m_session->busy());
            QCOMPARE(m_session->state(), Session::State::Locked);
            QVERIFY(!m_session->errorMessage().isEmpty());
        }
        // From the third failure on, the vault makes us wait; the page shows the seconds.
        QVERIFY(m_session->retrySeconds() > 0);
        m_session->unlock(m_passphrase);
        QTRY_VERIFY(!m_session->busy());
        QCOMPARE(m_session->state(), Session::State::Locked); // throttled, even with the right one
    }

    void keystoreUnlocks()
    {
        m_session->unlockWithKeystore();
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
        QCOMPARE(m_session->retrySeconds(), 0);
    }

    void suspendAndIdleLock()
    {
        m_session->handleApplicationState(Qt::ApplicationActive);
        QCOMPARE(m_session->state(), Session::State::Unlocked);
        m_session->handleApplicationState(Qt::ApplicationSuspended);
        QCOMPARE(m_session->state(), Session::State::Locked);
        m_session->unlockWithKeystore();
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
        m_session->setIdleTimeoutSeconds(1);
        QTRY_COMPARE_WITH_TIMEOUT(m_session->state(), Session::State::Locked, 3000);
        m_session->setIdleTimeoutSeconds(300);
        m_session->unlockWithKeystore();
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
    }

    void editorSavesWithinTheWindow()
    {
        ConversationEditor editor;
        editor.setSession(m_session.get());
        QVERIFY(!editor.guideQuestions().isEmpty());
        const QString id = editor.createNew();
        QVERIFY(!id.isEmpty());
        editor.setNotes(u"first words"_s);
        QVERIFY(editor.unsaved());
        QElapsedTimer timer;
        timer.start();
        // Keep typing: the save still comes kAutosaveMs after the first unsaved change.
        while (editor.unsaved() && timer.elapsed() < 2000) {
            editor.setNotes(editor.notes() + u"."_s);
            QTest::qWait(20);
        }
        QVERIFY(!editor.unsaved());
        QVERIFY(timer.elapsed() < ConversationEditor::kAutosaveMs + 250);
        auto stored = m_session->store()->get(Entity::Conversation, id);
        QVERIFY(stored->fields.value(u"notes"_s).toString().startsWith(u"first words"_s));

        // Locking saves what is pending at once and clears the editor.
        editor.setTitle(u"Before the lock"_s);
        m_session->lock();
        QVERIFY(editor.conversationId().isEmpty());
        m_session->unlockWithKeystore();
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
        QCOMPARE(m_session->store()->get(Entity::Conversation, id)->fields.value(u"title"_s).toString(),
                 u"Before the lock"_s);
    }

    void conversationListPagesAndSearches()
    {
        ConversationEditor editor;
        editor.setSession(m_session.get());
        const QString account = editor.createAccount(u"Acme"_s); // no conversation loaded: account only
        QVERIFY(!account.isEmpty());
        for (int i = 0; i < 60; ++i) {
            QVERIFY(!editor.createNew().isEmpty());
            editor.setTitle(u"Visit %1"_s.arg(i));
            editor.setAccountId(account);
            editor.setOccurredAt(QDateTime(QDate(2026, 1, 1).addDays(i), QTime(10, 0)));
            QVERIFY(editor.save());
        }
        QVERIFY(!editor.addInsight(u"trend"_s, u"Moving to subscriptions"_s, QString(), 0, {}).isEmpty());
        editor.close();

        ConversationListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSession(m_session.get());
        QCOMPARE(model.rowCount(), ConversationListModel::kPageSize); // one page, not all 61
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QCOMPARE(model.rowCount(), 61); // and the one of editorSavesWithinTheWindow
        QVERIFY(!model.canFetchMore({}));
        // Row 0 is editorSavesWithinTheWindow's conversation: it happened now, after all of these.
        QCOMPARE(model.data(model.index(1, 0), ConversationListModel::TitleRole).toString(), u"Visit 59"_s);
        QCOMPARE(model.data(model.index(1, 0), ConversationListModel::AccountNameRole).toString(), u"Acme"_s);
        QCOMPARE(model.data(model.index(1, 0), ConversationListModel::InsightCountRole).toInt(), 1);

        model.setKind(u"trend"_s);
        QCOMPARE(model.rowCount(), 1);
        model.clearFilters();
        model.setFromDate(u"2026-02-01"_s);
        model.setToDate(u"2026-02-10"_s);
        QCOMPARE(model.rowCount(), 10);
        model.clearFilters();

        model.setSearchText(u"subscrip"_s);
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(model.data(model.index(0, 0), ConversationListModel::SnippetHtmlRole).toString().contains(u"<b>"_s));
        // One letter is not searched yet: the list stays whole, without snippets.
        model.setSearchText(u"s"_s);
        QCOMPARE(model.rowCount(), ConversationListModel::kPageSize);
        QVERIFY(model.data(model.index(1, 0), ConversationListModel::SnippetHtmlRole).toString().isEmpty());
        model.setSearchText(QString());
        QCOMPARE(model.rowCount(), ConversationListModel::kPageSize);

        m_session->lock();
        QCOMPARE(model.rowCount(), 0); // nothing of the data while locked
        m_session->unlockWithKeystore();
        QTRY_COMPARE(model.rowCount(), ConversationListModel::kPageSize);
    }

    void insightAccountAndRecordModels()
    {
        RecordActions actions;
        actions.setSession(m_session.get());
        const QString tag = actions.save(u"tag"_s, QString(), {{u"name"_s, u"pricing"_s}});
        QVERIFY(!tag.isEmpty());
        const QString insight = actions.save(u"insight"_s, QString(),
                                             {{u"kind"_s, u"need"_s},
                                              {u"text"_s, u"Call 030 1234567"_s},
                                              {u"tags"_s, QStringList{tag}}});
        QVERIFY(!insight.isEmpty());
        QCOMPARE(actions.reviewForPublishing(insight).size(), 1);

        InsightListModel insights;
        QAbstractItemModelTester insightTester(&insights, QAbstractItemModelTester::FailureReportingMode::QtTest);
        insights.setSession(m_session.get());
        QCOMPARE(insights.rowCount(), 2);
        insights.setTagId(tag);
        QCOMPARE(insights.rowCount(), 1);
        QCOMPARE(insights.data(insights.index(0, 0), InsightListModel::TagNamesRole).toString(), u"pricing"_s);
        insights.setPublished(InsightListModel::Published::Yes);
        QCOMPARE(insights.rowCount(), 0);
        QVERIFY(actions.setPublished(insight, true)); // the model reloads on the change
        QCOMPARE(insights.rowCount(), 1);

        AccountListModel accounts;
        QAbstractItemModelTester accountTester(&accounts, QAbstractItemModelTester::FailureReportingMode::QtTest);
        accounts.setSession(m_session.get());
        QCOMPARE(accounts.rowCount(), 1);
        QCOMPARE(accounts.data(accounts.index(0, 0), AccountListModel::ConversationCountRole).toInt(), 60);
        accounts.setFilterText(u"zzz"_s);
        QCOMPARE(accounts.rowCount(), 0);

        RecordListModel tags;
        QAbstractItemModelTester tagTester(&tags, QAbstractItemModelTester::FailureReportingMode::QtTest);
        tags.setSession(m_session.get());
        tags.setEntity(u"tag"_s);
        QCOMPARE(tags.rowCount(), 1);
        QCOMPARE(tags.indexOf(tag), 0);
        QVERIFY(!actions.save(u"tag"_s, QString(), {{u"name"_s, u"onboarding"_s}}).isEmpty());
        QCOMPARE(tags.rowCount(), 2);
    }

    void leadModelAndRoles()
    {
        RecordActions marketing;
        marketing.setSession(m_session.get());
        marketing.setRole(u"marketer"_s);
        const QString acme = m_session->store()->accountSummaries(u"Acme"_s, 1, 0)->constFirst().id;
        const QString globex = marketing.save(u"account"_s, QString(), {{u"name"_s, u"Globex"_s}});
        QVERIFY(!globex.isEmpty());

        LeadListModel leads;
        QAbstractItemModelTester tester(&leads, QAbstractItemModelTester::FailureReportingMode::QtTest);
        leads.setSession(m_session.get());
        QCOMPARE(leads.rowCount(), 0);
        QVERIFY(marketing.saveLead(QString(), QString(), u"No account"_s, 1, u"now"_s).isEmpty());
        QVERIFY(!marketing.errorMessage().isEmpty());
        const QString pilot = marketing.saveLead(QString(), acme, u"Offer a pilot"_s, 2, u"quarter"_s);
        QVERIFY(!pilot.isEmpty());
        const QString cto = marketing.saveLead(QString(), globex, u"Call the CTO"_s, 1, u"now"_s);
        const QString later = marketing.saveLead(QString(), acme, u"Revisit"_s, 0, QString());
        QVERIFY(!cto.isEmpty() && !later.isEmpty());
        QCOMPARE(leads.rowCount(), 3); // the model reloads on the change

        // Priority first (none last), with labels and the account's name.
        QCOMPARE(leads.data(leads.index(0, 0), LeadListModel::IdRole).toString(), cto);
        QCOMPARE(leads.data(leads.index(0, 0), LeadListModel::AccountNameRole).toString(), u"Globex"_s);
        QCOMPARE(leads.data(leads.index(0, 0), LeadListModel::StatusRole).toString(), u"open"_s);
        QCOMPARE(leads.data(leads.index(0, 0), LeadListModel::HorizonLabelRole).toString(), u"Now"_s);
        QCOMPARE(leads.data(leads.index(1, 0), LeadListModel::PriorityLabelRole).toString(), u"Medium priority"_s);
        QCOMPARE(leads.data(leads.index(2, 0), LeadListModel::PriorityRole).toInt(), 0);
        QCOMPARE(leads.get(1).value(u"recommendation"_s).toString(), u"Offer a pilot"_s);
        QCOMPARE(leads.statusChoices().size(), 4);
        leads.setOrder(LeadListModel::Order::Newest);
        QCOMPARE(leads.indexOf(later), 0);
        leads.setAccountId(acme);
        QCOMPARE(leads.rowCount(), 2);

        // Sales: status and outcome of an existing lead, nothing else.
        RecordActions sales;
        sales.setSession(m_session.get());
        sales.setRole(u"sales"_s);
        QVERIFY(sales.saveLead(QString(), acme, u"Sales may not create"_s, 1, u"now"_s).isEmpty());
        QVERIFY(!sales.errorMessage().isEmpty());
        QVERIFY(sales.saveLead(pilot, acme, u"Nor edit"_s, 1, u"now"_s).isEmpty());
        QVERIFY(sales.save(u"lead"_s, pilot, {{u"priority"_s, 3}}).isEmpty());
        QVERIFY(!sales.remove(u"lead"_s, pilot));
        QVERIFY(sales.save(u"insight"_s, QString(), {{u"kind"_s, u"need"_s}, {u"text"_s, u"x"_s}}).isEmpty());
        QVERIFY(sales.setLeadStatus(pilot, u"accepted"_s, u"Meeting booked"_s));
        QVERIFY(sales.errorMessage().isEmpty());
        const QVariantMap stored = sales.fields(u"lead"_s, pilot);
        QCOMPARE(stored.value(u"status"_s).toString(), u"accepted"_s);
        QCOMPARE(stored.value(u"outcome"_s).toString(), u"Meeting booked"_s);
        QCOMPARE(stored.value(u"recommendation"_s).toString(), u"Offer a pilot"_s);
        QCOMPARE(stored.value(u"priority"_s).toInt(), 2);

        leads.setStatus(u"open"_s);
        QCOMPARE(leads.rowCount(), 1); // acme's open one: "Revisit"
        QCOMPARE(leads.data(leads.index(0, 0), LeadListModel::RecommendationRole).toString(), u"Revisit"_s);
        leads.setStatus(u"accepted"_s);
        QCOMPARE(leads.rowCount(), 1);
        QCOMPARE(leads.data(leads.index(0, 0), LeadListModel::OutcomeRole).toString(), u"Meeting booked"_s);

        // A marketer clears the priority of a lead.
        QVERIFY(!marketing.saveLead(cto, globex, u"Call the CTO soon"_s, 0, QString()).isEmpty());
        QVERIFY(!marketing.fields(u"lead"_s, cto).contains(u"priority"_s)
                || marketing.fields(u"lead"_s, cto).value(u"priority"_s).isNull());

        m_session->lock();
        QCOMPARE(leads.rowCount(), 0);
        m_session->unlockWithKeystore();
        QTRY_COMPARE(leads.rowCount(), 1);
    }

    void changePassphrase()
    {
        QSignalSpy changed(m_session.get(), &Session::passphraseChanged);
        const QString next = u"lantern meadow copper violin"_s;
        m_session->changePassphrase(m_passphrase, next, next);
        QTRY_COMPARE(changed.count(), 1);
        m_session->lock();
        m_session->unlock(next);
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
    }

    void cleanupTestCase() { m_session.reset(); }
};

QTEST_MAIN(TestViewModels)
#include "tst_viewmodels.moc"
