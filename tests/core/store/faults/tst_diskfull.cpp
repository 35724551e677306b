// A full disk in the middle of writing: the writer stops with a clear error that holds no record content,
// every acknowledged record survives, the store stays sound, and it takes new writes once there is space again.
//
// Row "rlimit": RLIMIT_FSIZE slightly above the current file sizes (writes past it fail with EFBIG, which the
// store reports as a full disk). Row "tmpfs": a real ENOSPC from a tiny tmpfs; it needs mount(2) (we run as root
// in the dev container) and skips where mounting is refused (unprivileged CI).

#include "faultsupport.h"

#include "base/securebuffer.h"
#include "store/store.h"

#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

constexpr qint64 kHeadroom = 1024 * 1024; // WAL the writer may add before the "disk" is full (< the 4 MiB autocheckpoint)

bool runQuiet(const QString &program, const QStringList &arguments, QString *errorText = nullptr)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(5000) || !process.waitForFinished(30000))
        return false;
    if (errorText)
        *errorText = QString::fromLocal8Bit(process.readAllStandardError()).trimmed();
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

qint64 largestFile(const QString &dir)
{
    qint64 largest = 0;
    for (const QString &file : Store::databaseFiles(dir))
        largest = std::max(largest, QFileInfo(file).size());
    return largest;
}

/** Unmounts on scope exit, so a failed check never leaves a tmpfs behind. */
struct Mount
{
    QString point;
    ~Mount()
    {
        if (!point.isEmpty())
            runQuiet(u"umount"_s, {point});
    }
};

} // namespace

