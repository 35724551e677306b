// Damaged database files: opening or verify() must say so clearly (ErrorCode::Corrupt, human words, no SQL),
// and neither may change a byte of the damaged file or leave -wal/-shm files behind.
//
// Where the WAL went: the fixture store is closed before it is damaged. Closing the last connection checkpoints
// the WAL into the main file and deletes fieldnotes.db-wal and -shm (checked below), so the damage hits the only
// copy of the data and nothing can be replayed over it.
//
// Which check catches what (asserted per row by the "catcher" column):
//   flipped byte in the middle  verify()  page 1 and the schema are intact, so open() succeeds; the page's HMAC
//                                         fails when integrity_check / cipher_integrity_check read it.
//   truncated to half           open()    page 1 records the database size; SQLite refuses a file shorter than
//                                         that (SQLITE_CORRUPT) as soon as it reads the schema.
//   truncated to 100 bytes      open()    page 1 cannot be read and decrypted.
//   empty file                  open()    refused before SQLite could take it for a new database and write.
//   random garbage, same size   open()    page 1 fails its HMAC.

#include "faultsupport.h"

#include "base/securebuffer.h"
#include "store/store.h"

#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

enum class Damage { FlipByte, TruncateHalf, Truncate100, Empty, Garbage };

bool damage(const QString &path, Damage kind)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return false;
    const qint64 size = file.size();
    switch (kind) {
    case Damage::FlipByte: {
        const qint64 at = size / 2 + 123; // mid-page, away from the page boundary
        file.seek(at);
        char byte = 0;
        if (!file.getChar(&byte))
            return false;
        file.seek(at);
        return file.putChar(char(byte ^ 0x01));
    }
    case Damage::TruncateHalf:
        return file.resize(size / 2);
    case Damage::Truncate100:
        return file.resize(100);
    case Damage::Empty:
        return file.resize(0);
    case Damage::Garbage: {
        QByteArray garbage(size, Qt::Uninitialized);
        QRandomGenerator(20240611).fillRange(reinterpret_cast<quint32 *>(garbage.data()), garbage.size() / 4);
        file.seek(0);
        return file.write(garbage) == size;
    }
    }
    return false;
}

// Words a person understands, and none of the SQL the store runs.
QString whyNotHuman(const QString &message)
{
    if (message.isEmpty())
        return u"empty message"_s;
    if (!message.contains(u"damaged"_s, Qt::CaseInsensitive))
        return u"does not say the file is damaged: "_s + message;
    for (const QString &sql : {u"SELECT"_s, u"INSERT"_s, u"PRAGMA"_s, u"sqlite_"_s, u"CREATE "_s, u"btree"_s, u"Page "_s})
        if (message.contains(sql))
            return u"holds SQL or SQLite internals (%1): %2"_s.arg(sql, message);
    return {};
}

} // namespace

class TestDamage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    SecureBuffer m_key;
    QString m_pristine; ///< a closed store's main file

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_key = SecureBuffer::random(32);
        const QString dir = m_tmp.filePath(u"fixture"_s);
        QVERIFY(faults::makePrivateDir(dir));
        {
            auto store = Store::create(dir, m_key);
            QVERIFY2(store.ok(), qPrintable(store ? QString() : store.error().message));
            QList<Store::PutItem> items;
            for (int i = 0; i < 300; ++i) {
                items << Store::PutItem{Entity::Insight,
                                        {},
                                        {{u"kind"_s, u"need"_s},
                                         {u"text"_s, u"Insight %1 about onboarding, pricing and the export feature"_s.arg(i)},
                                         {u"quote"_s, u"It took us %1 days to get going."_s.arg(i % 30)}}};
            }
            QVERIFY((*store)->putMany(items).ok());
            QVERIFY(QFile::exists(Store::databaseFiles(dir).at(1))); // the WAL holds the writes while open
        }
        const QStringList files = Store::databaseFiles(dir);
        m_pristine = files.at(0);
        QVERIFY2(!QFile::exists(files.at(1)), "closing the store should checkpoint and delete the WAL");
        QVERIFY2(!QFile::exists(files.at(2)), "closing the store should delete the -shm file");
        QVERIFY(QFileInfo(m_pristine).size() >= 20 * 4096);
    }

    void damagedFileIsReportedAndLeftAlone_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("catcher"); // "open" or "verify"
        QTest::newRow("flipped byte") << int(Damage::FlipByte) << u"verify"_s;
        QTest::newRow("truncated to half") << int(Damage::TruncateHalf) << u"open"_s;
        QTest::newRow("truncated to 100 bytes") << int(Damage::Truncate100) << u"open"_s;
        QTest::newRow("empty file") << int(Damage::Empty) << u"open"_s;
        QTest::newRow("random garbage") << int(Damage::Garbage) << u"open"_s;
    }

    void damagedFileIsReportedAndLeftAlone()
    {
        QFETCH(int, kind);
        QFETCH(QString, catcher);

        const QString dir = m_tmp.filePath(u"case-%1"_s.arg(kind));
        QVERIFY(faults::makePrivateDir(dir));
        const QString path = Store::databaseFiles(dir).constFirst();
        QVERIFY(QFile::copy(m_pristine, path));
        QVERIFY(damage(path, Damage(kind)));
        const QMap<QString, QByteArray> before = faults::snapshotFiles(dir);
        QCOMPARE(before.keys(), QStringList{QString::fromLatin1(Store::kDatabaseFile)});

        QString caughtBy;
        QString message;
        ErrorCode code = ErrorCode::Corrupt;
        {
            auto store = Store::open(dir, m_key);
            if (!store) {
                caughtBy = u"open"_s;
                message = store.error().message;
                code = store.error().code;
            } else {
                auto problems = (*store)->verify();
                if (!problems) {
                    caughtBy = u"verify"_s;
                    message = problems.error().message;
                    code = problems.error().code;
                } else if (!problems->isEmpty()) {
                    caughtBy = u"verify"_s;
                    message = problems->join(u"\n"_s);
                }
            }
        }
        qInfo("%s: caught by %s: %s", QTest::currentDataTag(), qPrintable(caughtBy.isEmpty() ? u"nothing"_s : caughtBy),
              qPrintable(message.left(300)));

        // Not one byte changed, and no -wal/-shm left behind.
        const QMap<QString, QByteArray> after = faults::snapshotFiles(dir);
        QCOMPARE(after.keys(), before.keys());
        QVERIFY2(after == before, "the damaged file was modified");

        QVERIFY2(!caughtBy.isEmpty(), "the damage went unnoticed");
        QCOMPARE(caughtBy, catcher);
        QCOMPARE(code, ErrorCode::Corrupt);
        const QString problem = whyNotHuman(message);
        QVERIFY2(problem.isEmpty(), qPrintable(problem.left(300)));
    }
};

QTEST_GUILESS_MAIN(TestDamage)
#include "tst_damage.moc"
