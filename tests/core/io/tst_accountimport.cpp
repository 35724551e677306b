#include "base/securebuffer.h"
#include "io/accountimport.h"
#include "store/store.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

// A Salesforce-like export: an id column, a multi-line billing street, one account over several rows.
const QByteArray kCrmExport = "Account ID,Account Name,Website,Industry,Account Owner,Billing Street,Full Name,Title,"
                              "Email,Phone\r\n"
                              "001A,Acme Corp,https://www.acme.com/about,Manufacturing,jane.owner@ourco.com,"
                              "\"12 Main St\r\nSuite 5\",Alice Smith,CTO,alice@acme.com,+1 555 0100\r\n"
                              "001A,  ACME CORP ,,Retail,,,Bob Jones,VP Sales,bob@acme.com,\r\n"
                              "001B,,globex.com,Energy,,,Carl,,carl@globex.com,\r\n"
                              "001C,Initech,initech.com,Software,,,Dana White,CEO,not-an-email,\r\n"
                              "001D,Umbrella,http://umbrella.example:8080,Pharma,,,Alice Smith,CTO,ALICE@acme.com,\r\n"
                              "001A,acme corp,,,,,Alice Smith,Chief Technology Officer,Alice@Acme.com,+1 555 0199\r\n"
                              "001E,Existing Co,existing.com,Finance,,,Eve Adams,CFO,eve@existing.com,\r\n"
                              "001E,Existing Co,,,,,Frank Moss,,,\r\n"
                              "001F,Hooli,hooli.com,,,,,Engineer,x@hooli.com,\r\n"
                              "001G,Massive Dynamic,massive.example,,Walter Bishop,,,,,\r\n";

QStringList names(const QList<Record> &records)
{
    QStringList result;
    for (const Record &record : records)
        result << record.fields.value(u"name"_s).toString();
    return result;
}

} // namespace

