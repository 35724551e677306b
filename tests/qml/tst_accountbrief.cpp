#include "accountbrief.h"
#include "session.h"

#include "base/securebuffer.h"
#include "platform/memorykeystore.h"
#include "store/store.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::app;

/**
 * Tests the account brief: grouping by kind, quotes, open leads, contacts and the last conversation, its Markdown
 * and PDF, and a sales rep's store (published insights, no conversations).
 */
class TestAccountBrief : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    QString m_acme;
    const QDateTime m_now = QDateTime(QDate(2026, 11, 28), QTime(9, 30), Qt::UTC);

    static std::unique_ptr<Store> makeStore(const QString &dir)
    {
        if (!QDir().mkpath(dir))
            qFatal("mkpath");
        auto store = Store::create(dir, SecureBuffer::random(32));
        if (!store)
            qFatal("cannot create the store");
        return std::move(*store);
    }
    QString put(Store &store, Entity entity, const QJsonObject &fields)
    {
        auto id = store.put(entity, QString(), fields);
        if (!id)
            qFatal("put failed");
        return *id;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        m_store = makeStore(m_dir.filePath(u"marketing"_s));
        Store &s = *m_store;
        m_acme = put(s, Entity::Account, {{u"name"_s, u"Acme Tools"_s},
                                          {u"domain"_s, u"acme.example"_s},
                                          {u"segment"_s, u"Industrial"_s}});
        const QString other = put(s, Entity::Account, {{u"name"_s, u"Globex"_s}});
        const QString visit = put(s, Entity::Conversation, {{u"account_id"_s, m_acme},
                                                            {u"title"_s, u"Plant visit"_s},
                                                            {u"occurred_at"_s, u"2026-01-10T09:00:00Z"_s},
                                                            {u"channel"_s, u"in_person"_s},
                                                            {u"notes"_s, u"SECRET NOTES never in a brief"_s}});
        put(s, Entity::Conversation, {{u"account_id"_s, m_acme},
                                      {u"title"_s, u"Fair chat"_s},
                                      {u"occurred_at"_s, u"2026-03-05T14:00:00Z"_s},
                                      {u"channel"_s, u"event"_s}});
        // Written in this order: the newest change is the last one.
        put(s, Entity::Insight, {{u"conversation_id"_s, visit}, {u"account_id"_s, m_acme}, {u"kind"_s, u"need"_s},
                                 {u"text"_s, u"Calibration in minutes"_s}, {u"importance"_s, 2},
                                 {u"quote"_s, u"We lose a shift to calibration"_s}, {u"published"_s, true}});
        put(s, Entity::Insight, {{u"account_id"_s, m_acme}, {u"kind"_s, u"pain"_s}, {u"text"_s, u"Downtime"_s}});
        put(s, Entity::Insight, {{u"account_id"_s, m_acme}, {u"kind"_s, u"need"_s},
                                 {u"text"_s, u"Remote diagnostics"_s}, {u"importance"_s, 5},
                                 {u"published"_s, true}});
        put(s, Entity::Insight, {{u"account_id"_s, m_acme}, {u"kind"_s, u"competitor"_s},
                                 {u"text"_s, u"# Looks at Initech"_s}, {u"quote"_s, u"Initech called twice"_s},
                                 {u"published"_s, true}});
        put(s, Entity::Insight, {{u"account_id"_s, other}, {u"kind"_s, u"trend"_s}, {u"text"_s, u"Not Acme's"_s}});
        put(s, Entity::Lead, {{u"account_id"_s, m_acme}, {u"recommendation"_s, u"Offer a pilot"_s},
                              {u"priority"_s, 1}, {u"horizon"_s, u"now"_s}, {u"status"_s, u"open"_s}});
        put(s, Entity::Lead, {{u"account_id"_s, m_acme}, {u"recommendation"_s, u"Done already"_s},
                              {u"status"_s, u"done"_s}});
        put(s, Entity::Contact, {{u"account_id"_s, m_acme}, {u"name"_s, u"Jane Roe"_s}, {u"title"_s, u"CTO"_s},
                                 {u"email"_s, u"jane@acme.example"_s}});
    }

    void groupsByKind()
    {
        auto brief = AccountBrief::build(*m_store, m_acme, false, m_now);
        QVERIFY(brief.ok());
        QCOMPARE(brief->name, u"Acme Tools"_s);
        // In the kinds' order, only kinds that have insights, only this account's.
        QCOMPARE(brief->groups.size(), 3);
        QCOMPARE(brief->groups.at(0).kind, u"need"_s);
        QCOMPARE(brief->groups.at(0).title, u"Needs"_s);
        QCOMPARE(brief->groups.at(1).kind, u"pain"_s);
        QCOMPARE(brief->groups.at(2).kind, u"competitor"_s);
        // Most important first within a kind.
        QCOMPARE(brief->groups.at(0).insights.size(), 2);
        QCOMPARE(brief->groups.at(0).insights.at(0).text, u"Remote diagnostics"_s);
        QCOMPARE(brief->groups.at(0).insights.at(1).text, u"Calibration in minutes"_s);
        // Quotes: newest first.
        QCOMPARE(brief->quotes.size(), 2);
        QCOMPARE(brief->quotes.at(0).quote, u"Initech called twice"_s);
        QCOMPARE(brief->quotes.at(1).quote, u"We lose a shift to calibration"_s);
        // Open leads only; contacts; the newest conversation.
        QCOMPARE(brief->openLeads.size(), 1);
        QCOMPARE(brief->openLeads.at(0).recommendation, u"Offer a pilot"_s);
        QCOMPARE(brief->contacts.size(), 1);
        QVERIFY(brief->lastConversation.has_value());
        QCOMPARE(brief->lastConversation->title, u"Fair chat"_s);

        // What sales sees: published only.
        auto published = AccountBrief::build(*m_store, m_acme, true, m_now);
        QVERIFY(published.ok());
        QCOMPARE(published->groups.size(), 2); // need, competitor: the pain is not published
        QCOMPARE(published->groups.at(0).insights.size(), 2);

        auto missing = AccountBrief::build(*m_store, u"00000000-0000-4000-8000-000000000000"_s, false, m_now);
        QVERIFY(missing.ok());
        QVERIFY(missing->name.isEmpty());
    }

    void markdown()
    {
        auto brief = AccountBrief::build(*m_store, m_acme, false, m_now);
        QVERIFY(brief.ok());
        const QString md = AccountBrief::toMarkdown(*brief);
        const QString expected = uR"(# Acme Tools: account brief

acme.example · Industrial

_Prepared 2026-11-28 09:30 with Fieldnotes._

## Open leads

- **High priority · Now:** Offer a pilot

## Insights

### Needs

- Remote diagnostics _(importance 5/5)_
- Calibration in minutes _(importance 2/5)_

### Pains

- Downtime _(not published to sales)_

### Competitors

- \# Looks at Initech

## Latest quotes

> “Initech called twice”
>
> — Competitor

> “We lose a shift to calibration”
>
> — Need

## Contacts

- **Jane Roe**, CTO · jane@acme.example

## Last conversation

Fair chat — 2026-03-05 14:00 · Event
)"_s;
        QCOMPARE(md, expected);
        QVERIFY(!md.contains(u"SECRET"_s)); // notes never
        QVERIFY(!md.contains(u"Not Acme's"_s));
        QVERIFY(!md.contains(u"Done already"_s));
    }

    void pdfIsWritten()
    {
        auto brief = AccountBrief::build(*m_store, m_acme, false, m_now);
        QVERIFY(brief.ok());
        const QString html = AccountBrief::toHtml(*brief);
        QVERIFY(html.contains(u"<h3>Needs</h3>"_s));
        QVERIFY(html.contains(u"Remote diagnostics"_s));
        QVERIFY(!html.contains(u"SECRET"_s));

        const QString path = m_dir.filePath(u"brief.pdf"_s);
        QVERIFY(AccountBrief::writePdf(*brief, path).ok());
        QFile pdf(path);
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        const QByteArray bytes = pdf.readAll();
        QVERIFY(bytes.size() > 1000);
        QVERIFY(bytes.startsWith("%PDF-"));
        QVERIFY(bytes.trimmed().endsWith("%%EOF"));

        const QString md = m_dir.filePath(u"brief.md"_s);
        QVERIFY(AccountBrief::writeMarkdown(*brief, md).ok());
        QFile file(md);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QString::fromUtf8(file.readAll()), AccountBrief::toMarkdown(*brief));

        // A folder that does not exist: an error, not a crash or an empty file.
        QVERIFY(!AccountBrief::writePdf(*brief, m_dir.filePath(u"missing/brief.pdf"_s)).ok());
        QVERIFY(!QFile::exists(m_dir.filePath(u"missing/brief.pdf"_s)));
    }

    void salesStore()
    {
        // What a sales rep's device holds: accounts, contacts, leads and published insights; no conversations.
        auto sales = makeStore(m_dir.filePath(u"sales"_s));
        const QString acme = put(*sales, Entity::Account, {{u"name"_s, u"Acme Tools"_s}});
        put(*sales, Entity::Insight, {{u"account_id"_s, acme}, {u"conversation_id"_s, acme.left(35) + u'0'},
                                      {u"kind"_s, u"value"_s}, {u"text"_s, u"Values uptime"_s},
                                      {u"published"_s, true}});
        auto brief = AccountBrief::build(*sales, acme, false, m_now);
        QVERIFY(brief.ok());
        QCOMPARE(brief->groups.size(), 1);
        QCOMPARE(brief->groups.at(0).title, u"What they value"_s);
        QVERIFY(!brief->lastConversation.has_value());
        QVERIFY(brief->openLeads.isEmpty());
        const QString md = AccountBrief::toMarkdown(*brief);
        QVERIFY(!md.contains(u"Last conversation"_s));
        QVERIFY(md.contains(u"No open leads."_s));
        QVERIFY(md.contains(u"No contacts yet."_s));
        QVERIFY(!md.contains(u"Latest quotes"_s));
        QVERIFY(AccountBrief::writePdf(*brief, m_dir.filePath(u"sales.pdf"_s)).ok());
    }

    void objectFollowsTheSession()
    {
        // The QML object: reads through the session, reloads on changes, empties when locked, exports to a file URL.
        const QString dir = m_dir.filePath(u"session"_s);
        auto store = makeStore(dir);
        const QString acme = put(*store, Entity::Account, {{u"name"_s, u"Acme/Tools: \"East\""_s}});
        MemoryKeyStore keyStore;
        Session session(dir, &keyStore);
        session.adoptStore(std::move(store));
        AccountBrief brief;
        QSignalSpy changed(&brief, &AccountBrief::contentChanged);
        brief.setSession(&session);
        brief.setAccountId(acme);
        QVERIFY(brief.found());
        QCOMPARE(brief.groups().size(), 0);
        QVERIFY(brief.lastConversation().isEmpty());

        QVERIFY(session.store()->put(Entity::Insight, QString(), {{u"account_id"_s, acme}, {u"kind"_s, u"need"_s},
                                                                  {u"text"_s, u"Faster"_s}}).ok());
        session.notifyRecordsChanged(Entity::Insight);
        QCOMPARE(brief.insightCount(), 1);
        QCOMPARE(brief.groups().constFirst().toMap().value(u"title"_s).toString(), u"Needs"_s);
        brief.setPublishedOnly(true);
        QCOMPARE(brief.insightCount(), 0);
        brief.setPublishedOnly(false);

        QCOMPARE(brief.suggestedFileName(u"md"_s), u"Acme_Tools_ _East_ brief.md"_s);
        const QUrl file = QUrl::fromLocalFile(m_dir.filePath(u"object.md"_s));
        QVERIFY(brief.exportMarkdown(file));
        QVERIFY(QFile(file.toLocalFile()).size() > 0);
        QVERIFY(!brief.exportPdf(QUrl(u"https://example.com/brief.pdf"_s)));
        QVERIFY(!brief.errorMessage().isEmpty());

        session.lock();
        QVERIFY(!brief.found()); // nothing of the data once locked
        QVERIFY(brief.groups().isEmpty());
        QVERIFY(!brief.exportMarkdown(file));
        QVERIFY(changed.count() >= 4);
    }
};

QTEST_MAIN(TestAccountBrief)
#include "tst_accountbrief.moc"
