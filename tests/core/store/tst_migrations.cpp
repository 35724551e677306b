#include "base/securebuffer.h"
#include "store/migrations.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/** Every schema version this build knows must upgrade to the latest with its data intact. */
class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void upgradesFromEveryEarlierVersion_data()
    {
        QTest::addColumn<int>("from");
        for (int v = 1; v < Migrations::latestVersion(); ++v)
            QTest::addRow("v%d", v) << v;
    }

    void upgradesFromEveryEarlierVersion()
    {
        QFETCH(int, from);
        QTemporaryDir dir;
        const SecureBuffer key = SecureBuffer::random(32);
        const QString path = Store::databaseFiles(dir.path()).constFirst();
        {
            auto db = Store::openAtVersionForTests(path, key, from, true);
            QVERIFY2(db.ok(), db.ok() ? "" : qPrintable(db.error().message));
            QCOMPARE(*Migrations::currentVersion(*db), from);
            // Rows as every version since 1 stores them.
            QVERIFY(db->exec("INSERT INTO accounts (id, hlc, name) VALUES "
                             "('6f1c2d3e-0000-4000-8000-000000000001', '1700000000000-0000-d', 'Polar Foods');"
                             "INSERT INTO conversations (id, hlc, account_id, title, notes) VALUES "
                             "('6f1c2d3e-0000-4000-8000-000000000002', '1700000000000-0001-d',"
                             " '6f1c2d3e-0000-4000-8000-000000000001', 'Visit', 'cold chain audit');"
                             "INSERT INTO meta (key, value) VALUES ('device_id', 'd');")
                        .ok());
        }
        auto store = Store::open(dir.path(), key);
        QVERIFY2(store.ok(), store.ok() ? "" : qPrintable(store.error().message));
        QCOMPARE((*store)->deviceId(), u"d"_s);
        QCOMPARE((*store)->get(Entity::Account, u"6f1c2d3e-0000-4000-8000-000000000001"_s)->fields.value(u"name"_s),
                 u"Polar Foods"_s);
        // Rows written before the search index existed (v1) are searchable after the upgrade.
        if (from < 2) {
            QCOMPARE((*store)->search(u"polar"_s)->size(), 1);
            QCOMPARE((*store)->search(u"audit"_s)->size(), 1);
        }
        // v3: the conflict log and the sync state work on an upgraded store.
        QCOMPARE(*(*store)->conflictCount(), 0);
        QVERIFY((*store)->setSyncValues({{u"cursor"_s, u"c"_s}}).ok());
        QCOMPARE(*(*store)->syncValue(u"cursor"_s), u"c"_s);
        QVERIFY((*store)->verify()->isEmpty());
        (*store).reset();

        auto db = Database::open(path, key, Database::OpenMode::Existing);
        QCOMPARE(*Migrations::currentVersion(*db), Migrations::latestVersion());
    }

    void freshStoreIsAtTheLatestVersion()
    {
        QTemporaryDir dir;
        const SecureBuffer key = SecureBuffer::random(32);
        QVERIFY(Store::create(dir.path(), key).ok());
        auto db = Database::open(Store::databaseFiles(dir.path()).constFirst(), key, Database::OpenMode::Existing);
        QVERIFY(db.ok());
        QCOMPARE(*Migrations::currentVersion(*db), Migrations::latestVersion());
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
