// The push body the engine writes from the outbox's stored text (readPushBatch) against the way it was written
// before: each entry read into an OutboxEntry (its JSON parsed), turned into a protocol::Mutation and encoded with
// QJsonDocument (protocol::encode). Byte for byte the same, over stores with varied content.

#include "base/securebuffer.h"
#include "protocol/protocol.h"
#include "store/store.h"
#include "sync/client/pushbatch.h"

#include <QDir>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <array>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

// The engine's conversion before readPushBatch (syncengine.cpp, toMutation), kept here as the reference.
protocol::Mutation referenceMutation(const OutboxEntry &entry)
{
    protocol::Mutation m;
    m.id = entry.mutationId;
    m.entity = entry.entity;
    m.recordId = entry.recordId;
    m.op = entry.op == u"delete"_s ? protocol::Op::Delete : protocol::Op::Upsert;
    m.hlc = Hlc::parse(entry.hlc).value_or(Hlc());
    m.fields = entry.fields;
    for (auto it = entry.base.begin(); it != entry.base.end(); ++it) {
        const QJsonValue value = it.value();
        m.base.insert(it.key(), value.isString() ? Hlc::parse(value.toString()) : std::nullopt);
    }
    return m;
}

// Text a person may type (the validator refuses control characters but tab, CR and LF): quotes, backslashes, slashes,
// Latin-1, CJK, right-to-left, combining marks, U+2028, U+FEFF, U+FFFF, emoji (pairs) and lone surrogates.
QString randomText(QRandomGenerator &random, int maxLength)
{
    static const QList<char16_t> specials {u'"', u'\\', u'/', u'\t', u'\n', u'\r', 0x80, 0xa0, 0xe9, 0x5d0, 0x627, 0x301,
                                           0x2028, 0x2029, 0x4e2d, 0xfeff, 0xfffd, 0xffff, 0xd83d, 0xde00};
    QString text;
    const int length = 1 + int(random.bounded(quint32(maxLength)));
    while (text.size() < length) {
        switch (random.bounded(6)) {
        case 0:
            text += QChar(specials.at(random.bounded(quint32(specials.size()))));
            break;
        case 1:
            text += QString::fromUcs4(std::array<char32_t, 1> {char32_t(0x1f600 + random.bounded(80))}.data(), 1);
            break;
        default:
            text += QChar(char16_t(0x20 + random.bounded(0x5f)));
        }
    }
    return text.trimmed().isEmpty() ? text + u"x"_s : text;
}

QString uuid(QRandomGenerator &random)
{
    return u"%1-0000-4000-8000-%2"_s.arg(random.bounded(1u << 31), 8, 16, QChar(u'0'))
        .arg(random.bounded(1u << 31), 12, 16, QChar(u'0'));
}

} // namespace

