#include "platform/keystoreblocking.h"
#include "platform/qtkeychainkeystore.h"

#include "answer.h"

#include <QTest>

using namespace fieldnotes;
using namespace fieldnotes::test;
using namespace Qt::Literals::StringLiterals;

namespace {

// Generous: the first call activates the Secret Service and creates the collection.
constexpr int AnswerTimeoutMs = 30000;

} // namespace

// The real path: QtKeychain -> libsecret -> D-Bus -> gnome-keyring, in the throw-away keyring set up by
// with-keyring.sh. No Secret Service is a failure, never a skip.

/** Tests QtKeychainKeyStore against a real Secret Service. */
class TestQtKeychainKeyStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        // Refuse to run against the invoking user's own keyring.
        QVERIFY2(qEnvironmentVariable("FIELDNOTES_TEST_KEYRING") == u"1"_s,
            "run through tests/platform/with-keyring.sh (ctest does), which provides a private keyring");
        QVERIFY2(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"), "no D-Bus session bus");

        // Probe once, so a missing Secret Service fails here with its reason instead of timing out test by test.
        QtKeychainKeyStore store;
        Answer<SecureBuffer> probe;
        store.readSecret(u"store-key/probe"_s, probe.callback());
        QTRY_VERIFY_WITH_TIMEOUT(probe.ready(), AnswerTimeoutMs);
        QVERIFY2(probe.code() == ErrorCode::NotFound, qPrintable(u"no usable Secret Service: "_s + probe.message()));
    }

    void writeReadRemove()
    {
        QtKeychainKeyStore store;
        QCOMPARE(store.serviceName(), u"org.fieldnotes.Fieldnotes"_s);
        // Every byte value, including NUL and non-UTF-8 sequences: a raw key, not a password string.
        SecureBuffer secret(256);
        for (std::size_t i = 0; i < secret.size(); ++i)
            secret.data()[i] = static_cast<unsigned char>(i);

        Answer<void> written;
        store.writeSecret(u"store-key/write-read"_s, secret, written.callback());
        QVERIFY(!written.ready());
        QTRY_VERIFY_WITH_TIMEOUT(written.ready(), AnswerTimeoutMs);
        QVERIFY2(written.ok(), qPrintable(written.message()));

        Answer<SecureBuffer> read;
        store.readSecret(u"store-key/write-read"_s, read.callback());
        QTRY_VERIFY_WITH_TIMEOUT(read.ready(), AnswerTimeoutMs);
        QVERIFY2(read.ok(), qPrintable(read.message()));
        QCOMPARE(read.get()->size(), secret.size());
        QVERIFY(read.get()->equals(secret));

        Answer<void> removed;
        store.removeSecret(u"store-key/write-read"_s, removed.callback());
        QTRY_VERIFY_WITH_TIMEOUT(removed.ready(), AnswerTimeoutMs);
        QVERIFY2(removed.ok(), qPrintable(removed.message()));

        Answer<SecureBuffer> gone;
        store.readSecret(u"store-key/write-read"_s, gone.callback());
        QTRY_VERIFY_WITH_TIMEOUT(gone.ready(), AnswerTimeoutMs);
        QCOMPARE(gone.code(), ErrorCode::NotFound);
    }

    void readMissing()
    {
        QtKeychainKeyStore store;
        Answer<SecureBuffer> read;
        store.readSecret(u"store-key/never-written"_s, read.callback());
        QTRY_VERIFY_WITH_TIMEOUT(read.ready(), AnswerTimeoutMs);
        QVERIFY2(read.code() == ErrorCode::NotFound, qPrintable(read.message()));
    }

    void removeMissing()
    {
        QtKeychainKeyStore store;
        Answer<void> removed;
        store.removeSecret(u"store-key/never-written"_s, removed.callback());
        QTRY_VERIFY_WITH_TIMEOUT(removed.ready(), AnswerTimeoutMs);
        QVERIFY2(removed.ok(), qPrintable(removed.message()));
    }

    void overwrite()
    {
        QtKeychainKeyStore store;
        const SecureBuffer first = SecureBuffer::random(32);
        const SecureBuffer second = SecureBuffer::random(32);
        Answer<void> a;
        store.writeSecret(u"store-key/overwrite"_s, first, a.callback());
        QTRY_VERIFY_WITH_TIMEOUT(a.ready(), AnswerTimeoutMs);
        QVERIFY2(a.ok(), qPrintable(a.message()));
        Answer<void> b;
        store.writeSecret(u"store-key/overwrite"_s, second, b.callback());
        QTRY_VERIFY_WITH_TIMEOUT(b.ready(), AnswerTimeoutMs);
        QVERIFY2(b.ok(), qPrintable(b.message()));

        Answer<SecureBuffer> read;
        store.readSecret(u"store-key/overwrite"_s, read.callback());
        QTRY_VERIFY_WITH_TIMEOUT(read.ready(), AnswerTimeoutMs);
        QVERIFY(read.ok());
        QVERIFY(read.get()->equals(second));
        QVERIFY(!read.get()->equals(first));
    }

    void servicesAreSeparate()
    {
        QtKeychainKeyStore app;
        QtKeychainKeyStore other(u"org.fieldnotes.Fieldnotes.Other"_s);
        Answer<void> written;
        app.writeSecret(u"store-key/separate"_s, SecureBuffer::random(16), written.callback());
        QTRY_VERIFY_WITH_TIMEOUT(written.ready(), AnswerTimeoutMs);
        QVERIFY(written.ok());
        Answer<SecureBuffer> read;
        other.readSecret(u"store-key/separate"_s, read.callback());
        QTRY_VERIFY_WITH_TIMEOUT(read.ready(), AnswerTimeoutMs);
        QCOMPARE(read.code(), ErrorCode::NotFound);
    }

    void blockingHelpersAndFactory()
    {
        const auto store = createPlatformKeyStore();
        QVERIFY(store);
        QVERIFY(qobject_cast<QtKeychainKeyStore *>(store.get()) != nullptr);
        QVERIFY(!store->backendName().isEmpty());
        const SecureBuffer secret = SecureBuffer::random(32);
        const auto written = writeSecretBlocking(*store, u"store-key/blocking"_s, secret, AnswerTimeoutMs);
        QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().message));
        auto read = readSecretBlocking(*store, u"store-key/blocking"_s, AnswerTimeoutMs);
        QVERIFY(read.ok());
        QVERIFY(read->equals(secret));
        QVERIFY(removeSecretBlocking(*store, u"store-key/blocking"_s, AnswerTimeoutMs).ok());
    }
};

QTEST_GUILESS_MAIN(TestQtKeychainKeyStore)
#include "tst_qtkeychainkeystore.moc"
