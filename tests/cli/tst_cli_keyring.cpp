#include "base/securebuffer.h"
#include "platform/keystoreblocking.h"
#include "platform/qtkeychainkeystore.h"
#include "store/storedirectory.h"

#include <QTemporaryDir>
#include <QTest>

#include "clirunner.h"

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

/**
 * fieldnotes-cli with the real OS keystore (gnome-keyring in a private D-Bus session, see with-keyring.sh):
 * a remembered key unlocks without a passphrase, and a missing or wrong keystore never locks the user out.
 */
class TestCliKeyring : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_dir;
    const QString m_passphrase = u"a passphrase for the keyring test"_s;

    CliRun cli(const QStringList &args, const QString &passphrase = {}, bool breakKeystore = false)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"FIELDNOTES_PASSPHRASE"_s);
        env.insert(u"FIELDNOTES_INSECURE_FAST_KDF"_s, u"1"_s);
        if (!passphrase.isEmpty())
            env.insert(u"FIELDNOTES_PASSPHRASE"_s, passphrase);
        if (breakKeystore) // a session bus that is not there: the keystore is unavailable
            env.insert(u"DBUS_SESSION_BUS_ADDRESS"_s, u"unix:path=%1/no-bus"_s.arg(m_tmp.path()));
        return runCli(QStringList{u"--data-dir"_s, m_dir} + args, env);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(qEnvironmentVariableIsSet("FIELDNOTES_TEST_KEYRING"), "run me through tests/platform/with-keyring.sh");
        m_dir = m_tmp.filePath(u"store"_s);
        const CliRun init = cli({u"init"_s, u"--remember"_s}, m_passphrase);
        QVERIFY2(init.exitCode == 0, init.err.constData());
        QCOMPARE(init.json().value(u"remembered"_s).toBool(), true);
        QVERIFY(StoreDirectory::isRememberedInKeystore(m_dir));
    }

    void unlocksWithoutAPassphrase()
    {
        const CliRun status = cli({u"status"_s});
        QVERIFY2(status.exitCode == 0, status.err.constData());
        QVERIFY(cli({u"put"_s, u"tag"_s, u"--json"_s, uR"({"name":"kept"})"_s}).exitCode == 0);
    }

    void anExplicitPassphraseWinsOverTheKeystore()
    {
        const CliRun wrong = cli({u"status"_s}, u"not the passphrase"_s);
        QCOMPARE(wrong.exitCode, 1);
        QVERIFY(wrong.err.contains("passphrase is wrong"));
        QCOMPARE(cli({u"status"_s}, m_passphrase).exitCode, 0); // resets the failure count
    }

    void aBrokenKeystoreFallsBackToThePassphrase()
    {
        CliRun run = cli({u"status"_s}, {}, true);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("keystore is not available"), run.err.constData());
        QVERIFY(run.err.contains("FIELDNOTES_PASSPHRASE"));
        run = cli({u"status"_s}, m_passphrase, true);
        QVERIFY2(run.exitCode == 0, run.err.constData());
    }

    void aForeignKeyInTheKeystoreIsNotUsed()
    {
        QtKeychainKeyStore keystore;
        const QString entry = StoreDirectory::keystoreEntry(m_dir);
        auto original = readSecretBlocking(keystore, entry, 20000);
        QVERIFY(original.ok());
        QVERIFY(writeSecretBlocking(keystore, entry, SecureBuffer::random(32), 20000).ok());
        CliRun run = cli({u"status"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("does not fit this store"), run.err.constData());
        QCOMPARE(cli({u"status"_s}, m_passphrase).exitCode, 0);
        QVERIFY(writeSecretBlocking(keystore, entry, *original, 20000).ok());
        QCOMPARE(cli({u"status"_s}).exitCode, 0);
    }

    void wipeRemovesTheKeystoreEntry()
    {
        const QString entry = StoreDirectory::keystoreEntry(m_dir);
        QCOMPARE(cli({u"wipe"_s}).exitCode, 0);
        QtKeychainKeyStore keystore;
        auto gone = readSecretBlocking(keystore, entry, 20000);
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestCliKeyring)
#include "tst_cli_keyring.moc"