/** Tests that the push body written from the outbox's text is the body the engine wrote before, byte for byte. */
class TestPushBatch : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    SecureBuffer m_key;
    qint64 m_now = 1'800'000'000'000;

    // The body of `limit` entries after `afterSeq`, the old way.
    static QByteArray referenceBody(Store &store, int limit, qint64 afterSeq)
    {
        protocol::PushRequest request;
        for (const OutboxEntry &entry : *store.pendingMutations(1'000'000)) {
            if (entry.seq > afterSeq && request.mutations.size() < limit)
                request.mutations << referenceMutation(entry);
        }
        return protocol::encode(request);
    }

    static void compareAllBatches(Store &store, int limit)
    {
        qint64 after = 0;
        int batches = 0;
        while (true) {
            auto batch = sync::readPushBatch(store, limit, after);
            QVERIFY(batch.ok());
            const QByteArray expected = referenceBody(store, limit, after);
            if (batch->body != expected) {
                qsizetype at = 0;
                while (at < batch->body.size() && at < expected.size() && batch->body.at(at) == expected.at(at))
                    ++at;
                QFAIL(qPrintable(u"batch %1 differs at byte %2: %3 | %4"_s.arg(batches).arg(at).arg(
                    QString::fromUtf8(batch->body.mid(std::max<qsizetype>(0, at - 40), 80)),
                    QString::fromUtf8(expected.mid(std::max<qsizetype>(0, at - 40), 80)))));
            }
            if (batch->isEmpty())
                break;
            // The ids in the body's order, and where it ends.
            QStringList ids;
            qint64 last = 0;
            for (const OutboxEntry &entry : *store.pendingMutations(1'000'000)) {
                if (entry.seq > after && ids.size() < limit) {
                    ids << entry.mutationId;
                    last = entry.seq;
                }
            }
            QCOMPARE(batch->ids, ids);
            QCOMPARE(batch->lastSeq, last);
            after = batch->lastSeq;
            ++batches;
        }
        QVERIFY(batches > 0);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_key = SecureBuffer::random(32);
    }

    void bodyIsTheOldBodyForVariedContent()
    {
        const QString dir = m_dir.filePath(u"varied"_s);
        QDir().mkpath(dir);
        qint64 wallMs = m_now;
        auto store = *Store::create(dir, m_key, [&wallMs] { return wallMs; });
        QRandomGenerator random(20261128);
        static const QStringList kinds {u"need"_s, u"pain"_s, u"delight"_s, u"value"_s, u"competitor"_s, u"trend"_s,
                                        u"request"_s};
        QStringList accounts;
        QStringList insights;
        QStringList tags;
        for (int round = 0; round < 60; ++round) {
            QList<Store::PutItem> items;
            items << Store::PutItem {Entity::Account, {},
                                     {{u"name"_s, randomText(random, 40)}, {u"domain"_s, u"x%1.example"_s.arg(round)},
                                      {u"segment"_s, randomText(random, 10)}, {u"owner_email"_s, u"o@x.example"_s}}};
            items << Store::PutItem {Entity::Tag, {}, {{u"name"_s, randomText(random, 20)}, {u"color"_s, u"#1E88E5"_s}}};
            items << Store::PutItem {Entity::Guide, {},
                                     {{u"title"_s, randomText(random, 30)},
                                      {u"questions"_s, QJsonArray {randomText(random, 30), randomText(random, 5), u""_s}}}};
            auto ids = store->putMany(items);
            QVERIFY2(ids.ok(), qPrintable(ids.ok() ? QString() : ids.error().message));
            accounts << ids->at(0);
            tags << ids->at(1);
            QJsonArray tagIds;
            for (int t = int(random.bounded(3)); t > 0; --t)
                tagIds.append(tags.at(random.bounded(quint32(tags.size()))));
            auto insight = store->put(Entity::Insight, {},
                                      {{u"kind"_s, kinds.at(round % kinds.size())},
                                       {u"text"_s, randomText(random, 300)},
                                       {u"quote"_s, randomText(random, 80)},
                                       {u"importance"_s, 1 + round % 5},
                                       {u"published"_s, round % 2 == 0},
                                       {u"tags"_s, tagIds},
                                       {u"account_id"_s, accounts.at(random.bounded(quint32(accounts.size())))}});
            QVERIFY2(insight.ok(), qPrintable(insight.ok() ? QString() : insight.error().message));
            insights << *insight;
            auto conversation = store->put(Entity::Conversation, {},
                                           {{u"title"_s, randomText(random, 30)},
                                            {u"notes"_s, randomText(random, 2000)},
                                            {u"occurred_at"_s, u"2026-11-28T09:30:00Z"_s},
                                            {u"channel"_s, u"phone"_s},
                                            {u"consent"_s, true},
                                            {u"contact_ids"_s, QJsonArray {uuid(random)}}});
            QVERIFY2(conversation.ok(), qPrintable(conversation.ok() ? QString() : conversation.error().message));
            // Edits of earlier records (their entries give fields and bases to the new ones), cleared fields,
            // deletes.
            const QString earlier = insights.at(random.bounded(quint32(insights.size())));
            QVERIFY(store->put(Entity::Insight, earlier,
                               {{u"text"_s, randomText(random, 100)},
                                {u"quote"_s, random.bounded(2) ? QJsonValue(QJsonValue::Null)
                                                               : QJsonValue(randomText(random, 20))}})
                        .ok());
            QVERIFY(store->put(Entity::Conversation, *conversation, {{u"notes"_s, randomText(random, 500)}}).ok());
            if (round % 7 == 3)
                QVERIFY(store->remove(Entity::Tag, tags.takeAt(random.bounded(quint32(tags.size())))).ok());
            if (round % 11 == 5)
                QVERIFY(store->remove(Entity::Insight, insights.takeAt(random.bounded(quint32(insights.size())))).ok());
            wallMs += 3;
        }
        // Some entries acknowledged already: batches start anywhere in the seq range.
        const QList<OutboxEntry> pending = *store->pendingMutations(1'000'000);
        QVERIFY(pending.size() > 300);
        QList<PushAck> acks;
        for (int i = 0; i < pending.size(); i += 5)
            acks << PushAck {pending.at(i).mutationId, PushAck::Status::Applied, {}, {}};
        QVERIFY(store->acknowledge(acks).ok());

        for (int limit : {1, 7, 500})
            compareAllBatches(*store, limit);

        // Entries re-stamped (a device that learned its clock was a day ahead): their stamps and bases rewritten.
        wallMs += 86'400'000;
        QVERIFY(store->put(Entity::Insight, insights.first(), {{u"text"_s, randomText(random, 50)}}).ok());
        QVERIFY(store->put(Entity::Insight, insights.first(), {{u"importance"_s, 2}}).ok());
        QVERIFY(store->setClockOffset(-86'400'000).ok());
        QVERIFY(*store->restampAhead(protocol::kMaxClockAheadMs) > 0);
        compareAllBatches(*store, 500);
    }

    void emptyOutbox()
    {
        const QString dir = m_dir.filePath(u"empty"_s);
        QDir().mkpath(dir);
        auto store = *Store::create(dir, m_key);
        auto batch = sync::readPushBatch(*store, 500);
        QVERIFY(batch.ok());
        QVERIFY(batch->isEmpty());
        QCOMPARE(batch->body, protocol::encode(protocol::PushRequest {}));
    }
};

QTEST_GUILESS_MAIN(TestPushBatch)
#include "tst_pushbatch.moc"
