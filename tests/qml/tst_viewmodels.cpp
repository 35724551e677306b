#include "accountlistmodel.h"
#include "conversationeditor.h"
#include "conversationlistmodel.h"
#include "insightlistmodel.h"
#include "leadlistmodel.h"
#include "recordactions.h"
#include "recordlistmodel.h"
#include "session.h"

#include "platform/keystoreblocking.h"
#include "platform/memorykeystore.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTest>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::app;

namespace {

/** A SessionListModel over (key, value) rows the test hands it: updateRows() on any change of a list. */
class KeyedListModel final : public SessionListModel
{
public:
    using Row = std::pair<QString, QString>;

    void show(const QList<Row> &rows)
    {
        m_next = rows;
        filterChanged();
    }
    QList<Row> rows() const { return m_rows; }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
            return {};
        const Row &row = m_rows.at(index.row());
        return role == Qt::UserRole ? row.first : role == Qt::DisplayRole ? row.second : QVariant();
    }

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int) override
    {
        m_staged = offset == 0 ? m_next : QList<Row>();
        return m_staged.size();
    }
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override { m_rows.append(std::exchange(m_staged, {})); }
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &) const override { return false; }
    bool paged() const override { return false; }
    void replaceWithStaged() override
    {
        updateRows(m_rows, std::exchange(m_staged, {}), [](const Row &row) { return row.first; },
                   [](const Row &before, const Row &after) {
                       return before.second == after.second ? QList<int>() : QList<int>{Qt::DisplayRole};
                   });
    }

private:
    QList<Row> m_rows;
    QList<Row> m_staged;
    QList<Row> m_next;
};

