#include "base/securebuffer.h"
#include "store/migrations.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <QDir>
#include <QFileInfo>
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
            // Indexed as the store indexes it, with the version's search table (v2 on).
            if (from >= 2) {
                QVERIFY(db->exec("INSERT INTO search_docs (docid, entity, record_id) VALUES "
                                 "(7, 'conversation', '6f1c2d3e-0000-4000-8000-000000000002');"
                                 "INSERT INTO search (rowid, title, body, extra) VALUES "
                                 "(7, 'Visit', 'cold chain audit', '');")
                            .ok());
            }
            // A pulled record not indexed for search yet (v6 on: decision 0027).
            if (from >= 6) {
                QVERIFY(db->exec("INSERT INTO search_backlog (record_id, entity) VALUES "
                                 "('6f1c2d3e-0000-4000-8000-000000000001', 'account');")
                            .ok());
            }
        }
        auto store = Store::open(dir.path(), key);
        QVERIFY2(store.ok(), store.ok() ? "" : qPrintable(store.error().message));
        // The upgrade's pages are in the database file, and its write-ahead log is empty again.
        QCOMPARE(QFileInfo(path + u"-wal"_s).size(), 0);
        QCOMPARE((*store)->deviceId(), u"d"_s);
        QCOMPARE((*store)->get(Entity::Account, u"6f1c2d3e-0000-4000-8000-000000000001"_s)->fields.value(u"name"_s),
                 u"Polar Foods"_s);
        if (from >= 6) { // the backlog kept (v7 keeps it in pull order) and drained
            QCOMPARE(*(*store)->searchBacklogCount(), 1);
            QCOMPARE((*store)->search(u"polar"_s)->size(), 0);
            QCOMPARE(*(*store)->indexSearchBacklog(10), 1);
            QCOMPARE((*store)->search(u"polar"_s)->size(), 1);
            QCOMPARE(*(*store)->searchBacklogCount(), 0);
        }
        // Rows written before the search index existed (v1) are searchable after the upgrade.
        if (from < 2) {
            QCOMPARE((*store)->search(u"polar"_s)->size(), 1);
            QCOMPARE((*store)->search(u"audit"_s)->size(), 1);
        }
        // What the search index held before the upgrade (v2 on) is found, ranked by fieldnotes_rank with its
        // snippet (decision 0020): as words, and as the prefixes of a word being typed.
        if (from >= 2) {
            for (const QString &text : {u"audit"_s, u"au"_s, u"aud"_s, u"audi"_s, u"cold ch"_s, u"visit"_s}) {
                auto hits = (*store)->search(text);
                QVERIFY(hits.ok());
                QCOMPARE(hits->size(), 1);
                QCOMPARE(hits->constFirst().id, u"6f1c2d3e-0000-4000-8000-000000000002"_s);
            }
            // Snippets of the kept rows, the last word a prefix (from the prefix indexes since v5) or exact.
            for (const QString &text : {u"chain au"_s, u"chain audit"_s}) {
                auto conversations = (*store)->searchConversations(text, 10);
                QVERIFY(conversations.ok());
                QCOMPARE(conversations->size(), 1);
                QCOMPARE(conversations->constFirst().hit.snippet, u"cold chain audit"_s);
                const QList<std::pair<int, int>> marks{{5, 5}, {11, 5}};
                QCOMPARE(conversations->constFirst().hit.highlights, marks);
            }
        }
        // v3: the conflict log and the sync state work on an upgraded store.
        QCOMPARE(*(*store)->conflictCount(), 0);
        QVERIFY((*store)->setSyncValues({{u"cursor"_s, u"c"_s}}).ok());
        QCOMPARE(*(*store)->syncValue(u"cursor"_s), u"c"_s);
        QVERIFY((*store)->verify()->isEmpty());
        (*store).reset();

        auto db = Database::open(path, key, Database::OpenMode::Existing);
        QCOMPARE(*Migrations::currentVersion(*db), Migrations::latestVersion());
        verifyPrefixIndexes(*db);
    }

    void upgradeIsReportedBeforeOpening()
    {
        QTemporaryDir dir;
        const SecureBuffer key = SecureBuffer::random(32);
        const QString path = Store::databaseFiles(dir.path()).constFirst();
        QVERIFY(Store::openAtVersionForTests(path, key, 4, true).ok());
        QCOMPARE(*Store::needsUpgrade(dir.path(), key), true);
        QCOMPARE(*Store::needsUpgrade(dir.path(), key), true); // asking changes nothing
        QVERIFY(!Store::needsUpgrade(dir.path(), SecureBuffer::random(32)).ok());
        QVERIFY(Store::open(dir.path(), key).ok());
        QCOMPARE(*Store::needsUpgrade(dir.path(), key), false);
    }

    void freshStoreIsAtTheLatestVersion()
    {
        QTemporaryDir dir;
        const SecureBuffer key = SecureBuffer::random(32);
        QVERIFY(Store::create(dir.path(), key).ok());
        auto db = Database::open(Store::databaseFiles(dir.path()).constFirst(), key, Database::OpenMode::Existing);
        QVERIFY(db.ok());
        QCOMPARE(*Migrations::currentVersion(*db), Migrations::latestVersion());
        verifyPrefixIndexes(*db);
    }

private:
    // v5 (decision 0024): the search table keeps prefix indexes for 2 and 3 characters.
    static void verifyPrefixIndexes(Database &db)
    {
        auto sql = db.scalar("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'search'");
        QVERIFY(sql.ok());
        QVERIFY2(sql->toString().contains(u"prefix = '2 3'"_s), qPrintable(sql->toString()));
        QCOMPARE(db.scalar("SELECT count(*) FROM sqlite_schema WHERE name LIKE 'search_prefixed%'")->toInt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "tst_migrations.moc"
