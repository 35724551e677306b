#include "platform/paths.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace fieldnotes;
using namespace Qt::Literals::StringLiterals;

namespace {

int modeOf(const QString &path)
{
    struct stat info
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return static_cast<int>(info.st_mode & 07777);
}

} // namespace

/** Tests Paths: where stores live, and that their directories and files are made private. */
class TestPaths : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void dataRoot()
    {
        const QString root = Paths::dataRoot();
        QCOMPARE(root, QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
        QVERIFY2(root.contains(u".qttest"_s), qPrintable(root)); // test mode: never the user's real data
        // The GenericDataLocation/fieldnotes fallback only applies without a QCoreApplication: with one,
        // applicationName() falls back to the executable's name and is never empty.
    }

    void dataRootFollowsTheApplicationName()
    {
        const QString name = QCoreApplication::applicationName();
        QCoreApplication::setApplicationName(u"Fieldnotes"_s);
        const QString root = Paths::dataRoot();
        QCoreApplication::setApplicationName(name);
        QVERIFY2(root.endsWith(u"/Fieldnotes"_s), qPrintable(root));
    }

    void storeDirectory()
    {
        const QString dir = Paths::storeDirectory(u"https://notes.example.org"_s, u"alice@example.org"_s);
        const QString expectedId = QString::fromLatin1(
            QCryptographicHash::hash("https://notes.example.org\nalice@example.org", QCryptographicHash::Sha256)
                .toHex()
                .left(16));
        QCOMPARE(dir, Paths::dataRoot() + u"/stores/"_s + expectedId);
        QVERIFY(QRegularExpression(u"^[0-9a-f]{16}$"_s).match(Paths::storeId(u"x"_s, u"y"_s)).hasMatch());
        QVERIFY(!QFileInfo::exists(dir)); // computing a path creates nothing
    }

    void storeIdNormalizes_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("email");
        QTest::addColumn<bool>("same");

        QTest::newRow("identical") << u"https://notes.example.org"_s << u"alice@example.org"_s << true;
        QTest::newRow("email case and spaces") << u"https://notes.example.org"_s << u"  Alice@Example.ORG "_s << true;
        QTest::newRow("scheme and host case") << u"HTTPS://Notes.Example.org"_s << u"alice@example.org"_s << true;
        QTest::newRow("trailing slash") << u"https://notes.example.org/"_s << u"alice@example.org"_s << true;
        QTest::newRow("default port") << u"https://notes.example.org:443"_s << u"alice@example.org"_s << true;
        QTest::newRow("spaces around url") << u" https://notes.example.org "_s << u"alice@example.org"_s << true;
        QTest::newRow("other user") << u"https://notes.example.org"_s << u"bob@example.org"_s << false;
        QTest::newRow("other server") << u"https://other.example.org"_s << u"alice@example.org"_s << false;
        QTest::newRow("other port") << u"https://notes.example.org:8443"_s << u"alice@example.org"_s << false;
        QTest::newRow("other scheme") << u"http://notes.example.org"_s << u"alice@example.org"_s << false;
        QTest::newRow("other path") << u"https://notes.example.org/team"_s << u"alice@example.org"_s << false;
    }

    void storeIdNormalizes()
    {
        QFETCH(QString, url);
        QFETCH(QString, email);
        QFETCH(bool, same);
        const QString reference = Paths::storeId(u"https://notes.example.org"_s, u"alice@example.org"_s);
        QCOMPARE(Paths::storeId(url, email) == reference, same);
    }

    void localStoreDirectory()
    {
        QCOMPARE(Paths::localStoreDirectory(), Paths::dataRoot() + u"/stores/local"_s);
        QVERIFY(Paths::localStoreDirectory() != Paths::storeDirectory(u"https://a"_s, u"local"_s));
    }

    void ensurePrivateDirectoryCreates()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(u"a/b/store"_s);
        auto made = Paths::ensurePrivateDirectory(dir);
        QVERIFY2(made.ok(), qPrintable(made.ok() ? QString() : made.error().message));
        QVERIFY(QFileInfo(dir).isDir());
        QCOMPARE(modeOf(dir), 0700);
        QVERIFY(Paths::ensurePrivateDirectory(dir).ok()); // idempotent
    }

    void ensurePrivateDirectoryTightensAnExistingOne()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(u"store"_s);
        QVERIFY(QDir().mkdir(dir));
        QVERIFY(::chmod(QFile::encodeName(dir).constData(), 0755) == 0);
        QVERIFY(Paths::ensurePrivateDirectory(dir).ok());
        QCOMPARE(modeOf(dir), 0700);
    }

    void ensurePrivateDirectoryRefusesAFile()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(u"store"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        auto made = Paths::ensurePrivateDirectory(path);
        QVERIFY(!made.ok());
        QCOMPARE(made.error().code, ErrorCode::Io);
        QVERIFY(made.error().message.contains(u"not a directory"_s));
        QVERIFY(!Paths::ensurePrivateDirectory(QString()).ok());
    }

    void restrictFileToOwner()
    {
        QTemporaryDir tmp;
        const QString path = tmp.filePath(u"db"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
        QVERIFY(Paths::restrictFileToOwner(path).ok());
        QCOMPARE(modeOf(path), 0600);

        auto missing = Paths::restrictFileToOwner(tmp.filePath(u"absent"_s));
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        auto directory = Paths::restrictFileToOwner(tmp.path());
        QVERIFY(!directory.ok());
    }
};

QTEST_GUILESS_MAIN(TestPaths)
#include "tst_paths.moc"