/// The length of the longest strictly increasing subsequence, the plain O(n^2) way.
qsizetype longestIncreasing(const QList<qsizetype> &values)
{
    QList<qsizetype> length(values.size(), 1);
    qsizetype best = 0;
    for (qsizetype i = 0; i < values.size(); ++i) {
        for (qsizetype j = 0; j < i; ++j) {
            if (values.at(j) < values.at(i))
                length[i] = std::max(length.at(i), length.at(j) + 1);
        }
        best = std::max(best, length.at(i));
    }
    return best;
}

} // namespace

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

    /// Every role of every row, as QML sees them.
    static QList<QVariantMap> rowsOf(const ConversationListModel &model)
    {
        QList<QVariantMap> rows;
        const QHash<int, QByteArray> roles = model.roleNames();
        for (int row = 0; row < model.rowCount(); ++row) {
            QVariantMap values;
            for (auto it = roles.begin(); it != roles.end(); ++it)
                values.insert(QString::fromLatin1(it.value()), model.data(model.index(row, 0), it.key()));
            rows << values;
        }
        return rows;
    }

    /**
     * Types `text` into `model`: no reset, every conversation that stays keeps its persistent index, the others'
     * become invalid, and the rows are those of a model that searched for `text` from scratch.
     */
    void search(ConversationListModel &model, const QString &text)
    {
        QSignalSpy resets(&model, &QAbstractItemModel::modelAboutToBeReset);
        QList<std::pair<QString, QPersistentModelIndex>> before;
        for (int row = 0; row < model.rowCount(); ++row)
            before.append({model.data(model.index(row, 0), ConversationListModel::IdRole).toString(),
                           QPersistentModelIndex(model.index(row, 0))});
        model.setSearchText(text);
        QCOMPARE(resets.count(), 0);

        ConversationListModel fresh;
        fresh.setSearchText(text);
        fresh.setSession(m_session.get());
        QCOMPARE(rowsOf(model), rowsOf(fresh));
        for (const auto &[id, index] : std::as_const(before)) {
            if (fresh.indexOf(id) >= 0) {
                QVERIFY2(index.isValid(), qPrintable(id));
                QCOMPARE(index.data(ConversationListModel::IdRole).toString(), id);
            } else {
                QVERIFY2(!index.isValid(), qPrintable(id));
            }
        }
    }

    // The store as the previous version left it: schema 4, a search table without prefix indexes.
    static void downgradeToSchema4(MemoryKeyStore &keyStore, const QString &dir)
    {
        auto key = readSecretBlocking(keyStore, StoreDirectory::keystoreEntry(dir));
        QVERIFY(key.ok());
        auto db = Database::open(Store::databaseFiles(dir).constFirst(), *key, Database::OpenMode::Existing);
        QVERIFY(db.ok());
        QVERIFY(db->exec("DROP TABLE search;"
                         "CREATE VIRTUAL TABLE search USING fts5 (title, body, extra,"
                         " tokenize = 'unicode61 remove_diacritics 2');"
                         "DROP TABLE search_backlog;"
                         "PRAGMA user_version = 4;")
                    .ok());
    }

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
        // No guide yet: the first conversation writes it (a device that captures nothing, a sales rep's, never does,
        // as the server would refuse it).
        QCOMPARE(m_session->store()->list(Entity::Guide)->size(), 0);
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

    void aStoreIsOpenedAndUpgradedInAWorker()
    {
        m_session->lock();
        downgradeToSchema4(m_keyStore, storeDir());
        if (QTest::currentTestFailed())
            return;
        QSignalSpy upgrading(m_session.get(), &Session::upgradingChanged);
        QSignalSpy opened(m_session.get(), &Session::storeOpened);
        m_session->unlockWithKeystore();
        QVERIFY(m_session->busy());
        QTRY_COMPARE(upgrading.count(), 1); // the key came: the page says what the wait is for
        QVERIFY(m_session->upgrading());
        QVERIFY(m_session->busy());
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
        QVERIFY(!m_session->upgrading());
        QVERIFY(!m_session->busy());
        QCOMPARE(upgrading.count(), 2);
        QCOMPARE(opened.count(), 1);
        QCOMPARE(*Store::needsUpgrade(storeDir(), *readSecretBlocking(m_keyStore, StoreDirectory::keystoreEntry(storeDir()))),
                 false);
        QVERIFY(m_session->store()->search(u"pr"_s).ok());

        // A lock() while the store is being opened wins: what the worker opened is closed again, not adopted.
        m_session->lock();
        downgradeToSchema4(m_keyStore, storeDir());
        if (QTest::currentTestFailed())
            return;
        const auto connection = connect(m_session.get(), &Session::upgradingChanged, this, [this] {
            if (m_session->upgrading())
                m_session->lock(); // the user walks away while the page says it is upgrading
        });
        m_session->unlockWithKeystore();
        QTRY_COMPARE(upgrading.count(), 3);
        QTRY_VERIFY(!m_session->busy());
        disconnect(connection);
        QVERIFY(!m_session->upgrading());
        QCOMPARE(m_session->state(), Session::State::Locked);
        QVERIFY(m_session->store() == nullptr);
        QCOMPARE(opened.count(), 1);
        m_session->unlockWithKeystore();
        QTRY_COMPARE(m_session->state(), Session::State::Unlocked);
        QCOMPARE(opened.count(), 2);
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
        QVERIFY(editor.guideQuestions().size() >= 5); // the default guide's, before it is written
        const QStringList shown = editor.guideQuestions();
        const QString id = editor.createNew();
        QVERIFY(!id.isEmpty());
        // The first conversation wrote the guide it showed.
        auto guides = m_session->store()->list(Entity::Guide);
        QCOMPARE(guides->size(), 1);
        QCOMPARE(guides->constFirst().id, Session::defaultGuideId()); // the same record on every device
        QCOMPARE(guides->constFirst().fields.value(u"questions"_s).toArray().size(), shown.size());
        QCOMPARE(editor.guideQuestions(), shown);
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

    void aDeletedDefaultGuideIsNotWrittenAgain()
    {
        // Someone in the team deleted the default guide, and this device has pulled that: a new conversation leaves
        // it deleted, reports no error, and capture shows the built-in questions.
        Store *store = m_session->store();
        QVERIFY(store->remove(Entity::Guide, Session::defaultGuideId()).ok());
        QCOMPARE(store->list(Entity::Guide)->size(), 0);
        const QString errorBefore = m_session->errorMessage();
        ConversationEditor editor;
        editor.setSession(m_session.get());
        const QString id = editor.createNew();
        QVERIFY(!id.isEmpty());
        QCOMPARE(store->list(Entity::Guide)->size(), 0);
        QCOMPARE(m_session->errorMessage(), errorBefore);
        QCOMPARE(editor.guideQuestions(), Session::defaultGuideQuestions());
        editor.close();
        QVERIFY(store->remove(Entity::Conversation, id).ok()); // the tests below count conversations
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

    void conversationSearchUpdatesRowsInPlace()
    {
        // Four conversations (no account, no insight: later tests count those) whose order depends on the word
        // searched: a title weighs five times the notes.
        ConversationEditor editor;
        editor.setSession(m_session.get());
        const auto create = [&](const QString &title, const QString &notes) {
            const QString id = editor.createNew();
            editor.setTitle(title);
            editor.setNotes(notes);
            return editor.save() ? id : QString();
        };
        const QString a = create(u"Quokka marimba review"_s, u"Notes on a zephyr."_s);
        const QString b = create(u"Zephyr planning"_s, u"Quokka and marimba."_s);
        const QString c = create(u"Marimba"_s, u"Quokka."_s);
        const QString d = create(u"Other"_s, u"Zephyr and marimba."_s);
        QVERIFY(!a.isEmpty() && !b.isEmpty() && !c.isEmpty() && !d.isEmpty());
        editor.close();

        ConversationListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSession(m_session.get());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);

        search(model, u"quokka"_s);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.indexOf(a), 0); // by its title
        QVERIFY(model.indexOf(d) < 0);
        const QPersistentModelIndex rowA(model.index(0, 0));
        QVERIFY(rowA.data(ConversationListModel::SnippetHtmlRole).toString().contains(u"<b>Quokka</b>"_s));

        // a, b and c stay, d comes in; a's snippet now highlights the new word, in place.
        changed.clear();
        search(model, u"marimba"_s);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(model.rowCount(), 4);
        QVERIFY(rowA.isValid());
        QCOMPARE(rowA.data(ConversationListModel::IdRole).toString(), a);
        QVERIFY(rowA.data(ConversationListModel::SnippetHtmlRole).toString().contains(u"<b>marimba</b>"_s));
        const bool snippetSignalled = std::any_of(changed.begin(), changed.end(), [&](const QList<QVariant> &args) {
            const auto top = args.at(0).toModelIndex();
            const auto bottom = args.at(1).toModelIndex();
            const auto roles = args.at(2).value<QList<int>>();
            return top.row() <= rowA.row() && rowA.row() <= bottom.row()
                   && roles.contains(ConversationListModel::SnippetHtmlRole);
        });
        QVERIFY(snippetSignalled);

        // c leaves, b's title puts it first: a move, not a new row.
        moved.clear();
        search(model, u"zephyr"_s);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(model.indexOf(b), 0);
        QVERIFY(model.indexOf(c) < 0);
        QVERIFY(moved.count() > 0);

        // A one-letter word being typed asks the store nothing new: no signal at all.
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        changed.clear();
        moved.clear();
        search(model, u"zephyr m"_s);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(inserted.count() + removed.count() + moved.count() + changed.count(), 0);

        // Back to the whole list, newest first; one letter keeps it whole, and it still pages.
        search(model, QString());
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(model.rowCount(), ConversationListModel::kPageSize);
        QVERIFY(model.canFetchMore({}));
        inserted.clear();
        removed.clear();
        changed.clear();
        model.setSearchText(u"q"_s);
        QCOMPARE(inserted.count() + removed.count() + changed.count(), 0);
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QVERIFY(model.rowCount() > ConversationListModel::kPageSize);
        model.setSearchText(QString());
    }

    void updateRowsMatchesAnyChange()
    {
        // Random lists into random lists: the result is the new list, rows that stay keep their persistent index,
        // those that go lose it, a row moves only if it must (rows that stay minus the longest run in order), and
        // dataChanged names exactly the rows whose value changed.
        KeyedListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelAboutToBeReset);
        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QRandomGenerator random(20261128);
        for (int round = 0; round < 300; ++round) {
            QList<KeyedListModel::Row> next;
            for (int key = 0; key < 40; ++key) {
                if (random.bounded(3) == 0)
                    next.append({u"k%1"_s.arg(key), u"v%1"_s.arg(random.bounded(3))});
            }
            std::shuffle(next.begin(), next.end(), random);
            if (round % 7 == 0) // sometimes the same order, to check that nothing moves then
                std::sort(next.begin(), next.end());

            const QList<KeyedListModel::Row> before = model.rows();
            QHash<QString, qsizetype> target;
            for (qsizetype i = 0; i < next.size(); ++i)
                target.insert(next.at(i).first, i);
            QList<qsizetype> order;
            int valuesChanged = 0;
            QList<QPersistentModelIndex> indexes;
            for (qsizetype row = 0; row < before.size(); ++row) {
                indexes << QPersistentModelIndex(model.index(int(row), 0));
                if (target.contains(before.at(row).first)) {
                    order << target.value(before.at(row).first);
                    valuesChanged += next.at(order.constLast()).second != before.at(row).second ? 1 : 0;
                }
            }
            moved.clear();
            changed.clear();
            model.show(next);

            QCOMPARE(model.rows(), next);
            QCOMPARE(moved.count(), order.size() - longestIncreasing(order));
            int rowsChanged = 0;
            for (const QList<QVariant> &args : std::as_const(changed))
                rowsChanged += args.at(1).toModelIndex().row() - args.at(0).toModelIndex().row() + 1;
            QCOMPARE(rowsChanged, valuesChanged);
            for (qsizetype row = 0; row < before.size(); ++row) {
                const QString key = before.at(row).first;
                QCOMPARE(indexes.at(row).isValid(), target.contains(key));
                if (target.contains(key))
                    QCOMPARE(indexes.at(row).row(), int(target.value(key)));
            }
        }
        QCOMPARE(resets.count(), 0);

        // Keys that are not unique: a reset, and still the new list.
        model.show({{u"x"_s, u"1"_s}, {u"x"_s, u"2"_s}});
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rows().size(), 2);
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
