#include "base/securebuffer.h"
#include "store/sqlite.h"
#include "store/store.h"

#include <QDir>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

const QString kOther = u"0000000000000000000000000000aaaa"_s; // another device's id

QString stamp(qint64 ms, int counter = 0, const QString &device = kOther)
{
    return Hlc{ms, counter, device}.toString();
}

RemoteChange remoteAccount(const QString &id, const QString &name, const QString &hlc)
{
    RemoteChange change;
    change.entity = Entity::Account;
    change.id = id;
    change.fields = {{u"name"_s, name}};
    change.fieldHlcs = {{u"name"_s, hlc}};
    change.hlc = hlc;
    return change;
}

RemoteChange remoteDelete(Entity entity, const QString &id, const QString &hlc)
{
    RemoteChange change;
    change.entity = entity;
    change.id = id;
    change.deleted = true;
    change.hlc = hlc;
    return change;
}

QString uuid(int n)
{
    return u"00000000-0000-4000-8000-%1"_s.arg(n, 12, 10, QChar(u'0'));
}

} // namespace

/** Tests the store's side of sync: applying pulled pages, acknowledging pushes, the conflict log. */
class TestStoreSync : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    SecureBuffer m_key;
    qint64 m_now = 1'800'000'000'000;
    int m_stores = 0;

    std::unique_ptr<Store> freshStore()
    {
        const QString dir = m_dir.filePath(QString::number(++m_stores));
        QDir().mkpath(dir);
        auto store = Store::create(dir, m_key, [this] { return m_now; });
        if (!store) {
            qWarning() << store.error().message;
            return nullptr;
        }
        return std::move(*store);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_key = SecureBuffer::random(32);
    }

    void pullCreatesUpdatesAndSavesTheCursor()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto report = store->applyPull({remoteAccount(uuid(1), u"Acme"_s, stamp(m_now - 1000))}, u"c1"_s);
        QVERIFY(report.ok());
        QCOMPARE(report->applied, 1);
        QCOMPARE(report->revealed, 1);
        QCOMPARE(*store->syncValue(u"cursor"_s), u"c1"_s);
        QCOMPARE(store->get(Entity::Account, uuid(1))->fields.value(u"name"_s).toString(), u"Acme"_s);
        QCOMPARE(*store->pendingCount(), 0); // pulled records are not pushed back

        QVERIFY(store->applyPull({remoteAccount(uuid(1), u"Acme Corp"_s, stamp(m_now - 500))}, u"c2"_s).ok());
        auto record = store->get(Entity::Account, uuid(1));
        QCOMPARE(record->fields.value(u"name"_s).toString(), u"Acme Corp"_s);
        QCOMPARE(record->fieldHlcs.value(u"name"_s), stamp(m_now - 500));
        QCOMPARE(*store->syncValue(u"cursor"_s), u"c2"_s);
        // Searchable at once.
        QCOMPARE(store->search(u"corp"_s)->size(), 1);
    }

    void aPulledUpdateReplacesTheSearchText()
    {
        auto store = freshStore();
        QVERIFY(store);
        QVERIFY(store->applyPull({remoteAccount(uuid(2), u"Initech"_s, stamp(m_now - 1000))}, u"c1"_s).ok());
        QCOMPARE(store->search(u"initech"_s)->size(), 1);
        QVERIFY(store->applyPull({remoteAccount(uuid(2), u"Globex"_s, stamp(m_now - 500))}, u"c2"_s).ok());
        QCOMPARE(store->search(u"initech"_s)->size(), 0);
        QCOMPARE(store->search(u"globex"_s)->size(), 1);
        QCOMPARE(*store->verify(), QStringList());
    }

    // Decision 0027: a large page can be written without its search text, which indexSearchBacklog adds afterwards.
    // Until then searches miss those records; after it, the index is what indexing each record at once writes.
    void aDeferredPageIsFoundOnceItsBacklogIsIndexed()
    {
        auto later = freshStore();
        auto now = freshStore();
        QVERIFY(later && now);
        QList<RemoteChange> page;
        for (int i = 0; i < 30; ++i)
            page << remoteAccount(uuid(100 + i), u"Globex %1"_s.arg(i), stamp(m_now - 1000 + i));
        RemoteChange insight;
        insight.entity = Entity::Insight;
        insight.id = uuid(200);
        insight.fields = {{u"kind"_s, u"need"_s}, {u"text"_s, u"offline globex capture"_s}, {u"quote"_s, u"fast"_s}};
        insight.fieldHlcs = {{u"kind"_s, stamp(m_now - 9)}, {u"text"_s, stamp(m_now - 9)}, {u"quote"_s, stamp(m_now - 9)}};
        insight.hlc = stamp(m_now - 9);
        page << insight << remoteDelete(Entity::Conversation, uuid(201), stamp(m_now - 8));
        QVERIFY(later->applyPull(page, u"c1"_s, -1, Store::SearchIndexing::Later).ok());
        QVERIFY(now->applyPull(page, u"c1"_s).ok());
        QCOMPARE(*later->searchBacklogCount(), 31); // the deletion is not queued
        QCOMPARE(later->search(u"globex"_s)->size(), 0);
        QCOMPARE(later->list(Entity::Account)->size(), 30); // the records are there already

        // Before the drain: one record deleted, one edited here, one pulled again (queued again).
        for (Store *s : {later.get(), now.get()}) {
            QVERIFY(s->remove(Entity::Account, uuid(100)).ok());
            QVERIFY(s->put(Entity::Account, uuid(101), {{u"name"_s, u"Hooli"_s}}).ok());
        }
        const RemoteChange renamed = remoteAccount(uuid(102), u"Initech"_s, stamp(m_now - 100));
        QVERIFY(later->applyPull({renamed}, u"c2"_s, -1, Store::SearchIndexing::Later).ok());
        QVERIFY(now->applyPull({renamed}, u"c2"_s).ok());
        QCOMPARE(later->search(u"hooli"_s)->size(), 1); // a local edit is indexed at once

        int taken = 0;
        for (;;) {
            auto n = later->indexSearchBacklog(7);
            QVERIFY2(n.ok(), qPrintable(n.ok() ? QString() : n.error().message));
            if (*n == 0)
                break;
            taken += *n;
        }
        QCOMPARE(taken, 31);
        QCOMPARE(*later->searchBacklogCount(), 0);
        const auto ids = [](const QList<SearchHit> &hits) {
            QStringList out;
            for (const SearchHit &h : hits)
                out << h.id;
            out.sort();
            return out;
        };
        for (const QString &query : {u"globex"_s, u"glo"_s, u"hooli"_s, u"initech"_s, u"fast"_s, u"globex 7"_s}) {
            QCOMPARE(ids(*later->search(query, 100)), ids(*now->search(query, 100)));
        }
        QCOMPARE(later->search(u"globex"_s, 100)->size(), 28); // 30, less the deleted, the renamed twice, plus the insight
        QCOMPARE(*later->verify(), QStringList());

        // A record indexed already and pulled again in a large page: its old text leaves the index with the drain.
        QVERIFY(later->applyPull({remoteAccount(uuid(103), u"Umbrella"_s, stamp(m_now - 50))}, u"c3"_s, -1,
                                 Store::SearchIndexing::Later).ok());
        QCOMPARE(later->search(u"umbrella"_s)->size(), 0);
        QCOMPARE(*later->indexSearchBacklog(100), 1);
        QCOMPARE(later->search(u"umbrella"_s)->size(), 1);
        QVERIFY(!ids(*later->search(u"globex"_s, 100)).contains(uuid(103)));
        QCOMPARE(*later->indexSearchBacklog(100), 0);
        QCOMPARE(*later->verify(), QStringList());
    }

    // The ranking of decision 0004 weighs the newest matches (by search row), so a drained page must get its rows as
    // indexing at once gives them: new records in the page's order, not in the order of their ids (here the ids run
    // backwards, and more records match a word than the ranking looks at); a record indexed before keeps its row.
    void aDrainedPageRanksLikeOneIndexedAtOnce()
    {
        auto later = freshStore();
        auto now = freshStore();
        QVERIFY(later && now);
        const auto pull = [&](const QList<RemoteChange> &page, const QString &cursor) {
            return later->applyPull(page, cursor, -1, Store::SearchIndexing::Later).ok()
                && now->applyPull(page, cursor).ok();
        };
        const auto drain = [&] {
            for (;;) {
                auto n = later->indexSearchBacklog(64);
                if (!n || *n == 0)
                    return n.ok();
            }
        };
        const auto ordered = [](const QList<SearchHit> &hits) {
            QStringList out;
            for (const SearchHit &h : hits)
                out << h.id;
            return out;
        };
        QList<RemoteChange> page;
        for (int i = 0; i < 700; ++i) {
            page << remoteAccount(uuid(5000 - i), u"Zephyr %1 %2"_s.arg(i).arg(i % 3 == 0 ? u"zephyr"_s : QString()),
                                  stamp(m_now - 10000 + i));
        }
        QVERIFY(pull(page.mid(0, 400), u"c1"_s));
        QVERIFY(pull(page.mid(400), u"c2"_s));
        // Pulled again before the drain: still where it was first pulled, as indexing it again at once leaves it.
        QVERIFY(pull({remoteAccount(uuid(4990), u"Zephyr again zephyr"_s, stamp(m_now - 10))}, u"c3"_s));
        QVERIFY(drain());
        const QStringList ranked = ordered(*now->search(u"zephyr"_s, 1000));
        QCOMPARE(ranked.size(), 500); // the newest matches only
        QVERIFY(ranked.contains(uuid(4301))); // the last pulled
        QVERIFY(!ranked.contains(uuid(5000))); // the first
        QCOMPARE(ordered(*later->search(u"zephyr"_s, 1000)), ranked);
        QCOMPARE(ordered(*later->search(u"zep"_s, 1000)), ordered(*now->search(u"zep"_s, 1000)));

        // Indexed already, pulled again in a large page: it keeps its row, as it would indexed at once.
        QVERIFY(pull({remoteAccount(uuid(4999), u"Zephyr zephyr zephyr"_s, stamp(m_now - 5))}, u"c4"_s));
        QVERIFY(drain());
        QCOMPARE(ordered(*later->search(u"zephyr"_s, 1000)), ordered(*now->search(u"zephyr"_s, 1000)));
        QCOMPARE(*later->verify(), QStringList());
    }

    void aPageOfWhatTheDeviceHoldsWritesNoRecord()
    {
        // After its own push a device pulls its changes back: the records it holds already. They are not written (nor
        // indexed for search) again. With FTS merging off, every indexing leaves a segment row to count.
        auto store = freshStore();
        QVERIFY(store);
        QList<RemoteChange> page;
        for (int i = 0; i < 50; ++i)
            page << remoteAccount(uuid(100 + i), u"Account %1"_s.arg(i), stamp(m_now - 1000, i));
        QVERIFY(store->applyPull(page, u"c1"_s).ok());
        auto db = Database::open(Store::databaseFiles(m_dir.filePath(QString::number(m_stores))).constFirst(), m_key,
                                 Database::OpenMode::Existing);
        QVERIFY(db.ok());
        QVERIFY(db->exec("INSERT INTO search (search, rank) VALUES ('automerge', 0);"
                         "INSERT INTO search (search, rank) VALUES ('crisismerge', 1900)").ok());
        const auto segments = [&] { return db->scalar("SELECT count(*) FROM search_data")->toInt(); };
        const int before = segments();

        auto echo = store->applyPull(page, u"c2"_s);
        QVERIFY(echo.ok());
        QCOMPARE(echo->applied, 50);
        QCOMPARE(segments(), before);
        QCOMPARE(*store->syncValue(u"cursor"_s), u"c2"_s);

        // One record that did change is written and indexed, the others still are not.
        page[7] = remoteAccount(uuid(107), u"Renamed"_s, stamp(m_now - 500));
        QVERIFY(store->applyPull(page, u"c3"_s).ok());
        QVERIFY(segments() > before);
        QCOMPARE(store->get(Entity::Account, uuid(107))->fields.value(u"name"_s).toString(), u"Renamed"_s);
        QCOMPARE(store->search(u"renamed"_s)->size(), 1);
        QCOMPARE(store->search(u"account"_s, 100)->size(), 49);
        QCOMPARE(*store->verify(), QStringList());
    }

    void fieldStampsRoundTrip()
    {
        auto store = freshStore();
        QVERIFY(store);
        RemoteChange change = remoteAccount(uuid(3), u"Hooli"_s, stamp(m_now - 30));
        change.fields.insert(u"domain"_s, u"hooli.example"_s);
        change.fields.insert(u"segment"_s, QJsonValue::Null);
        change.fieldHlcs = {{u"name"_s, stamp(m_now - 30)}, {u"domain"_s, stamp(m_now - 40, 2)},
                            {u"segment"_s, stamp(m_now - 50)}};
        RemoteChange odd = remoteAccount(uuid(4), u"Pied Piper"_s, stamp(m_now - 30));
        odd.fields.insert(u"domain"_s, u"piedpiper.example"_s);
        // Not stamps: stored as they came, whatever they hold; the plain one sorts first and is written before the
        // odd one is met.
        odd.fieldHlcs = {{u"domain"_s, stamp(m_now - 40)}, {u"name"_s, u"not \"plain\" é"_s}};
        QVERIFY(store->applyPull({change, odd}, u"c1"_s).ok());
        auto record = store->get(Entity::Account, uuid(3));
        QVERIFY(record.ok());
        QCOMPARE(record->fieldHlcs, change.fieldHlcs);
        QVERIFY(!record->fields.contains(u"segment"_s)); // null: cleared
        QCOMPARE(record->fields.value(u"domain"_s).toString(), u"hooli.example"_s);
        QCOMPARE(store->get(Entity::Account, uuid(4))->fieldHlcs, odd.fieldHlcs);
    }

    void pendingNewerEditSurvivesThePullAndOlderLoses()
    {
        auto store = freshStore();
        QVERIFY(store);
        QVERIFY(store->applyPull({remoteAccount(uuid(2), u"Initech"_s, stamp(m_now - 1000))}, u"c1"_s).ok());
        QVERIFY(store->put(Entity::Account, uuid(2), {{u"name"_s, u"Initech (local)"_s}, {u"domain"_s, u"i.example"_s}}).ok());

        // The server's value is older than the pending edit: the local one stays, to be pushed.
        auto older = remoteAccount(uuid(2), u"Initech (server, older)"_s, stamp(m_now - 10));
        QVERIFY(store->applyPull({older}, u"c2"_s).ok());
        auto record = store->get(Entity::Account, uuid(2));
        QCOMPARE(record->fields.value(u"name"_s).toString(), u"Initech (local)"_s);
        QCOMPARE(record->fields.value(u"domain"_s).toString(), u"i.example"_s); // pending, absent on the server
        QCOMPARE(*store->pendingCount(), 1);

        // A newer server value wins locally; the pending mutation still goes out (the server decides).
        auto newer = remoteAccount(uuid(2), u"Initech (server, newer)"_s, stamp(m_now + 60'000));
        QVERIFY(store->applyPull({newer}, u"c3"_s).ok());
        record = store->get(Entity::Account, uuid(2));
        QCOMPARE(record->fields.value(u"name"_s).toString(), u"Initech (server, newer)"_s);
        QCOMPARE(record->fields.value(u"domain"_s).toString(), u"i.example"_s);
        QCOMPARE(*store->pendingCount(), 1);
    }

    void serverStateReplacesAcknowledgedValues()
    {
        // Once acknowledged, the server's value is the truth even when its stamp is older (a clamped clock).
        auto store = freshStore();
        QVERIFY(store);
        auto id = store->put(Entity::Account, {}, {{u"name"_s, u"Mine"_s}});
        QVERIFY(id.ok());
        auto pending = store->pendingMutations(10);
        QCOMPARE(pending->size(), 1);
        QVERIFY(store->acknowledge({PushAck{pending->first().mutationId, PushAck::Status::Applied, {}, {}}}).ok());
        QCOMPARE(*store->pendingCount(), 0);
        QVERIFY(store->applyPull({remoteAccount(*id, u"Theirs"_s, stamp(m_now - 50'000))}, u"c"_s).ok());
        QCOMPARE(store->get(Entity::Account, *id)->fields.value(u"name"_s).toString(), u"Theirs"_s);
    }

    void deletesAndResurrection()
    {
        auto store = freshStore();
        QVERIFY(store);
        RemoteChange insight;
        insight.entity = Entity::Insight;
        insight.id = uuid(3);
        insight.fields = {{u"kind"_s, u"need"_s}, {u"text"_s, u"offline capture"_s}, {u"published"_s, true}};
        insight.fieldHlcs = {{u"kind"_s, stamp(m_now - 9)}, {u"text"_s, stamp(m_now - 9)}, {u"published"_s, stamp(m_now - 9)}};
        insight.hlc = stamp(m_now - 9);
        QVERIFY(store->applyPull({insight}, u"c1"_s).ok());
        QCOMPARE(store->search(u"offline"_s)->size(), 1);

        // Unpublished: it leaves a sales device's view as a delete without content.
        auto report = store->applyPull({remoteDelete(Entity::Insight, uuid(3), stamp(m_now - 5))}, u"c2"_s);
        QCOMPARE(report->deletedLive, 1);
        QCOMPARE(store->get(Entity::Insight, uuid(3)).error().code, ErrorCode::NotFound);
        QCOMPARE(store->search(u"offline"_s)->size(), 0);
        QCOMPARE(*store->liveRecordCount(), 0);

        // Published again: it comes back.
        insight.hlc = stamp(m_now - 1);
        report = store->applyPull({insight}, u"c3"_s);
        QCOMPARE(report->revealed, 1);
        QVERIFY(store->get(Entity::Insight, uuid(3)).ok());
        QCOMPARE(store->search(u"offline"_s)->size(), 1);
    }

    void aPendingLocalDeleteIsKept()
    {
        auto store = freshStore();
        QVERIFY(store);
        QVERIFY(store->applyPull({remoteAccount(uuid(4), u"Hooli"_s, stamp(m_now - 100))}, u"c1"_s).ok());
        QVERIFY(store->remove(Entity::Account, uuid(4)).ok());
        QVERIFY(store->applyPull({remoteAccount(uuid(4), u"Hooli XYZ"_s, stamp(m_now - 50))}, u"c2"_s).ok());
        QCOMPARE(store->get(Entity::Account, uuid(4)).error().code, ErrorCode::NotFound);
    }

    void refusesAPageThatDeletesTooMuch()
    {
        auto store = freshStore();
        QVERIFY(store);
        QList<RemoteChange> page;
        for (int i = 0; i < 4; ++i)
            page << remoteAccount(uuid(10 + i), u"Account %1"_s.arg(i), stamp(m_now - 100));
        QVERIFY(store->applyPull(page, u"c1"_s).ok());

        const QList<RemoteChange> deletes{remoteDelete(Entity::Account, uuid(10), stamp(m_now - 50)),
                                          remoteDelete(Entity::Account, uuid(11), stamp(m_now - 50)),
                                          remoteDelete(Entity::Account, uuid(12), stamp(m_now - 50))};
        auto refused = store->applyPull(deletes, u"c2"_s, 2);
        QVERIFY(refused.ok());
        QVERIFY(refused->refused);
        QCOMPARE(refused->deletedLive, 3);
        QCOMPARE(*store->liveRecordCount(), 4); // nothing written
        QCOMPARE(*store->syncValue(u"cursor"_s), u"c1"_s);

        auto allowed = store->applyPull(deletes, u"c2"_s, 3);
        QVERIFY(!allowed->refused);
        QCOMPARE(*store->liveRecordCount(), 1);
        QCOMPARE(*store->syncValue(u"cursor"_s), u"c2"_s);
    }

    void serverConflictsAreReplacedByEachPull()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto change = remoteAccount(uuid(20), u"Umbrella"_s, stamp(m_now - 10));
        change.conflicts = {{u"name"_s, u"Umbrella Corp"_s, stamp(m_now - 20), kOther},
                            {u"name"_s, u"Umbrella Inc"_s, stamp(m_now - 30), kOther}};
        QVERIFY(store->applyPull({change}, u"c1"_s).ok());
        QCOMPARE(*store->conflictCount(), 2);
        auto entries = store->conflicts();
        QCOMPARE(entries->size(), 2);
        QCOMPARE(entries->first().value.toString(), u"Umbrella Corp"_s); // newest first
        QCOMPARE(entries->first().origin, ConflictEntry::Origin::Server);

        change.conflicts.removeLast();
        QVERIFY(store->applyPull({change}, u"c2"_s).ok());
        QCOMPARE(*store->conflictCount(), 1);
        change.conflicts.clear();
        QVERIFY(store->applyPull({change}, u"c3"_s).ok());
        QCOMPARE(*store->conflictCount(), 0);
    }

    void supersededValuesGoToTheConflictLog()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto id = store->put(Entity::Account, {}, {{u"name"_s, u"Stark"_s}, {u"segment"_s, u"defense"_s}});
        const auto pending = *store->pendingMutations(10);
        auto report = store->acknowledge(
            {PushAck{pending.first().mutationId, PushAck::Status::Superseded, {u"segment"_s}, {}}});
        QVERIFY(report.ok());
        QCOMPARE(report->removed, 1);
        QCOMPARE(report->conflictsAdded, 1);
        auto entries = *store->conflicts();
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.first().field, u"segment"_s);
        QCOMPARE(entries.first().value.toString(), u"defense"_s);
        QCOMPARE(entries.first().origin, ConflictEntry::Origin::Superseded);
        QCOMPARE(entries.first().deviceId, store->deviceId());

        // The server kept the same value as a conflict too: one entry, and the server's from then on.
        auto change = remoteAccount(*id, u"Stark"_s, stamp(m_now + 5));
        change.fields.insert(u"segment"_s, u"energy"_s);
        change.fieldHlcs.insert(u"segment"_s, stamp(m_now + 5));
        change.conflicts = {{u"segment"_s, u"defense"_s, entries.first().hlc, store->deviceId()}};
        QVERIFY(store->applyPull({change}, u"c"_s).ok());
        entries = *store->conflicts();
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.first().origin, ConflictEntry::Origin::Server);

        // Acknowledging again (a retried push) changes nothing.
        QCOMPARE(store->acknowledge({PushAck{pending.first().mutationId, PushAck::Status::Applied, {}, {}}})->removed, 0);
    }

    void rejectedEditsAreRevertedAndLogged()
    {
        auto store = freshStore();
        QVERIFY(store);
        QVERIFY(store->applyPull({remoteAccount(uuid(30), u"Wayne"_s, stamp(m_now - 100))}, u"c1"_s).ok());
        QVERIFY(store->put(Entity::Account, uuid(30), {{u"name"_s, u"Wayne Enterprises"_s}}).ok());
        auto created = store->put(Entity::Tag, {}, {{u"name"_s, u"vip"_s}});
        const auto pending = *store->pendingMutations(10);
        QCOMPARE(pending.size(), 2);
        auto report = store->acknowledge({PushAck{pending.at(0).mutationId, PushAck::Status::Rejected, {}, u"forbidden"_s},
                                          PushAck{pending.at(1).mutationId, PushAck::Status::Rejected, {}, u"forbidden"_s}});
        QVERIFY(report.ok());
        QCOMPARE(report->rejected, 2);
        QCOMPARE(*store->pendingCount(), 0);
        // The refused edit is gone from the record (the full pull brings the server's value back), and a refused
        // create is gone altogether; both are in the log with the reason.
        QVERIFY(!store->get(Entity::Account, uuid(30))->fields.contains(u"name"_s));
        QCOMPARE(store->get(Entity::Tag, *created).error().code, ErrorCode::NotFound);
        QCOMPARE(*store->syncValue(u"cursor"_s), QString()); // a full pull is due
        const auto entries = *store->conflicts();
        QCOMPARE(entries.size(), 2);
        for (const ConflictEntry &entry : entries) {
            QCOMPARE(entry.origin, ConflictEntry::Origin::Rejected);
            QCOMPARE(entry.reason, u"forbidden"_s);
        }
        QVERIFY(store->applyPull({remoteAccount(uuid(30), u"Wayne"_s, stamp(m_now - 100))}, u"c2"_s).ok());
        QCOMPARE(store->get(Entity::Account, uuid(30))->fields.value(u"name"_s).toString(), u"Wayne"_s);
    }

    void restoreAndDismiss()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto change = remoteAccount(uuid(40), u"Cyberdyne"_s, stamp(m_now - 10));
        change.conflicts = {{u"name"_s, u"Cyberdyne Systems"_s, stamp(m_now - 20), kOther},
                            {u"name"_s, u"Skynet"_s, stamp(m_now - 30), kOther}};
        QVERIFY(store->applyPull({change}, u"c1"_s).ok());
        auto entries = *store->conflicts();

        auto restored = store->restoreConflict(entries.at(0).id);
        QVERIFY(restored.ok());
        QCOMPARE(*restored, uuid(40));
        QCOMPARE(store->get(Entity::Account, uuid(40))->fields.value(u"name"_s).toString(), u"Cyberdyne Systems"_s);
        auto pending = *store->pendingMutations(10);
        QCOMPARE(pending.size(), 1);
        // A plain overwrite: based on the value the server has, so the server resolves the field's conflicts.
        QCOMPARE(pending.first().base.value(u"name"_s).toString(), stamp(m_now - 10));
        QCOMPARE(*store->conflictCount(), 1);

        // Dismissing keeps the current value and writes it again so the server drops the conflict too.
        QVERIFY(store->dismissConflict(entries.at(1).id).ok());
        QCOMPARE(*store->conflictCount(), 0);
        QCOMPARE(store->get(Entity::Account, uuid(40))->fields.value(u"name"_s).toString(), u"Cyberdyne Systems"_s);
        pending = *store->pendingMutations(10);
        QCOMPARE(pending.size(), 2);
        QCOMPARE(pending.last().fields.value(u"name"_s).toString(), u"Cyberdyne Systems"_s);
        QCOMPARE(store->restoreConflict(9999).error().code, ErrorCode::NotFound);
    }

    void restoringAValueOfADeletedRecordMakesANewRecord()
    {
        auto store = freshStore();
        QVERIFY(store);
        auto gone = remoteDelete(Entity::Account, uuid(50), stamp(m_now - 5));
        gone.conflicts = {{u"name"_s, u"Soylent"_s, stamp(m_now - 20), kOther},
                          {u"domain"_s, u"soylent.example"_s, stamp(m_now - 20), kOther}};
        QVERIFY(store->applyPull({gone}, u"c1"_s).ok());
        auto entries = *store->conflicts();
        QCOMPARE(entries.size(), 2);
        QVERIFY(entries.first().recordDeleted);
        auto restored = store->restoreConflict(entries.first().id);
        QVERIFY(restored.ok());
        QVERIFY(*restored != uuid(50));
        auto record = store->get(Entity::Account, *restored);
        QCOMPARE(record->fields.value(u"name"_s).toString(), u"Soylent"_s);
        QCOMPARE(record->fields.value(u"domain"_s).toString(), u"soylent.example"_s);
        QCOMPARE(*store->conflictCount(), 0);
    }

    void clockOffsetIsPersistedAndUsed()
    {
        const QString dir = m_dir.filePath(u"clock"_s);
        QDir().mkpath(dir);
        {
            auto store = *Store::create(dir, m_key, [this] { return m_now; });
            QVERIFY(store->setClockOffset(-86'400'000).ok());
            QVERIFY(store->put(Entity::Tag, {}, {{u"name"_s, u"t"_s}}).ok());
            const auto hlc = Hlc::parse(store->pendingMutations(1)->first().hlc);
            QCOMPARE(hlc->millis, m_now - 86'400'000);
        }
        auto reopened = *Store::open(dir, m_key, [this] { return m_now + 1000; });
        QCOMPARE(reopened->clockOffset(), -86'400'000);
        QVERIFY(reopened->put(Entity::Tag, {}, {{u"name"_s, u"u"_s}}).ok());
        const auto hlc = Hlc::parse(reopened->pendingMutations(2)->last().hlc);
        QCOMPARE(hlc->millis, m_now + 1000 - 86'400'000);
    }

    void editsStampedAheadGetTheTeamsTimeInTheirOrder()
    {
        // A device whose clock is a day ahead captures offline before its first contact with a server.
        constexpr qint64 dayMs = 86'400'000; // constexpr: lambdas use it without capturing it
        const qint64 limitMs = 600'000;
        const QString dir = m_dir.filePath(u"ahead"_s);
        QDir().mkpath(dir);
        auto store = *Store::create(dir, m_key, [this] { return m_now + dayMs; });
        QVERIFY(store->restampAhead(limitMs).ok()); // a correct clock: nothing to do
        const QString insight = *store->put(Entity::Insight, {}, {{u"kind"_s, u"need"_s}, {u"text"_s, u"first"_s}});
        QVERIFY(store->put(Entity::Insight, insight, {{u"text"_s, u"second"_s}}).ok()); // text is kept in the create
        const QString tag = *store->put(Entity::Tag, {}, {{u"name"_s, u"trade show"_s}});
        QVERIFY(store->remove(Entity::Tag, tag).ok());
        const QList<OutboxEntry> before = *store->pendingMutations(10);
        QCOMPARE(before.size(), 4);
        QCOMPARE(*store->restampAhead(limitMs), 0); // no server has told the difference yet

        // The team's newest stamp, taken by the server 2 minutes ahead of its clock: new stamps come after it.
        const QString teamStamp = stamp(m_now + 120'000);
        QVERIFY(store->applyPull({remoteAccount(uuid(900), u"Initech"_s, teamStamp)}, u"c1"_s).ok());
        QVERIFY(store->setClockOffset(-dayMs).ok());
        QCOMPARE(*store->restampAhead(limitMs), 4);

        const QList<OutboxEntry> after = *store->pendingMutations(10);
        QCOMPARE(after.size(), 4);
        QString previous = teamStamp;
        for (int i = 0; i < after.size(); ++i) {
            QCOMPARE(after.at(i).mutationId, before.at(i).mutationId);
            const auto hlc = Hlc::parse(after.at(i).hlc);
            QVERIFY(hlc);
            QVERIFY2(after.at(i).hlc > previous, qPrintable(after.at(i).hlc));
            QVERIFY(hlc->millis <= m_now + limitMs);
            QCOMPARE(hlc->deviceId, store->deviceId());
            previous = after.at(i).hlc;
        }
        // The edit's base named the create's stamp: it names the new one.
        QCOMPARE(before.at(1).base.value(u"text"_s).toString(), before.at(0).hlc);
        QCOMPARE(after.at(1).base.value(u"text"_s).toString(), after.at(0).hlc);
        // The records carry the new stamps: a pull of an older server value does not beat the pending edit.
        const Record record = *store->get(Entity::Insight, insight);
        QCOMPARE(record.fieldHlcs.value(u"text"_s), after.at(1).hlc);
        QCOMPARE(record.fieldHlcs.value(u"kind"_s), after.at(0).hlc);
        QCOMPARE(record.hlc, after.at(1).hlc);
        QVERIFY(store->get(Entity::Tag, tag).error().code == ErrorCode::NotFound);

        // The clock went back with them: the next edit follows them, at the team's time; nothing more to re-stamp.
        QVERIFY(store->put(Entity::Insight, insight, {{u"text"_s, u"third"_s}}).ok());
        const QString next = store->pendingMutations(10)->last().hlc;
        QVERIFY(next > previous);
        QVERIFY(Hlc::parse(next)->millis <= m_now + limitMs);
        QCOMPARE(*store->restampAhead(limitMs), 0);

        // Also after reopening.
        store.reset();
        auto reopened = *Store::open(dir, m_key, [this] { return m_now + dayMs; });
        QVERIFY(reopened->put(Entity::Tag, {}, {{u"name"_s, u"after"_s}}).ok());
        QVERIFY(Hlc::parse(reopened->pendingMutations(10)->last().hlc)->millis <= m_now + limitMs);
        QCOMPARE(*reopened->verify(), QStringList());
    }

    void syncValuesRoundTrip()
    {
        auto store = freshStore();
        QVERIFY(store);
        QVERIFY(store->setSyncValues({{u"server_url"_s, u"https://x.example"_s}, {u"role"_s, u"sales"_s}}).ok());
        QCOMPARE(*store->syncValue(u"role"_s), u"sales"_s);
        QVERIFY(store->setSyncValues({{u"role"_s, QString()}}).ok());
        QCOMPARE(*store->syncValue(u"role"_s), QString());
        QCOMPARE(*store->syncValue(u"server_url"_s), u"https://x.example"_s);
    }

    // The sync engine reads the next push batch while one is in flight and sends it only if the outbox version is
    // still the one it read before: every change of an outbox row must change it, through this store or another
    // connection to the same database; reads, pulls and other writes need not.
    void outboxVersionChangesWithEveryOutboxWrite()
    {
        const QString dir = m_dir.filePath(u"version"_s);
        QDir().mkpath(dir);
        auto store = *Store::create(dir, m_key, [this] { return m_now; });
        const auto version = [&store] { return *store->outboxVersion(); };
        OutboxVersion last = version();
        const auto changed = [&] {
            const OutboxVersion now = version();
            const bool differs = !(now == last);
            last = now;
            return differs;
        };

        const QString account = *store->put(Entity::Account, {}, {{u"name"_s, u"Acme"_s}, {u"segment"_s, u"retail"_s}});
        QVERIFY(changed()); // a new entry
        QVERIFY(store->put(Entity::Account, account, {{u"name"_s, u"Acme"_s}}).ok());
        QVERIFY(!changed()); // nothing changed, nothing written
        QVERIFY(store->put(Entity::Account, account, {{u"segment"_s, u"b2b"_s}}).ok());
        QVERIFY(changed()); // the create gives its segment to the new edit
        QVERIFY(store->put(Entity::Account, account, {{u"segment"_s, u"b2c"_s}}).ok());
        QVERIFY(changed()); // the edit before is removed
        QVERIFY(store->pendingMutations(10).ok());
        QVERIFY(store->pendingMutationTexts(10).ok());
        QVERIFY(store->pendingCount().ok());
        QVERIFY(store->get(Entity::Account, account).ok());
        QVERIFY(store->setSyncValues({{u"cursor"_s, u"c0"_s}}).ok());
        QVERIFY(store->applyPull({remoteAccount(uuid(70), u"Pulled"_s, stamp(m_now - 10))}, u"c1"_s).ok());
        QVERIFY(!changed()); // reads, settings and pulls leave the outbox alone

        const QString tag = *store->put(Entity::Tag, {}, {{u"name"_s, u"t"_s}});
        QVERIFY(changed());
        QVERIFY(store->remove(Entity::Tag, tag).ok());
        QVERIFY(changed()); // a delete is appended

        const QList<OutboxEntry> pending = *store->pendingMutations(10);
        QVERIFY(store->acknowledge({PushAck {pending.first().mutationId, PushAck::Status::Applied, {}, {}}}).ok());
        QVERIFY(changed());
        QVERIFY(store->acknowledge({PushAck {pending.at(1).mutationId, PushAck::Status::Superseded, {u"segment"_s}, {}}})
                    .ok());
        QVERIFY(changed());

        // Another connection to the same database writes the outbox.
        {
            auto other = *Store::open(dir, m_key, [this] { return m_now; });
            QVERIFY(other->put(Entity::Account, account, {{u"domain"_s, u"acme.example"_s}}).ok());
        }
        QVERIFY(changed());
        QVERIFY(!changed());
    }

    void outboxVersionChangesWhenEntriesAreRestamped()
    {
        const QString dir = m_dir.filePath(u"version-restamp"_s);
        QDir().mkpath(dir);
        auto store = *Store::create(dir, m_key, [this] { return m_now + 86'400'000; });
        QVERIFY(store->put(Entity::Tag, {}, {{u"name"_s, u"early"_s}}).ok());
        const OutboxVersion before = *store->outboxVersion();
        QCOMPARE(*store->restampAhead(600'000), 0);
        QCOMPARE(*store->outboxVersion(), before); // nothing to do, nothing written
        QVERIFY(store->setClockOffset(-86'400'000).ok());
        QCOMPARE(*store->restampAhead(600'000), 1);
        QVERIFY(!(*store->outboxVersion() == before));
    }

    // Applied and duplicate entries go in one statement; exactly the entries named go, whatever their ids look like.
    void acknowledgeRemovesExactlyTheEntriesNamed()
    {
        auto store = freshStore();
        QVERIFY(store);
        QList<Store::PutItem> items;
        for (int i = 0; i < 12; ++i)
            items << Store::PutItem {Entity::Tag, {}, {{u"name"_s, u"tag %1"_s.arg(i)}}};
        QVERIFY(store->putMany(items).ok());
        const QList<OutboxEntry> pending = *store->pendingMutations(100);
        QCOMPARE(pending.size(), 12);
        QList<PushAck> acks;
        for (int i = 0; i < 12; i += 2)
            acks << PushAck {pending.at(i).mutationId, i % 4 == 0 ? PushAck::Status::Applied : PushAck::Status::Duplicate,
                             {}, {}};
        acks << PushAck {uuid(99), PushAck::Status::Applied, {}, {}}; // not (or no longer) in the outbox
        acks << PushAck {u"quote\"and\\backslash, \u00e9"_s, PushAck::Status::Duplicate, {}, {}}; // not an id at all
        auto report = store->acknowledge(acks);
        QVERIFY(report.ok());
        QCOMPARE(report->removed, 6);
        QCOMPARE(report->conflictsAdded, 0);
        const QList<OutboxEntry> left = *store->pendingMutations(100);
        QCOMPARE(left.size(), 6);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(left.at(i).mutationId, pending.at(2 * i + 1).mutationId);
        // Acknowledged again (a retried push): nothing more goes.
        QCOMPARE(store->acknowledge(acks)->removed, 0);
        // And a mix: applied ones in the statement, a superseded one on its own.
        report = store->acknowledge({PushAck {left.at(0).mutationId, PushAck::Status::Applied, {}, {}},
                                     PushAck {left.at(1).mutationId, PushAck::Status::Superseded, {u"name"_s}, {}},
                                     PushAck {left.at(2).mutationId, PushAck::Status::Duplicate, {}, {}}});
        QVERIFY(report.ok());
        QCOMPARE(report->removed, 3);
        QCOMPARE(report->conflictsAdded, 1);
        QCOMPARE(*store->pendingCount(), 3);
        QCOMPARE(*store->verify(), QStringList());
    }

    void laterLocalEditsSortAfterPulledStamps()
    {
        auto store = freshStore();
        QVERIFY(store);
        const QString future = stamp(m_now + 120'000);
        QVERIFY(store->applyPull({remoteAccount(uuid(60), u"Tyrell"_s, future)}, u"c"_s).ok());
        QVERIFY(store->put(Entity::Account, uuid(60), {{u"name"_s, u"Tyrell Corp"_s}}).ok());
        QVERIFY(store->pendingMutations(1)->first().hlc > future);
    }
};

QTEST_GUILESS_MAIN(TestStoreSync)
#include "tst_storesync.moc"
