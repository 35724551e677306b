#include "appsetup.h"
#include "datatransfer.h"
#include "session.h"

#include "crypto/keyvault.h"
#include "platform/memorykeystore.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::app;

/** The settings page's export (core/io Exporter) and accounts import (AccountImport) on a real store. */
class TestDataTransfer : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    MemoryKeyStore m_keys;
    std::unique_ptr<Session> m_session;
    DataTransfer m_transfer;

    QUrl file(const QString &name) const { return QUrl::fromLocalFile(m_dir.filePath(name)); }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(app::AppSetup::installTranslations()); // as the app: "1 row", "2 rows"
        QVERIFY(m_dir.isValid());
        const QString storeDir = m_dir.filePath(u"store"_s);
        auto key = StoreDirectory::initialize(storeDir, SecureBuffer::fromByteArray(QByteArray("data transfer pass")),
                                              KdfParams::fastForTests());
        QVERIFY(key.ok());
        auto store = Store::open(storeDir, *key);
        QVERIFY(store.ok());
        m_session = std::make_unique<Session>(storeDir, &m_keys);
        m_session->adoptStore(std::move(*store));
        m_transfer.setSession(m_session.get());
    }

    void importReportsSkippedRowsAndChangesNothingOnBadInput()
    {
        QFile csv(m_dir.filePath(u"crm.csv"_s));
        QVERIFY(csv.open(QIODevice::WriteOnly));
        csv.write("Company,Website,Contact,Email\n"
                  "Acme,https://www.acme.example/about,Ana,ana@acme.example\n"
                  ",https://nameless.example,Bob,bob@nameless.example\n"
                  "Globex,globex.example,,\n");
        csv.close();
        QSignalSpy recordsChanged(m_session.get(), &Session::recordsChanged);
        QVERIFY(m_transfer.importAccounts(file(u"crm.csv"_s)));
        QVERIFY(!m_transfer.failed());
        // Counted in English: the plural forms of the app's translation.
        QCOMPARE(m_transfer.message(), u"3 rows read: 2 accounts created, 0 existing accounts matched, "
                                       "1 contact created, 1 row skipped."_s);
        QCOMPARE(m_transfer.skippedRows().size(), 1);
        const QVariantMap skipped = m_transfer.skippedRows().constFirst().toMap();
        QCOMPARE(skipped.value(u"line"_s).toInt(), 3);
        QVERIFY(!skipped.value(u"reason"_s).toString().isEmpty());
        QVERIFY(skipped.value(u"skipped"_s).toBool());
        QVERIFY(!recordsChanged.isEmpty());
        QCOMPARE(m_session->store()->counts()->value(Entity::Account), 2);
        QCOMPARE(m_session->store()->counts()->value(Entity::Contact), 1);

        // A file that is not there: a message, nothing written.
        QVERIFY(!m_transfer.importAccounts(file(u"missing.csv"_s)));
        QVERIFY(m_transfer.failed());
        QVERIFY(!m_transfer.message().isEmpty());
        QVERIFY(m_transfer.skippedRows().isEmpty());
        QCOMPARE(m_session->store()->counts()->value(Entity::Account), 2);
    }

    void exportWritesTheCoreExportersOutput()
    {
        QVERIFY(m_transfer.exportTo(u"json"_s, QString(), file(u"all.json"_s)));
        QFile json(m_dir.filePath(u"all.json"_s));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject document = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(document.value(u"format"_s).toString(), u"fieldnotes-export"_s);
        QCOMPARE(document.value(u"records"_s).toObject().value(u"account"_s).toArray().size(), 2);
        QCOMPARE(json.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());

        QVERIFY(m_transfer.exportTo(u"csv"_s, u"account"_s, file(u"accounts.csv"_s)));
        QFile csv(m_dir.filePath(u"accounts.csv"_s));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QVERIFY(csv.readAll().startsWith("id,"));
        QVERIFY(m_transfer.exportTo(u"markdown"_s, QString(), file(u"all.md"_s)));
        QVERIFY(QFile::exists(m_dir.filePath(u"all.md"_s)));

        // Bad input: a message and no file.
        QVERIFY(!m_transfer.exportTo(u"csv"_s, QString(), file(u"nothing.csv"_s))); // CSV needs an entity
        QVERIFY(m_transfer.failed());
        QVERIFY(!m_transfer.exportTo(u"xml"_s, QString(), file(u"nothing.xml"_s)));
        QVERIFY(!m_transfer.exportTo(u"json"_s, u"planet"_s, file(u"nothing.json"_s)));
        QVERIFY(!m_transfer.exportTo(u"json"_s, QString(), QUrl(u"https://example.com/x.json"_s)));
        for (const QString &name : {u"nothing.csv"_s, u"nothing.xml"_s, u"nothing.json"_s})
            QVERIFY(!QFile::exists(m_dir.filePath(name)));
    }

    /// A sales rep's device may hold what sales never receives (kept from when its user was a marketer, or written
    /// before the sign-in): the export gives only what sales sees, whatever the page offers or QML asks for.
    void salesExportsOnlyWhatSalesSees()
    {
        Store *store = m_session->store();
        const QString secretNotes = u"Their budget is frozen until spring"_s;
        const QString secretInsight = u"Piloting a rival's handhelds"_s;
        const QString sharedInsight = u"Offline scanning in cold storage"_s;
        auto account = store->put(Entity::Account, {}, {{u"name"_s, u"Polar Foods"_s}});
        QVERIFY(account.ok());
        auto conversation = store->put(Entity::Conversation, {},
            {{u"account_id"_s, *account}, {u"title"_s, u"Budget call"_s}, {u"notes"_s, secretNotes}});
        QVERIFY(conversation.ok());
        QVERIFY(store->put(Entity::Insight, {}, {{u"account_id"_s, *account}, {u"conversation_id"_s, *conversation},
            {u"kind"_s, u"competitor"_s}, {u"text"_s, secretInsight}, {u"published"_s, false}}).ok());
        QVERIFY(store->put(Entity::Insight, {}, {{u"account_id"_s, *account}, {u"kind"_s, u"need"_s},
            {u"text"_s, sharedInsight}, {u"quote"_s, u"=We lose signal"_s}, {u"published"_s, true}}).ok());
        QVERIFY(store->put(Entity::Guide, {}, {{u"title"_s, u"Pricing interview"_s},
            {u"questions"_s, QJsonArray{u"What would you pay?"_s}}}).ok());
        QVERIFY(store->put(Entity::Lead, {}, {{u"account_id"_s, *account}, {u"recommendation"_s, u"Call them"_s}}).ok());

        DataTransfer sales;
        sales.setSession(m_session.get());
        QSignalSpy roleChanged(&sales, &DataTransfer::roleChanged);
        QCOMPARE(sales.entities(), entityNames()); // no role: a local-only store, everything its own
        sales.setRole(u"sales"_s);
        QCOMPARE(roleChanged.count(), 1);
        // Offered: what the server sends sales, as JSON or CSV.
        QCOMPARE(sales.entities(), (QStringList{u"account"_s, u"contact"_s, u"insight"_s, u"tag"_s, u"lead"_s}));
        QCOMPARE(sales.formats(), (QStringList{u"json"_s, u"csv"_s}));

        // All records as JSON: no conversations, no guides, the published insight only.
        QVERIFY2(sales.exportTo(u"json"_s, QString(), file(u"sales.json"_s)), qPrintable(sales.message()));
        QFile json(m_dir.filePath(u"sales.json"_s));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QByteArray jsonBytes = json.readAll();
        const QJsonObject document = QJsonDocument::fromJson(jsonBytes).object();
        QCOMPARE(document.value(u"format"_s).toString(), u"fieldnotes-export"_s);
        QCOMPARE(document.value(u"version"_s).toInt(), 1);
        QVERIFY(!document.value(u"exported_at"_s).toString().isEmpty());
        const QJsonObject records = document.value(u"records"_s).toObject();
        QCOMPARE(records.keys(), (QStringList{u"account"_s, u"contact"_s, u"insight"_s, u"lead"_s, u"tag"_s}));
        const QJsonArray insights = records.value(u"insight"_s).toArray();
        QCOMPARE(insights.size(), 1);
        QCOMPARE(insights.at(0).toObject().value(u"text"_s).toString(), sharedInsight);
        QCOMPARE(records.value(u"account"_s).toArray().size(), 3);
        for (const QString &secret : {secretNotes, secretInsight, u"Budget call"_s, u"Pricing interview"_s})
            QVERIFY2(!jsonBytes.contains(secret.toUtf8()), qPrintable(secret));
        QVERIFY(json.permissions() & QFileDevice::ReadOwner);
        QCOMPARE(json.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());

        // Insights as CSV: the published one, in the layout of everyone's CSV export.
        QVERIFY(sales.exportTo(u"csv"_s, u"insight"_s, file(u"sales-insights.csv"_s)));
        QVERIFY(m_transfer.exportTo(u"csv"_s, u"insight"_s, file(u"all-insights.csv"_s)));
        QFile salesCsv(m_dir.filePath(u"sales-insights.csv"_s));
        QFile allCsv(m_dir.filePath(u"all-insights.csv"_s));
        QVERIFY(salesCsv.open(QIODevice::ReadOnly) && allCsv.open(QIODevice::ReadOnly));
        const QList<QByteArray> salesLines = salesCsv.readAll().split('\n');
        const QList<QByteArray> allLines = allCsv.readAll().split('\n');
        QCOMPARE(salesLines.size(), 3); // header, one row, the empty rest after the last CRLF
        QCOMPARE(allLines.size(), 4);
        QCOMPARE(salesLines.at(0), allLines.at(0));
        QVERIFY(allLines.contains(salesLines.at(1)));
        QVERIFY(salesLines.at(1).contains(sharedInsight.toUtf8()));
        QVERIFY(salesLines.at(1).contains(",'=We lose signal,")); // formula neutralised, as the Exporter does
        QVERIFY(m_transfer.message().contains(u"all-insights.csv"_s));

        // Accounts as CSV: the Exporter's own.
        QVERIFY(sales.exportTo(u"csv"_s, u"account"_s, file(u"sales-accounts.csv"_s)));

        // Refused with a message, and nothing written: what sales never sees, and Markdown.
        const QList<std::pair<QString, QString>> refused {
            {u"json"_s, u"conversation"_s}, {u"csv"_s, u"conversation"_s}, {u"json"_s, u"guide"_s},
            {u"markdown"_s, QString()}, {u"markdown"_s, u"account"_s}, {u"markdown"_s, u"insight"_s}};
        for (const auto &[format, entity] : refused) {
            const QString name = u"refused-%1-%2.out"_s.arg(format, entity);
            QVERIFY2(!sales.exportTo(format, entity, file(name)), qPrintable(name));
            QVERIFY(sales.failed());
            QVERIFY(!sales.message().isEmpty());
            QVERIFY2(!QFile::exists(m_dir.filePath(name)), qPrintable(name));
        }

        // A role this app does not know gets what sales gets.
        sales.setRole(u"auditor"_s);
        QCOMPARE(sales.formats(), (QStringList{u"json"_s, u"csv"_s}));
        QVERIFY(!sales.exportTo(u"json"_s, u"conversation"_s, file(u"auditor.json"_s)));
        QVERIFY(!QFile::exists(m_dir.filePath(u"auditor.json"_s)));
        // A marketer exports everything of theirs.
        sales.setRole(u"marketer"_s);
        QCOMPARE(sales.entities(), entityNames());
        QVERIFY(sales.exportTo(u"markdown"_s, u"conversation"_s, file(u"marketer.md"_s)));
    }
};

QTEST_GUILESS_MAIN(TestDataTransfer)
#include "tst_datatransfer.moc"
