#include "base/securebuffer.h"
#include "store/store.h"

#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** Tests the store's queries for the app's view models: filters, counts, paging and search by conversation. */
class TestStoreQueries : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    QString m_acme;
    QString m_globex;
    QString m_tagPrice;
    QString m_older; // Acme, 2026-01-10, two insights (need + tag, pain)
    QString m_newer; // Globex, 2026-03-05, one published competitor insight
    QString m_undated; // Acme, no time, no insights

    QString put(Entity entity, const QJsonObject &fields)
    {
        auto id = m_store->put(entity, QString(), fields);
        if (!id)
            qFatal("put failed");
        return *id;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString dir = m_dir.filePath(u"store"_s);
        QVERIFY(QDir().mkpath(dir));
        auto store = Store::create(dir, SecureBuffer::random(32));
        QVERIFY(store.ok());
        m_store = std::move(*store);

        m_acme = put(Entity::Account, {{u"name"_s, u"Acme Tools"_s}, {u"domain"_s, u"acme.example"_s}});
        m_globex = put(Entity::Account, {{u"name"_s, u"globex"_s}});
        m_tagPrice = put(Entity::Tag, {{u"name"_s, u"pricing"_s}});
        m_older = put(Entity::Conversation, {{u"account_id"_s, m_acme},
                                             {u"title"_s, u"Plant visit"_s},
                                             {u"occurred_at"_s, u"2026-01-10T09:00:00Z"_s},
                                             {u"channel"_s, u"in_person"_s},
                                             {u"notes"_s, u"They want faster calibration"_s}});
        m_newer = put(Entity::Conversation, {{u"account_id"_s, m_globex},
                                             {u"title"_s, u"Trade fair chat"_s},
                                             {u"occurred_at"_s, u"2026-03-05T14:00:00Z"_s},
                                             {u"channel"_s, u"event"_s}});
        m_undated = put(Entity::Conversation, {{u"account_id"_s, m_acme}, {u"title"_s, u"Call"_s}});
        put(Entity::Insight, {{u"conversation_id"_s, m_older},
                              {u"account_id"_s, m_acme},
                              {u"kind"_s, u"need"_s},
                              {u"text"_s, u"Calibration in minutes"_s},
                              {u"importance"_s, 4},
                              {u"tags"_s, QJsonArray{m_tagPrice}}});
        put(Entity::Insight, {{u"conversation_id"_s, m_older},
                              {u"account_id"_s, m_acme},
                              {u"kind"_s, u"pain"_s},
                              {u"text"_s, u"Downtime"_s}});
        put(Entity::Insight, {{u"conversation_id"_s, m_newer},
                              {u"account_id"_s, m_globex},
                              {u"kind"_s, u"competitor"_s},
                              {u"text"_s, u"Looks at Initech turbines"_s},
                              {u"published"_s, true}});
        put(Entity::Lead, {{u"account_id"_s, m_acme}, {u"recommendation"_s, u"Offer a pilot"_s}});
        put(Entity::Lead, {{u"account_id"_s, m_acme}, {u"recommendation"_s, u"Old"_s}, {u"status"_s, u"done"_s}});
    }

    void conversationsNewestFirstWithCounts()
    {
        auto rows = m_store->conversationSummaries({});
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 3);
        QCOMPARE(rows->at(0).id, m_newer);
        QCOMPARE(rows->at(0).accountName, u"globex"_s);
        QCOMPARE(rows->at(0).insightCount, 1);
        QCOMPARE(rows->at(1).id, m_older);
        QCOMPARE(rows->at(1).insightCount, 2);
        QCOMPARE(rows->at(1).channel, u"in_person"_s);
        QCOMPARE(rows->at(2).id, m_undated); // no time: last
    }

    void conversationFilters_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("expected");
        QTest::newRow("account") << u"account"_s << u"acme"_s << 2;
        QTest::newRow("kind") << u"kind"_s << u"competitor"_s << 1;
        QTest::newRow("kind none") << u"kind"_s << u"trend"_s << 0;
        QTest::newRow("tag") << u"tag"_s << u"price"_s << 1;
        QTest::newRow("from") << u"from"_s << u"2026-02-01T00:00:00Z"_s << 1;
        QTest::newRow("to") << u"to"_s << u"2026-02-01T00:00:00Z"_s << 1;
    }

    void conversationFilters()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(int, expected);
        Store::ConversationFilter filter;
        if (field == u"account"_s)
            filter.accountId = m_acme;
        else if (field == u"kind"_s)
            filter.kind = value;
        else if (field == u"tag"_s)
            filter.tagId = m_tagPrice;
        else if (field == u"from"_s)
            filter.from = value;
        else
            filter.to = value;
        auto rows = m_store->conversationSummaries(filter);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), expected);
    }

    void conversationPaging()
    {
        Store::ConversationFilter filter;
        filter.limit = 2;
        auto first = m_store->conversationSummaries(filter);
        filter.offset = 2;
        auto second = m_store->conversationSummaries(filter);
        QVERIFY(first.ok() && second.ok());
        QCOMPARE(first->size(), 2);
        QCOMPARE(second->size(), 1);
        QCOMPARE(second->at(0).id, m_undated);
    }

    void conversationsByIdsKeepTheirOrder()
    {
        Store::ConversationFilter filter;
        filter.ids = QStringList{m_undated, m_newer};
        auto rows = m_store->conversationSummaries(filter);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 2);
        QCOMPARE(rows->at(0).id, m_undated);
        filter.ids = QStringList{};
        QVERIFY(m_store->conversationSummaries(filter)->isEmpty());
    }

    void insightFilters()
    {
        auto all = m_store->insightSummaries({});
        QVERIFY(all.ok());
        QCOMPARE(all->size(), 3);
        QCOMPARE(all->at(0).kind, u"competitor"_s); // newest change first
        QVERIFY(all->at(0).published);
        QCOMPARE(all->at(0).accountName, u"globex"_s);

        Store::InsightFilter filter;
        filter.published = false;
        QCOMPARE(m_store->insightSummaries(filter)->size(), 2);
        filter.tagId = m_tagPrice;
        auto tagged = m_store->insightSummaries(filter);
        QCOMPARE(tagged->size(), 1);
        QCOMPARE(tagged->at(0).importance, 4);
        QCOMPARE(tagged->at(0).tagIds, QStringList{m_tagPrice});
        Store::InsightFilter byConversation;
        byConversation.conversationId = m_older;
        QCOMPARE(m_store->insightSummaries(byConversation)->size(), 2);
        Store::InsightFilter byAccount;
        byAccount.accountId = m_globex;
        QCOMPARE(m_store->insightSummaries(byAccount)->size(), 1);
        Store::InsightFilter byKind;
        byKind.kind = u"pain"_s;
        QCOMPARE(m_store->insightSummaries(byKind)->size(), 1);
    }

    void accountsWithCounts()
    {
        auto rows = m_store->accountSummaries(QString(), 50, 0);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 2);
        QCOMPARE(rows->at(0).name, u"Acme Tools"_s);
        QCOMPARE(rows->at(0).conversationCount, 2);
        QCOMPARE(rows->at(0).insightCount, 2);
        QCOMPARE(rows->at(0).openLeadCount, 1);
        QCOMPARE(m_store->accountSummaries(u"GLOB"_s, 50, 0)->size(), 1);
        QCOMPARE(m_store->accountSummaries(u"%"_s, 50, 0)->size(), 0); // not a wildcard
        QCOMPARE(m_store->accountSummaries(QString(), 1, 1)->constFirst().name, u"globex"_s);
    }

    void leadsFilteredAndOrdered()
    {
        const QString first = put(Entity::Lead, {{u"account_id"_s, m_globex},
                                                 {u"recommendation"_s, u"Call the CTO"_s},
                                                 {u"priority"_s, 1},
                                                 {u"horizon"_s, u"now"_s}});
        const QString third = put(Entity::Lead, {{u"account_id"_s, m_globex},
                                                 {u"recommendation"_s, u"Revisit next year"_s},
                                                 {u"priority"_s, 3},
                                                 {u"status"_s, u"accepted"_s},
                                                 {u"outcome"_s, u"Meeting booked"_s}});

        // By priority: 1, 3, then the two without one (newest change first).
        auto rows = m_store->leadSummaries({});
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 4);
        QCOMPARE(rows->at(0).id, first);
        QCOMPARE(rows->at(0).accountName, u"globex"_s);
        QCOMPARE(rows->at(0).priority, 1);
        QCOMPARE(rows->at(0).horizon, u"now"_s);
        QCOMPARE(rows->at(0).status, u"open"_s); // no status is open
        QCOMPARE(rows->at(1).id, third);
        QCOMPARE(rows->at(1).outcome, u"Meeting booked"_s);
        QCOMPARE(rows->at(2).priority, 0);
        QCOMPARE(rows->at(2).recommendation, u"Old"_s);
        QCOMPARE(rows->at(3).recommendation, u"Offer a pilot"_s);

        Store::LeadFilter newest;
        newest.order = Store::LeadFilter::Order::Newest;
        QCOMPARE(m_store->leadSummaries(newest)->at(0).id, third);
        QVERIFY(m_store->put(Entity::Lead, first, {{u"status"_s, u"declined"_s}}).ok());
        QCOMPARE(m_store->leadSummaries(newest)->at(0).id, first); // a change makes it the newest

        Store::LeadFilter open;
        open.status = u"open"_s;
        QCOMPARE(m_store->leadSummaries(open)->size(), 1);
        QCOMPARE(m_store->leadSummaries(open)->at(0).recommendation, u"Offer a pilot"_s);
        Store::LeadFilter ofGlobex;
        ofGlobex.accountId = m_globex.toUpper(); // ids match in any case
        QCOMPARE(m_store->leadSummaries(ofGlobex)->size(), 2);
        ofGlobex.status = u"declined"_s;
        QCOMPARE(m_store->leadSummaries(ofGlobex)->size(), 1);
        Store::LeadFilter page;
        page.limit = 1;
        page.offset = 1;
        QCOMPARE(m_store->leadSummaries(page)->constFirst().id, third);

        QVERIFY(m_store->remove(Entity::Lead, first).ok());
        QVERIFY(m_store->remove(Entity::Lead, third).ok());
        QCOMPARE(m_store->leadSummaries({})->size(), 2);
    }

    void searchFindsConversationsThroughInsights()
    {
        auto byNotes = m_store->searchConversations(u"calibration"_s, 10);
        QVERIFY(byNotes.ok());
        // The notes and the insight both match: one conversation, once.
        QCOMPARE(byNotes->size(), 1);
        QCOMPARE(byNotes->at(0).conversationId, m_older);
        QVERIFY(!byNotes->at(0).hit.highlights.isEmpty());

        auto byInsight = m_store->searchConversations(u"initech"_s, 10);
        QVERIFY(byInsight.ok());
        QCOMPARE(byInsight->size(), 1);
        QCOMPARE(byInsight->at(0).conversationId, m_newer);

        QVERIFY(m_store->searchConversations(u"acme"_s, 10)->isEmpty()); // an account is not a conversation
        QVERIFY(m_store->searchConversations(u"\"*("_s, 10)->isEmpty());
    }

    void deletedRecordsAreLeftOut()
    {
        const QString gone = put(Entity::Conversation, {{u"title"_s, u"Temporary"_s}});
        QCOMPARE(m_store->conversationSummaries({})->size(), 4);
        QVERIFY(m_store->remove(Entity::Conversation, gone).ok());
        QCOMPARE(m_store->conversationSummaries({})->size(), 3);
    }

    void deletedChildrenAreNotCounted()
    {
        // The counts read only the parent-id indexes (issue 5): a tombstone must carry no parent id.
        const auto counts = [&] {
            int conversation = -1;
            for (const auto &row : *m_store->conversationSummaries({})) {
                if (row.id == m_newer)
                    conversation = row.insightCount;
            }
            int account = -1;
            for (const auto &row : *m_store->accountSummaries(QString(), 50, 0)) {
                if (row.id == m_globex)
                    account = row.insightCount;
            }
            return std::pair{conversation, account};
        };
        QCOMPARE(counts(), std::pair(1, 1));
        const QString extra = put(Entity::Insight, {{u"conversation_id"_s, m_newer},
                                                    {u"account_id"_s, m_globex},
                                                    {u"kind"_s, u"need"_s},
                                                    {u"text"_s, u"Spare parts"_s}});
        QCOMPARE(counts(), std::pair(2, 2));
        QVERIFY(m_store->remove(Entity::Insight, extra).ok());
        QCOMPARE(counts(), std::pair(1, 1));
    }

    void cleanupTestCase() { m_store.reset(); }
};

QTEST_GUILESS_MAIN(TestStoreQueries)
#include "tst_storequeries.moc"
