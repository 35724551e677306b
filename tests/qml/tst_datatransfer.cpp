#include "datatransfer.h"
#include "session.h"

#include "crypto/keyvault.h"
#include "platform/memorykeystore.h"
#include "store/store.h"
#include "store/storedirectory.h"

#include <QFile>
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
        QVERIFY2(m_transfer.message().contains(u"2 account(s) created"_s), qPrintable(m_transfer.message()));
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
};

QTEST_GUILESS_MAIN(TestDataTransfer)
#include "tst_datatransfer.moc"
