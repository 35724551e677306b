#include "base/securebuffer.h"

#include <QTest>

#include <sodium.h>

#include <algorithm>
#include <cstring>

using namespace fieldnotes;

/** Tests SecureBuffer: guarded allocation, zero/random filling, move-only ownership and scrubbing. */
class TestSecureBuffer : public QObject
{
    Q_OBJECT

private slots:
    void defaultIsEmpty()
    {
        const SecureBuffer buffer;
        QVERIFY(buffer.isEmpty());
        QCOMPARE(buffer.size(), std::size_t {0});
        QVERIFY(buffer.data() == nullptr);
    }

    void sizedIsZeroFilled()
    {
        // sodium_malloc() fills with 0xdb, so this proves the constructor zeroes explicitly.
        const SecureBuffer buffer(64);
        QCOMPARE(buffer.size(), std::size_t {64});
        QVERIFY(!buffer.isEmpty());
        QVERIFY(sodium_is_zero(buffer.data(), buffer.size()) == 1);
    }

    void zeroSizeIsEmpty()
    {
        const SecureBuffer buffer(0);
        QVERIFY(buffer.isEmpty());
        QVERIFY(buffer.data() == nullptr);
    }

    void randomDiffers()
    {
        const SecureBuffer a = SecureBuffer::random(32);
        const SecureBuffer b = SecureBuffer::random(32);
        QCOMPARE(a.size(), std::size_t {32});
        QVERIFY(sodium_is_zero(a.data(), a.size()) == 0);
        QVERIFY(!a.equals(b)); // 2^-256 chance of a false failure
    }

    void moveTransfersOwnership()
    {
        SecureBuffer a = SecureBuffer::random(16);
        const unsigned char *bytes = a.data();
        SecureBuffer b(std::move(a));
        QVERIFY(a.isEmpty()); // NOLINT(bugprone-use-after-move): the moved-from state is specified
        QVERIFY(a.data() == nullptr);
        QCOMPARE(b.data(), bytes);
        QCOMPARE(b.size(), std::size_t {16});

        SecureBuffer c(8);
        c = std::move(b);
        QVERIFY(b.isEmpty()); // NOLINT(bugprone-use-after-move)
        QCOMPARE(c.data(), bytes);

        SecureBuffer &same = c; // through a reference: compilers refuse a visible self-move
        c = std::move(same); // self-move must not free
        QCOMPARE(c.data(), bytes);
        QCOMPARE(c.size(), std::size_t {16});
    }

    void equalsComparesContentAndSize()
    {
        const char text[] = "correct horse battery staple";
        const SecureBuffer a = SecureBuffer::fromBytes(text, sizeof text - 1);
        const SecureBuffer b = SecureBuffer::fromBytes(text, sizeof text - 1);
        const SecureBuffer shorter = SecureBuffer::fromBytes(text, sizeof text - 2);
        SecureBuffer changed = b.clone();
        changed.data()[changed.size() - 1] ^= 1;
        QVERIFY(a.equals(b));
        QVERIFY(!a.equals(shorter));
        QVERIFY(!a.equals(changed));
        QVERIFY(SecureBuffer().equals(SecureBuffer()));
        QVERIFY(!SecureBuffer().equals(a));
    }

    void cloneIsDeep()
    {
        const SecureBuffer a = SecureBuffer::random(32);
        SecureBuffer b = a.clone();
        QVERIFY(a.equals(b));
        QVERIFY(a.data() != b.data());
        b.data()[0] ^= 0xff;
        QVERIFY(!a.equals(b));
    }

    void fromBytesCopies()
    {
        char source[4] = {'a', 'b', 'c', 'd'};
        const SecureBuffer buffer = SecureBuffer::fromBytes(source, sizeof source);
        source[0] = 'x';
        QCOMPARE(std::memcmp(buffer.data(), "abcd", 4), 0);
    }

    void fromByteArrayScrubsTheSource()
    {
        QByteArray source("hunter2-hunter2");
        source.detach(); // own heap buffer, as a secret read from a device would have
        const char *storage = source.constData();
        const qsizetype size = source.size();

        const SecureBuffer buffer = SecureBuffer::fromByteArray(std::move(source));

        QCOMPARE(std::memcmp(buffer.data(), "hunter2-hunter2", buffer.size()), 0);
        QCOMPARE(buffer.size(), std::size_t(size));
        // The very same storage (no detach happened) now holds zeros only.
        QCOMPARE(source.constData(), storage); // NOLINT(bugprone-use-after-move): fromByteArray keeps it
        QCOMPARE(source.size(), size);
        QVERIFY(std::all_of(storage, storage + size, [](char c) { return c == 0; }));
    }

    void clearFrees()
    {
        SecureBuffer buffer = SecureBuffer::random(32);
        buffer.clear();
        QVERIFY(buffer.isEmpty());
        QVERIFY(buffer.data() == nullptr);
        buffer.clear(); // idempotent
    }

    void copyToByteArrayForKeystoreAndScrub()
    {
        const SecureBuffer buffer = SecureBuffer::fromBytes("key", 3);
        QByteArray copy = buffer.copyToByteArrayForKeystore();
        QCOMPARE(copy, QByteArray("key"));
        scrubByteArray(copy);
        QVERIFY(copy.isEmpty());
    }

    void scrubStringEmptiesIt()
    {
        QString passphrase = QStringLiteral("correct horse");
        passphrase.detach();
        scrubString(passphrase);
        QVERIFY(passphrase.isEmpty());
    }

    void disableCoreDumpsSetsTheLimit();
};

#include <sys/resource.h>
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

void TestSecureBuffer::disableCoreDumpsSetsTheLimit()
{
    disableCoreDumps();
    rlimit limit {};
    QCOMPARE(getrlimit(RLIMIT_CORE, &limit), 0);
    QCOMPARE(limit.rlim_cur, rlim_t {0});
    QCOMPARE(limit.rlim_max, rlim_t {0});
#ifdef Q_OS_LINUX
    QCOMPARE(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
#endif
}

QTEST_GUILESS_MAIN(TestSecureBuffer)
#include "tst_securebuffer.moc"
