#include "base/securebuffer.h"
#include "io/csvreader.h"
#include "io/exporter.h"
#include "store/store.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** Tests the open-format export: JSON round trip, CSV quoting and formula neutralisation, exact Markdown. */
class TestExporter : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    SecureBuffer m_key;
    int m_stores = 0;

    std::unique_ptr<Store> freshStore()
    {
        const QString dir = m_dir.filePath(u"store%1"_s.arg(++m_stores));
        QDir().mkpath(dir);
        auto store = Store::create(dir, m_key);
        if (!store) {
            qWarning() << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

    static QString put(Store &store, Entity entity, const QJsonObject &fields)
    {
        auto id = store.put(entity, {}, fields);
        if (!id) {
            qWarning() << id.error().message;
            return {};
        }
        return *id;
    }

    // A small store with every entity, Markdown-significant text and records tied to no account.
    static void fill(Store &store)
    {
        const QString acme = put(store, Entity::Account,
                                 {{u"name"_s, u"Acme Corp"_s},
                                  {u"domain"_s, u"acme.com"_s},
                                  {u"segment"_s, u"Manufacturing"_s},
                                  {u"owner_email"_s, u"rep@ourco.com"_s}});
        put(store, Entity::Account, {{u"name"_s, u"# Beta & Co"_s}});
        const QString alice = put(store, Entity::Contact,
                                  {{u"account_id"_s, acme},
                                   {u"name"_s, u"Alice Smith"_s},
                                   {u"title"_s, u"CTO"_s},
                                   {u"email"_s, u"alice@acme.com"_s}});
        const QString conversation = put(
            store, Entity::Conversation,
            {{u"account_id"_s, acme},
             {u"title"_s, u"Discovery call"_s},
             {u"occurred_at"_s, u"2026-11-28T09:30:00Z"_s},
             {u"channel"_s, u"in_person"_s},
             {u"consent"_s, true},
             {u"status"_s, u"final"_s},
             {u"contact_ids"_s, QJsonArray{alice}},
             {u"notes"_s, u"They buy twice a year.\r\n- budget is fixed\n\n# not a heading"_s}});
        put(store, Entity::Conversation,
            {{u"account_id"_s, acme},
             {u"title"_s, u"Follow-up"_s},
             {u"occurred_at"_s, u"2026-12-05T14:00:00Z"_s},
             {u"channel"_s, u"video"_s}});
        const QString pricing = put(store, Entity::Tag, {{u"name"_s, u"Pricing"_s}, {u"color"_s, u"#1E88E5"_s}});
        put(store, Entity::Tag, {{u"name"_s, u"Onboarding"_s}});
        put(store, Entity::Insight,
            {{u"account_id"_s, acme},
             {u"conversation_id"_s, conversation},
             {u"kind"_s, u"need"_s},
             {u"text"_s, u"Wants a fixed yearly price.\n1. for budgeting"_s},
             {u"quote"_s, u"We hate surprises."_s},
             {u"importance"_s, 4},
             {u"tags"_s, QJsonArray{pricing}},
             {u"published"_s, true}});
        put(store, Entity::Insight,
            {{u"account_id"_s, acme}, {u"kind"_s, u"competitor"_s}, {u"text"_s, u"Talks to Initech"_s}});
        put(store, Entity::Insight, {{u"kind"_s, u"trend"_s}, {u"text"_s, u"+ Market moves to SaaS"_s}});
        put(store, Entity::Lead,
            {{u"account_id"_s, acme},
             {u"recommendation"_s, u"Offer an annual plan"_s},
             {u"priority"_s, 1},
             {u"horizon"_s, u"quarter"_s},
             {u"status"_s, u"open"_s},
             {u"outcome"_s, u"Call booked\nfor May"_s}});
        put(store, Entity::Guide,
            {{u"title"_s, u"Discovery"_s},
             {u"questions"_s, QJsonArray{u"What do you buy today?"_s, u"# Who decides?"_s}}});
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_key = SecureBuffer::random(32);
    }

    void jsonRoundTrips()
    {
        auto store = freshStore();
        QVERIFY(store);
        fill(*store);
        const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
        auto json = Exporter::exportJson(*store);
        QVERIFY(json.ok());
        QJsonParseError error;
        const QJsonObject document = QJsonDocument::fromJson(*json, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(document.value(u"format"_s).toString(), u"fieldnotes-export"_s);
        QCOMPARE(document.value(u"version"_s).toInt(), 1);
        const QString exportedAt = document.value(u"exported_at"_s).toString();
        QVERIFY(exportedAt.endsWith(u'Z'));
        const QDateTime at = QDateTime::fromString(exportedAt, Qt::ISODate);
        QVERIFY(at.isValid());
        QVERIFY(at >= before && at <= QDateTime::currentDateTimeUtc().addSecs(1));

        const QJsonObject records = document.value(u"records"_s).toObject();
        QCOMPARE(records.keys(), [] {
            QStringList names = entityNames();
            names.sort();
            return names;
        }());
        for (const EntitySpec &spec : allEntities()) {
            QJsonArray expected;
            for (const Record &record : *store->list(spec.entity))
                expected.append(record.toJson());
            QCOMPARE(records.value(spec.name).toArray(), expected);
            QVERIFY(!expected.isEmpty());
        }

        auto insights = Exporter::exportJson(*store, Entity::Insight);
        QVERIFY(insights.ok());
        const QJsonObject only = QJsonDocument::fromJson(*insights).object().value(u"records"_s).toObject();
        QCOMPARE(only.keys(), QStringList{u"insight"_s});
        QCOMPARE(only.value(u"insight"_s).toArray().size(), 3);

        // Nothing deleted leaks into an export.
        const QString tagId = store->list(Entity::Tag)->constFirst().id;
        QVERIFY(store->remove(Entity::Tag, tagId).ok());
        const QJsonObject tags = QJsonDocument::fromJson(*Exporter::exportJson(*store, Entity::Tag)).object();
        QCOMPARE(tags.value(u"records"_s).toObject().value(u"tag"_s).toArray().size(), 1);
        QVERIFY(!QString::fromUtf8(*Exporter::exportJson(*store)).contains(tagId));
    }

    void csvCells()
    {
        QCOMPARE(Exporter::csvCell(QJsonValue::Undefined), QString());
        QCOMPARE(Exporter::csvCell(QJsonValue::Null), QString());
        QCOMPARE(Exporter::csvCell(true), u"true"_s);
        QCOMPARE(Exporter::csvCell(false), u"false"_s);
        QCOMPARE(Exporter::csvCell(3), u"3"_s);
        QCOMPARE(Exporter::csvCell(-3), u"'-3"_s);
        QCOMPARE(Exporter::csvCell(QJsonArray{u"a"_s, u"b"_s}), u"\"[\"\"a\"\",\"\"b\"\"]\""_s);
        QCOMPARE(Exporter::csvCell(QJsonArray{}), u"[]"_s);
        QCOMPARE(Exporter::csvCell(u"plain text"_s), u"plain text"_s);
        QCOMPARE(Exporter::csvCell(u"a,b"_s), u"\"a,b\""_s);
        QCOMPARE(Exporter::csvCell(u"say \"hi\""_s), u"\"say \"\"hi\"\"\""_s);
        QCOMPARE(Exporter::csvCell(u"two\nlines"_s), u"\"two\nlines\""_s);
        QCOMPARE(Exporter::csvCell(u"cr\rhere"_s), u"\"cr\rhere\""_s);
        QCOMPARE(Exporter::csvCell(u"=1+1"_s), u"'=1+1"_s);
        QCOMPARE(Exporter::csvCell(u"+49 30 1234"_s), u"'+49 30 1234"_s);
        QCOMPARE(Exporter::csvCell(u"-x"_s), u"'-x"_s);
        QCOMPARE(Exporter::csvCell(u"@SUM(A1)"_s), u"'@SUM(A1)"_s);
        QCOMPARE(Exporter::csvCell(u"\tx"_s), u"'\tx"_s);
        QCOMPARE(Exporter::csvCell(u"\rx"_s), u"\"'\rx\""_s);
        QCOMPARE(Exporter::csvCell(u"=HYPERLINK(\"http://x\",\"y\")"_s),
                 u"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""_s);
        QCOMPARE(Exporter::csvCell(u"a=b"_s), u"a=b"_s);
    }

    void csvQuotingAndFormulaNeutralisation()
    {
        auto store = freshStore();
        QVERIFY(store);
        const QStringList names{u"Acme, Inc."_s, u"=HYPERLINK(\"http://x\")"_s, u"+1 Corp"_s, u"-minus"_s,
                                u"@SUM(A1)"_s,   u"\tTabbed"_s,                 u"He said \"hi\""_s, u"Multi\nline"_s};
        QHash<QString, QString> ids;
        for (const QString &name : names) {
            QJsonObject fields{{u"name"_s, name}};
            if (name == u"Acme, Inc."_s) {
                fields.insert(u"domain"_s, u"acme.com"_s);
                fields.insert(u"segment"_s, u"Retail, EU"_s);
                fields.insert(u"owner_email"_s, u"rep@ourco.com"_s);
            }
            ids.insert(name, put(*store, Entity::Account, fields));
        }
        auto csv = Exporter::exportCsv(*store, Entity::Account);
        QVERIFY(csv.ok());
        // The store's order: name, case-insensitively, byte by byte.
        const QString expected = u"id,name,domain,segment,owner_email\r\n"_s
            + ids.value(u"\tTabbed"_s) + u",'\tTabbed,,,\r\n"_s
            + ids.value(u"+1 Corp"_s) + u",'+1 Corp,,,\r\n"_s
            + ids.value(u"-minus"_s) + u",'-minus,,,\r\n"_s
            + ids.value(u"=HYPERLINK(\"http://x\")"_s) + u",\"'=HYPERLINK(\"\"http://x\"\")\",,,\r\n"_s
            + ids.value(u"@SUM(A1)"_s) + u",'@SUM(A1),,,\r\n"_s
            + ids.value(u"Acme, Inc."_s) + u",\"Acme, Inc.\",acme.com,\"Retail, EU\",rep@ourco.com\r\n"_s
            + ids.value(u"He said \"hi\""_s) + u",\"He said \"\"hi\"\"\",,,\r\n"_s
            + ids.value(u"Multi\nline"_s) + u",\"Multi\nline\",,,\r\n"_s;
        QCOMPARE(QString::fromUtf8(*csv), expected);

        // What our own reader makes of it: the same cells, formulas with their leading quote.
        auto table = CsvReader::parse(*csv);
        QVERIFY(table.ok());
        QCOMPARE(table->records.size(), names.size() + 1);
        for (qsizetype i = 1; i < table->records.size(); ++i) {
            const QStringList cells = table->records.at(i).fields;
            QCOMPARE(cells.size(), 5);
            const QString name = ids.key(cells.at(0));
            QVERIFY(!name.isEmpty());
            const bool formula = u"=+-@\t"_s.contains(name.at(0));
            QCOMPARE(cells.at(1), formula ? u'\'' + name : name);
        }
        // The multi-line record starts on the line after the header's and the others' lines.
        QCOMPARE(table->records.constLast().line, 9);
    }

    void csvOfListsBooleansAndNumbers()
    {
        auto store = freshStore();
        QVERIFY(store);
        const QString t1 = put(*store, Entity::Tag, {{u"name"_s, u"a"_s}});
        const QString t2 = put(*store, Entity::Tag, {{u"name"_s, u"b"_s}});
        const QString first = put(*store, Entity::Insight,
                                  {{u"kind"_s, u"need"_s},
                                   {u"text"_s, u"line1\r\nline2"_s},
                                   {u"importance"_s, 3},
                                   {u"tags"_s, QJsonArray{t1, t2}},
                                   {u"published"_s, true}});
        const QString second = put(*store, Entity::Insight,
                                   {{u"kind"_s, u"pain"_s}, {u"text"_s, u"-5% churn"_s}, {u"published"_s, false}});
        auto csv = Exporter::exportCsv(*store, Entity::Insight);
        QVERIFY(csv.ok());
        // Newest first, the insights' list order.
        const QString expected = u"id,conversation_id,account_id,kind,text,quote,importance,tags,published\r\n"_s
            + second + u",,,pain,'-5% churn,,,,false\r\n"_s
            + first + u",,,need,\"line1\r\nline2\",,3,\"[\"\""_s + t1 + u"\"\",\"\""_s + t2 + u"\"\"]\",true\r\n"_s;
        QCOMPARE(QString::fromUtf8(*csv), expected);

        auto empty = Exporter::exportCsv(*store, Entity::Guide);
        QVERIFY(empty.ok());
        QCOMPARE(*empty, QByteArray("id,title,questions\r\n"));
    }

    void exactMarkdown()
    {
        auto store = freshStore();
        QVERIFY(store);
        fill(*store);
        auto markdown = Exporter::exportMarkdown(*store);
        QVERIFY(markdown.ok());
        const QString expected = uR"(# Fieldnotes export

## \# Beta & Co

## Acme Corp

- Domain: acme.com
- Segment: Manufacturing
- Owner: rep@ourco.com

### Contacts

- Alice Smith — CTO — alice@acme.com

### Conversations

#### Follow-up

- Date: 2026-12-05T14:00:00Z
- Channel: video

#### Discovery call

- Date: 2026-11-28T09:30:00Z
- Channel: in person
- Contacts: Alice Smith
- Consent: yes
- Status: final

> They buy twice a year.
> \- budget is fixed
>
> \# not a heading

### Insights

#### Competitor

- Published: no

Talks to Initech

#### Need

- Importance: 4/5
- Published: yes
- Tags: Pricing

Wants a fixed yearly price.
1\. for budgeting

> We hate surprises.

### Leads

#### Lead 1

- Priority: 1
- Horizon: this quarter
- Status: open

Offer an annual plan

Outcome:

> Call booked
> for May

## Not tied to an account

### Insights

#### Trend

- Published: no

\+ Market moves to SaaS

## Tags

- Onboarding
- Pricing (#1E88E5)

## Interview guides

### Discovery

1. What do you buy today?
2. \# Who decides?
)"_s;
        QCOMPARE(QString::fromUtf8(*markdown), expected);

        // Only one entity: insights under their account's heading, nothing else.
        auto insights = Exporter::exportMarkdown(*store, Entity::Insight);
        QVERIFY(insights.ok());
        const QString text = QString::fromUtf8(*insights);
        QVERIFY(text.startsWith(u"# Fieldnotes export\n\n## Acme Corp\n\n### Insights\n\n#### Competitor\n"_s));
        QVERIFY(text.contains(u"## Not tied to an account\n\n### Insights\n\n#### Trend\n"_s));
        QVERIFY(!text.contains(u"Beta"_s));
        QVERIFY(!text.contains(u"Domain"_s));
        QVERIFY(!text.contains(u"Conversations"_s));
        QVERIFY(!text.contains(u"## Tags"_s));

        auto guides = Exporter::exportMarkdown(*store, Entity::Guide);
        QCOMPARE(QString::fromUtf8(*guides),
                 u"# Fieldnotes export\n\n## Interview guides\n\n### Discovery\n\n1. What do you buy today?\n"
                 u"2. \\# Who decides?\n"_s);
    }

    void markdownEscapesStructure()
    {
        QCOMPARE(Exporter::markdownInline(u"# x"_s), u"\\# x"_s);
        QCOMPARE(Exporter::markdownInline(u"  > x"_s), u"\\> x"_s);
        QCOMPARE(Exporter::markdownInline(u"12) x"_s), u"12\\) x"_s);
        QCOMPARE(Exporter::markdownInline(u"2026. A year"_s), u"2026\\. A year"_s);
        QCOMPARE(Exporter::markdownInline(u"a\nb\r\n# c"_s), u"a b # c"_s);
        QCOMPARE(Exporter::markdownInline(u"Plain 1. text"_s), u"Plain 1. text"_s);
        QCOMPARE(Exporter::markdownInline(u"```"_s), u"\\```"_s);
        QCOMPARE(Exporter::markdownInline(u"---"_s), u"\\---"_s);

        auto store = freshStore();
        QVERIFY(store);
        put(*store, Entity::Account, {{u"name"_s, u"Trailing ##"_s}});
        put(*store, Entity::Tag, {{u"name"_s, u"- dash"_s}});
        auto markdown = Exporter::exportMarkdown(*store);
        QVERIFY(markdown.ok());
        QCOMPARE(QString::fromUtf8(*markdown),
                 u"# Fieldnotes export\n\n## Trailing \\##\n\n## Tags\n\n- \\- dash\n"_s);

        auto empty = freshStore();
        QCOMPARE(QString::fromUtf8(*Exporter::exportMarkdown(*empty)), u"# Fieldnotes export\n\nNo records.\n"_s);
    }
};

QTEST_GUILESS_MAIN(TestExporter)
#include "tst_exporter.moc"
