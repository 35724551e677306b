#include "platform/memorykeystore.h"

#include "answer.h"

#include <QCoreApplication>
#include <QTest>

using namespace fieldnotes;
using namespace fieldnotes::test;
using namespace Qt::Literals::StringLiterals;

/** Tests MemoryKeyStore: the async contract every KeyStore keeps, plus its simulated outage. */
class TestMemoryKeyStore : public QObject
{
    Q_OBJECT

private slots:
    void writeThenRead()
    {
        MemoryKeyStore store;
        const SecureBuffer secret = SecureBuffer::random(32);
        Answer<void> written;
        store.writeSecret(u"store-key"_s, secret, written.callback());
        QVERIFY(!written.ready()); // never answered from inside the call
        QVERIFY(!store.contains(u"store-key"_s)); // applied when its turn comes, like a daemon would
        QTRY_VERIFY(written.ready());
        QVERIFY(written.ok());
        QVERIFY(store.contains(u"store-key"_s));

        Answer<SecureBuffer> read;
        store.readSecret(u"store-key"_s, read.callback());
        QVERIFY(!read.ready());
        QTRY_VERIFY(read.ready());
        QVERIFY(read.ok());
        QVERIFY(read.get()->equals(secret));
        QCOMPARE(read.calls(), 1);
        QCOMPARE(written.calls(), 1);
    }

    void theCallerMayWipeItsBufferAtOnce()
    {
        MemoryKeyStore store;
        SecureBuffer secret = SecureBuffer::fromBytes("abc", 3);
        Answer<void> written;
        store.writeSecret(u"k"_s, secret, written.callback());
        secret.clear();
        QTRY_VERIFY(written.ready());
        Answer<SecureBuffer> read;
        store.readSecret(u"k"_s, read.callback());
        QTRY_VERIFY(read.ready());
        QVERIFY(read.get()->equals(SecureBuffer::fromBytes("abc", 3)));
    }

    void operationsKeepTheirOrder()
    {
        MemoryKeyStore store;
        Answer<void> first;
        Answer<SecureBuffer> read;
        Answer<void> removed;
        Answer<SecureBuffer> readAgain;
        store.writeSecret(u"k"_s, SecureBuffer::fromBytes("1", 1), first.callback());
        store.readSecret(u"k"_s, read.callback());
        store.removeSecret(u"k"_s, removed.callback());
        store.readSecret(u"k"_s, readAgain.callback());
        QTRY_VERIFY(readAgain.ready());
        QVERIFY(read.ok());
        QVERIFY(read.get()->equals(SecureBuffer::fromBytes("1", 1)));
        QVERIFY(removed.ok());
        QCOMPARE(readAgain.code(), ErrorCode::NotFound);
    }

    void readMissing()
    {
        MemoryKeyStore store;
        Answer<SecureBuffer> read;
        store.readSecret(u"absent"_s, read.callback());
        QTRY_VERIFY(read.ready());
        QCOMPARE(read.code(), ErrorCode::NotFound);
    }

    void overwrite()
    {
        MemoryKeyStore store;
        Answer<void> a;
        Answer<void> b;
        store.writeSecret(u"k"_s, SecureBuffer::fromBytes("old", 3), a.callback());
        store.writeSecret(u"k"_s, SecureBuffer::fromBytes("new!", 4), b.callback());
        QTRY_VERIFY(b.ready());
        QCOMPARE(store.entryCount(), 1);
        Answer<SecureBuffer> read;
        store.readSecret(u"k"_s, read.callback());
        QTRY_VERIFY(read.ready());
        QVERIFY(read.get()->equals(SecureBuffer::fromBytes("new!", 4)));
    }

    void removeAndRemoveMissing()
    {
        MemoryKeyStore store;
        Answer<void> written;
        store.writeSecret(u"k"_s, SecureBuffer::random(8), written.callback());
        QTRY_VERIFY(written.ready());
        Answer<void> removed;
        store.removeSecret(u"k"_s, removed.callback());
        QTRY_VERIFY(removed.ready());
        QVERIFY(removed.ok());
        QVERIFY(!store.contains(u"k"_s));
        Answer<void> removedAgain;
        store.removeSecret(u"k"_s, removedAgain.callback());
        QTRY_VERIFY(removedAgain.ready());
        QVERIFY(removedAgain.ok()); // absent is not an error
    }

    void unavailable()
    {
        MemoryKeyStore store;
        Answer<void> before;
        store.writeSecret(u"k"_s, SecureBuffer::random(8), before.callback());
        QTRY_VERIFY(before.ready());

        store.setUnavailable(true);
        QVERIFY(store.isUnavailable());
        Answer<SecureBuffer> read;
        Answer<void> written;
        Answer<void> removed;
        store.readSecret(u"k"_s, read.callback());
        store.writeSecret(u"k"_s, SecureBuffer::random(8), written.callback());
        store.removeSecret(u"k"_s, removed.callback());
        QTRY_VERIFY(removed.ready());
        QCOMPARE(read.code(), ErrorCode::Unavailable);
        QCOMPARE(written.code(), ErrorCode::Unavailable);
        QCOMPARE(removed.code(), ErrorCode::Unavailable);
        QVERIFY(!read.get().error().message.isEmpty());

        store.setUnavailable(false);
        Answer<SecureBuffer> after;
        store.readSecret(u"k"_s, after.callback());
        QTRY_VERIFY(after.ready());
        QVERIFY(after.ok()); // the outage lost nothing
    }

    void destroyedStoreDropsPendingCallbacks()
    {
        Answer<SecureBuffer> read;
        {
            MemoryKeyStore store;
            store.readSecret(u"k"_s, read.callback());
        }
        QCoreApplication::processEvents();
        QCoreApplication::sendPostedEvents();
        QVERIFY(!read.ready());
    }

    void backendName()
    {
        MemoryKeyStore store;
        QCOMPARE(store.backendName(), u"memory"_s);
    }
};

QTEST_GUILESS_MAIN(TestMemoryKeyStore)
#include "tst_memorykeystore.moc"