/** Tests the CRM account import: column mapping, merging, reuse of stored accounts, skipped rows, one transaction. */
class TestAccountImport : public QObject
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

    static Record accountNamed(Store &store, const QString &name)
    {
        for (const Record &record : *store.list(Entity::Account)) {
            if (record.fields.value(u"name"_s).toString() == name)
                return record;
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_key = SecureBuffer::random(32);
    }

    void domainsFromWebsites()
    {
        QCOMPARE(AccountImport::domainFromWebsite(u"https://www.Acme.com/about?x=1#top"_s), u"acme.com"_s);
        QCOMPARE(AccountImport::domainFromWebsite(u"http://umbrella.example:8080"_s), u"umbrella.example"_s);
        QCOMPARE(AccountImport::domainFromWebsite(u" acme.co.uk "_s), u"acme.co.uk"_s);
        QCOMPARE(AccountImport::domainFromWebsite(u"www.example.org/"_s), u"example.org"_s);
        QCOMPARE(AccountImport::domainFromWebsite(u"//cdn.example.net/x"_s), u"cdn.example.net"_s);
        QCOMPARE(AccountImport::domainFromWebsite(u"münchen.de"_s), u"münchen.de"_s);
        QCOMPARE(AccountImport::domainFromWebsite(u"n/a"_s), QString());
        QCOMPARE(AccountImport::domainFromWebsite(u"Acme"_s), QString());
        QCOMPARE(AccountImport::domainFromWebsite(u"two words.com"_s), QString());
    }

    void importsCrmExport()
    {
        auto store = freshStore();
        QVERIFY(store);
        // An account that is already there, with a segment someone chose and one of its contacts.
        auto existing = store->put(Entity::Account, {}, {{u"name"_s, u"Existing Co"_s}, {u"segment"_s, u"Banking"_s}});
        QVERIFY(existing.ok());
        auto eve = store->put(
            Entity::Contact, {},
            {{u"account_id"_s, *existing}, {u"name"_s, u"Eve Adams"_s}, {u"email"_s, u"EVE@existing.com"_s}});
        QVERIFY(eve.ok());

        auto report = AccountImport::importData(*store, kCrmExport);
        QVERIFY2(report.ok(), report.ok() ? "" : qPrintable(report.error().message));
        const QJsonObject expected{
            {u"rows"_s, 10},
            {u"accounts_created"_s, 3},
            {u"accounts_reused"_s, 1},
            {u"contacts_created"_s, 4},
            {u"skipped"_s,
             QJsonArray{
                 QJsonObject{{u"line"_s, 5},
                             {u"reason"_s, u"Line 5: the account name (column \"Account Name\") is empty."_s}},
                 QJsonObject{{u"line"_s, 6},
                             {u"reason"_s, u"Line 6, column \"Email\": contact.email must be an email address."_s}},
                 QJsonObject{{u"line"_s, 11},
                             {u"reason"_s, u"Line 11: the row has contact details but no contact name (column \"Full "
                                           u"Name\" is empty)."_s}},
             }},
            {u"dropped_values"_s,
             QJsonArray{QJsonObject{
                 {u"line"_s, 12},
                 {u"reason"_s,
                  u"Line 12, column \"Account Owner\": not an email address, so the account gets no owner."_s}}}},
            {u"ignored_columns"_s, QJsonArray{u"Account ID"_s, u"Billing Street"_s}},
        };
        QCOMPARE(report->toJson(), expected);
        QCOMPARE(report->skipped.size(), 3);
        QCOMPARE(report->skipped.at(1).line, 6);

        // Accounts: one Acme from three rows (first values win), Umbrella new, Existing Co reused, Massive Dynamic
        // without the owner that was a name, nothing else.
        auto accounts = store->list(Entity::Account);
        QVERIFY(accounts.ok());
        QCOMPARE(names(*accounts),
                 (QStringList{u"Acme Corp"_s, u"Existing Co"_s, u"Massive Dynamic"_s, u"Umbrella"_s}));
        QCOMPARE(accountNamed(*store, u"Massive Dynamic"_s).fields,
                 (QJsonObject{{u"name"_s, u"Massive Dynamic"_s}, {u"domain"_s, u"massive.example"_s}}));
        const Record acme = accountNamed(*store, u"Acme Corp"_s);
        QCOMPARE(acme.fields, (QJsonObject{{u"name"_s, u"Acme Corp"_s},
                                           {u"domain"_s, u"acme.com"_s},
                                           {u"segment"_s, u"Manufacturing"_s},
                                           {u"owner_email"_s, u"jane.owner@ourco.com"_s}}));
        const Record umbrella = accountNamed(*store, u"Umbrella"_s);
        QCOMPARE(umbrella.fields, (QJsonObject{{u"name"_s, u"Umbrella"_s},
                                               {u"domain"_s, u"umbrella.example"_s},
                                               {u"segment"_s, u"Pharma"_s}}));
        // The stored account keeps its segment; only the missing domain is filled in.
        const Record reused = accountNamed(*store, u"Existing Co"_s);
        QCOMPARE(reused.id, *existing);
        QCOMPARE(reused.fields, (QJsonObject{{u"name"_s, u"Existing Co"_s},
                                             {u"segment"_s, u"Banking"_s},
                                             {u"domain"_s, u"existing.com"_s}}));

        // Contacts: Alice once at Acme (the later row has her email in other case); her first title and phone stay.
        auto acmeContacts = store->list(Entity::Contact, ListQuery{acme.id});
        QVERIFY(acmeContacts.ok());
        QCOMPARE(names(*acmeContacts), (QStringList{u"Alice Smith"_s, u"Bob Jones"_s}));
        QCOMPARE(acmeContacts->at(0).fields, (QJsonObject{{u"account_id"_s, acme.id},
                                                          {u"name"_s, u"Alice Smith"_s},
                                                          {u"title"_s, u"CTO"_s},
                                                          {u"email"_s, u"alice@acme.com"_s},
                                                          {u"phone"_s, u"+1 555 0100"_s}}));
        QCOMPARE(acmeContacts->at(1).fields, (QJsonObject{{u"account_id"_s, acme.id},
                                                          {u"name"_s, u"Bob Jones"_s},
                                                          {u"title"_s, u"VP Sales"_s},
                                                          {u"email"_s, u"bob@acme.com"_s}}));
        auto umbrellaContacts = store->list(Entity::Contact, ListQuery{umbrella.id});
        QCOMPARE(names(*umbrellaContacts), QStringList{u"Alice Smith"_s});
        // Eve is not duplicated (email matched case-insensitively); her missing title is filled in.
        auto existingContacts = store->list(Entity::Contact, ListQuery{*existing});
        QCOMPARE(names(*existingContacts), (QStringList{u"Eve Adams"_s, u"Frank Moss"_s}));
        QCOMPARE(existingContacts->at(0).id, *eve);
        QCOMPARE(existingContacts->at(0).fields, (QJsonObject{{u"account_id"_s, *existing},
                                                              {u"name"_s, u"Eve Adams"_s},
                                                              {u"email"_s, u"EVE@existing.com"_s},
                                                              {u"title"_s, u"CFO"_s}}));
        QCOMPARE((*store->counts())[Entity::Contact], 5);

        // Importing the same file again creates nothing and changes nothing.
        const int pending = *store->pendingCount();
        auto again = AccountImport::importData(*store, kCrmExport);
        QVERIFY(again.ok());
        QCOMPARE(again->accountsCreated, 0);
        QCOMPARE(again->accountsReused, 4);
        QCOMPARE(again->contactsCreated, 0);
        QCOMPARE(again->skipped.size(), 3);
        QCOMPARE(*store->pendingCount(), pending);
    }

    void fileWithoutNameColumnImportsNothing()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto report = AccountImport::importData(*store, "Full Name,Email,Website\nAlice,alice@acme.com,acme.com\n");
        QVERIFY(!report.ok());
        QCOMPARE(report.error().code, ErrorCode::InvalidInput);
        QVERIFY(report.error().message.contains(u"no account name column"_s));
        QVERIFY(!report.error().message.contains(u"alice"_s, Qt::CaseInsensitive));
        QCOMPARE(store->list(Entity::Account)->size(), 0);
        QCOMPARE(store->list(Entity::Contact)->size(), 0);
        QCOMPARE(*store->pendingCount(), 0);

        auto empty = AccountImport::importData(*store, "\xEF\xBB\xBF\r\n");
        QVERIFY(!empty.ok());
        QVERIFY(empty.error().message.contains(u"empty"_s));
        auto broken = AccountImport::importData(*store, "Name\n\"Acme\n");
        QVERIFY(!broken.ok());
        QVERIFY(broken.error().message.startsWith(u"Line 2 "_s));
    }

    void headerAliasesAndPreference()
    {
        auto store = freshStore();
        QVERIFY(store);
        // Semicolons, a BOM, odd spelling of headers, and two columns for the domain and the segment.
        const QByteArray csv = "\xEF\xBB\xBF" "company_name;Web-Site;DOMAIN;Industry;segment;Owner Email;"
                               "contact-name;Job Title;E-mail;Contact Phone\r\n"
                               "Müller & Söhne;www.mueller.de;mueller-soehne.de;Maschinenbau;Mittelstand;"
                               "rep@ourco.com;Jürgen Müller;Einkauf;;+49 30 1234\r\n";
        auto report = AccountImport::importData(*store, csv);
        QVERIFY(report.ok());
        QCOMPARE(report->accountsCreated, 1);
        QCOMPARE(report->contactsCreated, 1);
        // "E-mail" normalises to "email", so it is the contact email; the less preferred duplicates are ignored.
        QCOMPARE(report->ignoredColumns, (QStringList{u"Web-Site"_s, u"Industry"_s}));
        const Record account = store->list(Entity::Account)->constFirst();
        QCOMPARE(account.fields, (QJsonObject{{u"name"_s, u"Müller & Söhne"_s},
                                              {u"domain"_s, u"mueller-soehne.de"_s},
                                              {u"segment"_s, u"Mittelstand"_s},
                                              {u"owner_email"_s, u"rep@ourco.com"_s}}));
        const Record contact = store->list(Entity::Contact)->constFirst();
        QCOMPARE(contact.fields, (QJsonObject{{u"account_id"_s, account.id},
                                              {u"name"_s, u"Jürgen Müller"_s},
                                              {u"title"_s, u"Einkauf"_s},
                                              {u"phone"_s, u"+49 30 1234"_s}}));
    }

    void contactColumnsWithoutContactNameAreIgnored()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto report = AccountImport::importData(*store, "Organization,Phone,Email\nGlobex,+1 555,info@globex.com\n");
        QVERIFY(report.ok());
        QCOMPARE(report->accountsCreated, 1);
        QCOMPARE(report->contactsCreated, 0);
        QCOMPARE(report->ignoredColumns, (QStringList{u"Phone"_s, u"Email"_s}));
        QVERIFY(report->skipped.isEmpty());
    }

    void contactsWithoutEmailMatchByName()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto report = AccountImport::importData(*store, "account,contact,email,title\n"
                                                        "Acme,Jo Lee,,\n"
                                                        "Acme,jo lee,jo@acme.com,\n"
                                                        "Acme,Jo Lee,,Buyer\n"
                                                        "Acme,Jo Lee,other.jo@acme.com,\n");
        QVERIFY(report.ok());
        QCOMPARE(report->contactsCreated, 2);
        auto contacts = store->list(Entity::Contact);
        QCOMPARE(contacts->size(), 2);
        QStringList seen;
        for (const Record &contact : *contacts) {
            seen << contact.fields.value(u"email"_s).toString() + u'/' + contact.fields.value(u"title"_s).toString();
            QCOMPARE(contact.fields.value(u"name"_s).toString(), u"Jo Lee"_s);
        }
        seen.sort();
        QCOMPARE(seen, (QStringList{u"jo@acme.com/Buyer"_s, u"other.jo@acme.com/"_s}));
    }

    void importsFiles()
    {
        auto store = freshStore();
        QVERIFY(store);
        QFile file(m_dir.filePath(u"export.csv"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kCrmExport);
        file.close();
        auto report = AccountImport::importFile(*store, file.fileName());
        QVERIFY(report.ok());
        QCOMPARE(report->accountsCreated, 4);
        auto missing = AccountImport::importFile(*store, m_dir.filePath(u"missing.csv"_s));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void tenThousandRowsInOneTransaction()
    {
        auto store = freshStore();
        QVERIFY(store);
        QByteArray csv = "Account Name,Website,Full Name,Email\n";
        for (int i = 0; i < 10000; ++i) {
            const int account = i / 5;
            csv += "Account " + QByteArray::number(account) + ",https://a" + QByteArray::number(account)
                + ".example/,Person " + QByteArray::number(i) + ",p" + QByteArray::number(i) + "@a"
                + QByteArray::number(account) + ".example\n";
        }
        QElapsedTimer timer;
        timer.start();
        auto report = AccountImport::importData(*store, csv);
        const qint64 elapsed = timer.elapsed();
        QVERIFY(report.ok());
        qInfo("10000 rows imported in %lld ms", elapsed);
        QCOMPARE(report->rows, 10000);
        QCOMPARE(report->accountsCreated, 2000);
        QCOMPARE(report->contactsCreated, 10000);
        QVERIFY(report->skipped.isEmpty());
        const auto counts = *store->counts();
        QCOMPARE(counts[Entity::Account], 2000);
        QCOMPARE(counts[Entity::Contact], 10000);
        QCOMPARE(*store->pendingCount(), 12000);
        QVERIFY2(elapsed < 60000, "a 10k-row import should take seconds, not minutes");
    }
};

QTEST_GUILESS_MAIN(TestAccountImport)
#include "tst_accountimport.moc"