class TestDiskFull : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    SecureBuffer m_key;
    QString m_keyFile;

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(QFile::exists(QString::fromUtf8(STORE_WRITER)));
        m_key = SecureBuffer::random(32);
        m_keyFile = m_tmp.filePath(u"key.hex"_s);
        QVERIFY(faults::writeKeyFile(m_keyFile, m_key));
    }

    void writesStopCleanlyWhenTheDiskIsFull_data()
    {
        QTest::addColumn<bool>("tmpfs");
        QTest::newRow("rlimit") << false;
        QTest::newRow("tmpfs") << true;
    }

    void writesStopCleanlyWhenTheDiskIsFull()
    {
        QFETCH(bool, tmpfs);
        const QString canary = u"CANARY-"_s + QString::number(QRandomGenerator::global()->generate64(), 16);

        // A store with some records, closed: the WAL is checkpointed and removed, only the main file is left.
        const QString seedDir = m_tmp.filePath(QString::fromLatin1(QTest::currentDataTag()) + u"-seed"_s);
        QVERIFY(faults::makePrivateDir(seedDir));
        {
            auto store = Store::create(seedDir, m_key);
            QVERIFY2(store.ok(), qPrintable(store ? QString() : store.error().message));
            QList<Store::PutItem> items;
            for (int i = 0; i < 40; ++i)
                items << Store::PutItem{Entity::Insight, {}, {{u"kind"_s, u"need"_s}, {u"text"_s, u"Seed %1"_s.arg(i)}}};
            QVERIFY((*store)->putMany(items).ok());
        }
        const qint64 mainSize = QFileInfo(Store::databaseFiles(seedDir).constFirst()).size();
        QVERIFY(mainSize > 0);

        QString storeDir = seedDir;
        Mount mount;
        QStringList writerArgs{u"--key-file"_s, m_keyFile, u"--count"_s, u"100000"_s, u"--canary"_s, canary};
        if (tmpfs) {
            const QString point = m_tmp.filePath(u"tmpfs"_s);
            QVERIFY(QDir().mkpath(point));
            // Room for the main file, the 32 KiB -shm, and kHeadroom of WAL; then ENOSPC.
            const qint64 sizeKiB = (mainSize + 32768 + kHeadroom) / 1024 + 4;
            QString error;
            if (!runQuiet(u"mount"_s, {u"-t"_s, u"tmpfs"_s, u"-o"_s, u"size=%1k,mode=0700"_s.arg(sizeKiB), u"tmpfs"_s, point},
                          &error))
                QSKIP(qPrintable(u"cannot mount a tmpfs here (%1)"_s.arg(error.isEmpty() ? u"mount refused"_s : error)));
            mount.point = point;
            storeDir = point + u"/store"_s;
            QVERIFY(faults::makePrivateDir(storeDir));
            QVERIFY(QFile::copy(Store::databaseFiles(seedDir).constFirst(), Store::databaseFiles(storeDir).constFirst()));
        } else {
            const qint64 limit = std::max<qint64>(largestFile(storeDir), 32768) + kHeadroom;
            writerArgs << u"--fsize-limit"_s << QString::number(limit);
        }
        writerArgs << u"--dir"_s << storeDir;

        QProcess writer;
        writer.start(QString::fromUtf8(STORE_WRITER), writerArgs);
        QVERIFY(writer.waitForStarted(10000));
        QVERIFY(writer.waitForFinished(120000));
        const QString stderrText = QString::fromLocal8Bit(writer.readAllStandardError()).trimmed();
        const QByteArray out = writer.readAllStandardOutput();
        qInfo("writer exit %d; stderr: %s", writer.exitCode(), qPrintable(stderrText));
        QCOMPARE(writer.exitStatus(), QProcess::NormalExit);
        QCOMPARE(writer.exitCode(), 3); // a write failed, and it was reported rather than crashing
        QVERIFY2(stderrText.contains(u"disk is full"_s, Qt::CaseInsensitive), qPrintable(stderrText));
        // No record content (any case), and no SQL (upper case, as the store writes it).
        for (const QString &content : {canary, u"Writer record"_s, u"rollout"_s, u"lost a week"_s})
            QVERIFY2(!stderrText.contains(content, Qt::CaseInsensitive), qPrintable(content));
        for (const QString &sql : {u"INSERT"_s, u"UPDATE"_s, u"SELECT"_s, u"PRAGMA"_s, u"COMMIT"_s, u"sqlite_"_s})
            QVERIFY2(!stderrText.contains(sql), qPrintable(sql));

        const QList<QByteArray> lines = out.split('\n');
        QStringList acknowledged;
        for (int i = 0; i + 1 < lines.size(); ++i)
            acknowledged << QString::fromLatin1(lines.at(i));
        QVERIFY2(!acknowledged.isEmpty(), "the disk filled before the first write: raise kHeadroom");
        QVERIFY2(acknowledged.size() < 100000, "the disk never filled");
        qInfo("%lld writes acknowledged before the disk was full", qint64(acknowledged.size()));

        const auto checkAcknowledged = [&](Store &store) {
            for (const QString &id : std::as_const(acknowledged)) {
                auto record = store.get(Entity::Insight, id);
                if (!record)
                    return u"acknowledged %1 is lost: %2"_s.arg(id, record.error().message);
            }
            auto problems = store.verify();
            if (!problems)
                return problems.error().message;
            return problems->join(u"; "_s);
        };

        if (tmpfs) {
            // Still full: the user must at least be able to read what was saved.
            auto full = Store::open(storeDir, m_key);
            QVERIFY2(full.ok(), qPrintable(full ? QString() : full.error().message));
            const QString trouble = checkAcknowledged(**full);
            QVERIFY2(trouble.isEmpty(), qPrintable(trouble));
            full->reset();
            // Free some space.
            QVERIFY(runQuiet(u"mount"_s, {u"-o"_s, u"remount,size=64m"_s, mount.point}));
        }

        auto store = Store::open(storeDir, m_key);
        QVERIFY2(store.ok(), qPrintable(store ? QString() : store.error().message));
        const QString trouble = checkAcknowledged(**store);
        QVERIFY2(trouble.isEmpty(), qPrintable(trouble));
        auto counts = (*store)->counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->value(Entity::Insight), 40 + int(acknowledged.size()));

        // It takes new writes afterwards.
        auto added = (*store)->put(Entity::Insight, {}, {{u"kind"_s, u"pain"_s}, {u"text"_s, u"After the disk was freed"_s}});
        QVERIFY2(added.ok(), qPrintable(added ? QString() : added.error().message));
        QVERIFY((*store)->get(Entity::Insight, *added).ok());
        auto hits = (*store)->search(u"freed"_s);
        QVERIFY(hits.ok());
        QCOMPARE(hits->size(), 1);
        auto problems = (*store)->verify();
        QVERIFY(problems.ok());
        QVERIFY2(problems->isEmpty(), qPrintable(problems->join(u"; "_s)));
    }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
