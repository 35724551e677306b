#include "platform/keystoreblocking.h"
#include "platform/memorykeystore.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QTimer>

#include <optional>

using namespace fieldnotes;
using namespace Qt::Literals::StringLiterals;

namespace {

/** A keystore that never answers, like a hung daemon; it keeps the callbacks so they can be fired late. */
class SilentKeyStore final : public KeyStore
{
public:
    void readSecret(const QString &, ReadCallback done) override { m_reads.push_back(std::move(done)); }
    void writeSecret(const QString &, const SecureBuffer &, DoneCallback done) override
    {
        m_done.push_back(std::move(done));
    }
    void removeSecret(const QString &, DoneCallback done) override { m_done.push_back(std::move(done)); }
    QString backendName() const override { return u"silent"_s; }

    std::vector<ReadCallback> m_reads;
    std::vector<DoneCallback> m_done;
};

} // namespace

/** Tests the blocking keystore helpers meant for command-line main()s. */
class TestKeyStoreBlocking : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip()
    {
        MemoryKeyStore store;
        const SecureBuffer secret = SecureBuffer::random(32);
        QVERIFY(writeSecretBlocking(store, u"k"_s, secret, 5000).ok());
        auto read = readSecretBlocking(store, u"k"_s, 5000);
        QVERIFY(read.ok());
        QVERIFY(read->equals(secret));
        QVERIFY(removeSecretBlocking(store, u"k"_s, 5000).ok());
        auto missing = readSecretBlocking(store, u"k"_s, 5000);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void errorsPassThrough()
    {
        MemoryKeyStore store;
        store.setUnavailable(true);
        auto read = readSecretBlocking(store, u"k"_s, 5000);
        QVERIFY(!read.ok());
        QCOMPARE(read.error().code, ErrorCode::Unavailable);
    }

    void timeout()
    {
        SilentKeyStore store;
        QElapsedTimer timer;
        timer.start();
        auto read = readSecretBlocking(store, u"k"_s, 50);
        QVERIFY(!read.ok());
        QCOMPARE(read.error().code, ErrorCode::Unavailable);
        QVERIFY(timer.elapsed() >= 45);
        auto removed = removeSecretBlocking(store, u"k"_s, 10);
        QCOMPARE(removed.error().code, ErrorCode::Unavailable);

        // The answer arriving after the caller gave up is harmless.
        QCOMPARE(store.m_reads.size(), std::size_t {1});
        store.m_reads.front()(SecureBuffer::random(32));
        store.m_done.front()(Result<void>());
    }

    void refusesInsideARunningEventLoop()
    {
        MemoryKeyStore store;
        std::optional<Result<SecureBuffer>> result;
        QEventLoop loop;
        QTimer::singleShot(0, &loop, [&] {
            result.emplace(readSecretBlocking(store, u"k"_s, 1000));
            loop.quit();
        });
        loop.exec();
        QVERIFY(result.has_value());
        QVERIFY(!result->ok());
        QCOMPARE(result->error().code, ErrorCode::Internal);
    }
};

QTEST_GUILESS_MAIN(TestKeyStoreBlocking)
#include "tst_keystoreblocking.moc"
