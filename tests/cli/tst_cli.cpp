#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "clirunner.h"

#include "base/securebuffer.h"
#include "crypto/keyvault.h"
#include "store/sqlite.h"
#include "store/store.h"

using namespace Qt::Literals::StringLiterals;

namespace {

QByteArray hashOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256)
                                          : QByteArray();
}

} // namespace

/** fieldnotes-cli as a black box: the commands, JSON and exit codes of CLI.md, run as real processes. */
class TestCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_dir;
    const QString m_passphrase = u"correct horse battery staple"_s;
    const QString m_canary = u"CANARY-7f3a9c1e"_s;

    using Run = CliRun;

    Run cli(const QStringList &args, const QString &passphrase = {}, const QByteArray &extraEnv = {},
            const QString &dataDir = {})
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"FIELDNOTES_PASSPHRASE"_s);
        env.insert(u"FIELDNOTES_INSECURE_FAST_KDF"_s, u"1"_s);
        env.insert(u"HOME"_s, m_tmp.filePath(u"home"_s));
        env.insert(u"XDG_DATA_HOME"_s, m_tmp.filePath(u"home/data"_s));
        if (!passphrase.isNull())
            env.insert(u"FIELDNOTES_PASSPHRASE"_s, passphrase);
        if (!extraEnv.isEmpty()) {
            const auto parts = extraEnv.split('=');
            env.insert(QString::fromUtf8(parts.at(0)), QString::fromUtf8(parts.at(1)));
        }
        Run run = runCli(QStringList{u"--data-dir"_s, dataDir.isEmpty() ? m_dir : dataDir} + args, env);
        // Nothing the user wrote ever reaches the messages on standard error.
        if (run.err.contains(m_canary.toUtf8()))
            qFatal("the canary reached standard error");
        return run;
    }
    Run ok(const QStringList &args)
    {
        Run run = cli(args, m_passphrase);
        if (run.exitCode != 0)
            qWarning("%s", run.err.constData());
        return run;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_dir = m_tmp.filePath(u"store"_s);
        const Run init = cli({u"init"_s}, m_passphrase);
        QCOMPARE(init.exitCode, 0);
        QCOMPARE(init.json().value(u"remembered"_s).toBool(), false);
        QCOMPARE(QFileInfo(m_dir).permissions() & 0x0077, QFileDevice::Permissions());
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("no command") << QStringList();
        QTest::newRow("unknown command") << QStringList{u"frobnicate"_s};
        QTest::newRow("unknown option") << QStringList{u"list"_s, u"account"_s, u"--colour"_s};
        QTest::newRow("unknown entity") << QStringList{u"list"_s, u"user"_s};
        QTest::newRow("missing json") << QStringList{u"put"_s, u"account"_s};
        QTest::newRow("bad limit") << QStringList{u"list"_s, u"account"_s, u"--limit"_s, u"-3"_s};
        QTest::newRow("csv without entity") << QStringList{u"export"_s, u"--format"_s, u"csv"_s};
        QTest::newRow("bad format") << QStringList{u"export"_s, u"--format"_s, u"xml"_s};
    }
    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, args);
        const Run run = cli(args, m_passphrase);
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.out.isEmpty());
        QVERIFY(!run.err.isEmpty());
    }

    void initRefusesAnExistingStore()
    {
        const QByteArray before = hashOf(m_dir + u"/vault.json"_s);
        const Run run = cli({u"init"_s}, u"another passphrase"_s);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("already exists"));
        QCOMPARE(hashOf(m_dir + u"/vault.json"_s), before);
    }

    void initRefusesAShortPassphrase()
    {
        const QString dir = m_tmp.filePath(u"short"_s);
        const Run run = cli({u"init"_s}, u"short"_s, {}, dir);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("at least 8 characters"));
        QVERIFY(!QFile::exists(dir + u"/vault.json"_s));
    }

    void putGetListSearchDelete()
    {
        const Run account = ok({u"put"_s, u"account"_s, u"--json"_s, uR"({"name":"Polar Foods %1"})"_s.arg(m_canary)});
        QCOMPARE(account.exitCode, 0);
        const QString accountId = account.json().value(u"id"_s).toString();
        QCOMPARE(accountId.size(), 36);

        const Run conversation = ok({u"put"_s, u"conversation"_s, u"--json"_s,
                                     uR"({"account_id":"%1","title":"Freezer walk","notes":"signal drops %2", "occurred_at":"2026-11-20T09:30:00Z","channel":"in_person","consent":true})"_s
                                         .arg(accountId, m_canary)});
        QCOMPARE(conversation.exitCode, 0);
        const QString conversationId = conversation.json().value(u"id"_s).toString();

        const Run got = ok({u"get"_s, u"conversation"_s, conversationId});
        QCOMPARE(got.exitCode, 0);
        QCOMPARE(got.json().value(u"title"_s).toString(), u"Freezer walk"_s);
        QCOMPARE(got.json().value(u"id"_s).toString(), conversationId);
        QCOMPARE(got.json().value(u"consent"_s).toBool(), true);

        const Run updated = ok({u"put"_s, u"conversation"_s, u"--id"_s, conversationId, u"--json"_s,
                                uR"({"status":"final"})"_s});
        QCOMPARE(updated.exitCode, 0);
        QCOMPARE(ok({u"get"_s, u"conversation"_s, conversationId}).json().value(u"status"_s).toString(), u"final"_s);

        const Run listed = ok({u"list"_s, u"conversation"_s, u"--account"_s, accountId});
        QCOMPARE(listed.lines().size(), 1);

        const Run hits = ok({u"search"_s, u"freezer"_s});
        QCOMPARE(hits.exitCode, 0);
        QCOMPARE(hits.lines().size(), 1);
        QCOMPARE(hits.lines().constFirst().value(u"entity"_s).toString(), u"conversation"_s);
        QCOMPARE(hits.lines().constFirst().value(u"id"_s).toString(), conversationId);
        QVERIFY(hits.lines().constFirst().value(u"snippet"_s).toString().contains(u"Freezer"_s));
        QCOMPARE(ok({u"search"_s, u"\"NEAR(("_s}).exitCode, 0); // FTS syntax is just text

        const Run status = ok({u"status"_s});
        QCOMPARE(status.json().value(u"records"_s).toObject().value(u"conversation"_s).toInt(), 1);
        QCOMPARE(status.json().value(u"pending"_s).toInt(), 3);
        QCOMPARE(status.json().value(u"signed_in"_s).toBool(), false);

        QCOMPARE(ok({u"delete"_s, u"conversation"_s, conversationId}).exitCode, 0);
        const Run gone = cli({u"get"_s, u"conversation"_s, conversationId}, m_passphrase);
        QCOMPARE(gone.exitCode, 1);
        QVERIFY(gone.err.contains("no conversation"));
        QCOMPARE(ok({u"search"_s, u"freezer"_s}).lines().size(), 0);
    }

    void badInputChangesNothing_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("not json") << QStringList{u"put"_s, u"account"_s, u"--json"_s, u"{name:"_s};
        QTest::newRow("array") << QStringList{u"put"_s, u"account"_s, u"--json"_s, u"[1]"_s};
        QTest::newRow("unknown field") << QStringList{u"put"_s, u"account"_s, u"--json"_s,
                                                      uR"({"name":"x","ssn":"CANARY-7f3a9c1e"})"_s};
        QTest::newRow("missing required") << QStringList{u"put"_s, u"insight"_s, u"--json"_s,
                                                         uR"({"text":"CANARY-7f3a9c1e"})"_s};
        QTest::newRow("out of range") << QStringList{u"put"_s, u"insight"_s, u"--json"_s,
                                                     uR"({"kind":"need","text":"CANARY-7f3a9c1e","importance":9})"_s};
        QTest::newRow("bad id") << QStringList{u"put"_s, u"tag"_s, u"--id"_s, u"1; DROP TABLE tags"_s, u"--json"_s,
                                               uR"({"name":"x"})"_s};
        QTest::newRow("delete missing") << QStringList{u"delete"_s, u"tag"_s, u"6f1c2d3e-0000-4000-8000-000000000099"_s};
        QTest::newRow("import missing file") << QStringList{u"import-accounts"_s, u"/nonexistent/file.csv"_s};
    }
    void badInputChangesNothing()
    {
        QFETCH(QStringList, args);
        const QString db = m_dir + u"/fieldnotes.db"_s;
        const Run before = ok({u"status"_s});
        const Run run = cli(args, m_passphrase);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        QVERIFY(run.err.startsWith("fieldnotes-cli: "));
        QCOMPARE(ok({u"status"_s}).out, before.out);
    }

    void wrongPassphraseIsRefusedAndThrottled()
    {
        QList<QByteArray> before;
        const QStringList files{u"fieldnotes.db"_s, u"fieldnotes.db-wal"_s, u"vault.json"_s};
        for (const QString &f : files)
            before << hashOf(m_dir + u'/' + f);
        Run run = cli({u"status"_s}, u"wrong passphrase!"_s);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("passphrase is wrong"), run.err.constData());
        QVERIFY(!run.err.contains("wrong passphrase!"));
        for (int i = 0; i < files.size(); ++i)
            QCOMPARE(hashOf(m_dir + u'/' + files[i]), before[i]);

        QCOMPARE(cli({u"status"_s}, u"wrong again"_s).exitCode, 1);
        QCOMPARE(cli({u"status"_s}, u"and again"_s).exitCode, 1);
        run = cli({u"status"_s}, m_passphrase); // even the right one waits now
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("Try again in"), run.err.constData());
        QTest::qWait(1100);
        QCOMPARE(ok({u"status"_s}).exitCode, 0);
    }

    void noPassphraseWithoutTerminal()
    {
        const Run run = cli({u"status"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("FIELDNOTES_PASSPHRASE"));
    }

    void passphraseFile()
    {
        const QString file = m_tmp.filePath(u"pass.txt"_s);
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_passphrase.toUtf8() + '\n');
        f.close();
        const Run run = cli({u"--passphrase-file"_s, file, u"status"_s});
        QCOMPARE(run.exitCode, 0);
    }

    void exportFormats()
    {
        QVERIFY(ok({u"put"_s, u"insight"_s, u"--json"_s, u"{\"kind\":\"value\",\"text\":\"Audit trails, \\\"signed\\\"\",\"importance\":4}"_s})
                    .exitCode
                == 0);
        const Run json = ok({u"export"_s, u"--format"_s, u"json"_s});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject doc = QJsonDocument::fromJson(json.out).object();
        QCOMPARE(doc.value(u"records"_s).toObject().value(u"insight"_s).toArray().size(), 1);

        const Run csv = ok({u"export"_s, u"--format"_s, u"csv"_s, u"--entity"_s, u"insight"_s});
        QCOMPARE(csv.exitCode, 0);
        QVERIFY(csv.out.startsWith("id,"));
        QVERIFY(csv.out.contains("\"Audit trails, \"\"signed\"\"\""));

        const QString out = m_tmp.filePath(u"export.md"_s);
        const Run md = ok({u"export"_s, u"--format"_s, u"markdown"_s, u"--out"_s, out});
        QCOMPARE(md.exitCode, 0);
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("Audit trails"));
        QCOMPARE(file.permissions() & 0x0077, QFileDevice::Permissions());
    }

    void importAccounts()
    {
        const QString csvPath = m_tmp.filePath(u"crm.csv"_s);
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::WriteOnly));
        csv.write("\xEF\xBB\xBF"
                  "Account Name,Website,Contact Name,Email\r\n"
                  "\"Harbor & Rail, Ltd.\",harbor.example,\"O'Neil, Pat\",pat@harbor.example\r\n"
                  ",nameless.example,Nobody,n@x.example\r\n"
                  "Dune Media,dune.example,Ray,not-an-email\r\n");
        csv.close();
        const Run run = ok({u"import-accounts"_s, csvPath});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains("skipped line 3"), run.err.constData());
        QVERIFY(run.err.contains("skipped line 4"));
        const Run accounts = ok({u"list"_s, u"account"_s});
        bool found = false;
        for (const QJsonObject &account : accounts.lines())
            found = found || account.value(u"name"_s).toString() == u"Harbor & Rail, Ltd."_s;
        QVERIFY(found);
    }

    void changePassphrase()
    {
        const QString db = m_dir + u"/fieldnotes.db"_s;
        ok({u"verify"_s}); // checkpoint-free read; the database file must not change below
        const QByteArray before = hashOf(db);
        Run run = cli({u"change-passphrase"_s}, m_passphrase, "FIELDNOTES_NEW_PASSPHRASE=a brand new passphrase");
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(hashOf(db), before);
        QCOMPARE(cli({u"status"_s}, m_passphrase).exitCode, 1);
        QCOMPARE(cli({u"status"_s}, u"a brand new passphrase"_s).exitCode, 0);
        run = cli({u"change-passphrase"_s}, u"a brand new passphrase"_s, "FIELDNOTES_NEW_PASSPHRASE=" + m_passphrase.toUtf8());
        QCOMPARE(run.exitCode, 0);
    }

    void verifyReportsDamage()
    {
        QCOMPARE(ok({u"verify"_s}).json().value(u"ok"_s).toBool(), true);
        const QString dir = m_tmp.filePath(u"damaged"_s);
        QCOMPARE(cli({u"init"_s}, m_passphrase, {}, dir).exitCode, 0);
        for (int i = 0; i < 200; ++i)
            QCOMPARE(cli({u"put"_s, u"tag"_s, u"--json"_s, uR"({"name":"tag %1"})"_s.arg(i)}, m_passphrase, {}, dir).exitCode, 0);
        // Fold the WAL into the file, then flip one byte in the middle of it.
        QCOMPARE(cli({u"verify"_s}, m_passphrase, {}, dir).exitCode, 0);
        const QString db = dir + u"/fieldnotes.db"_s;
        QFile file(db);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const qint64 offset = file.size() / 2;
        file.seek(offset);
        char byte = 0;
        file.getChar(&byte);
        file.seek(offset);
        file.putChar(char(byte ^ 0x40));
        file.close();
        const QByteArray before = hashOf(db);
        const Run run = cli({u"verify"_s}, m_passphrase, {}, dir);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("damaged"), run.err.constData());
        QCOMPARE(hashOf(db), before);
    }

    void wipeRemovesEverything()
    {
        const QString dir = m_tmp.filePath(u"towipe"_s);
        QCOMPARE(cli({u"init"_s}, m_passphrase, {}, dir).exitCode, 0);
        QCOMPARE(cli({u"put"_s, u"tag"_s, u"--json"_s, uR"({"name":"x"})"_s}, m_passphrase, {}, dir).exitCode, 0);
        QCOMPARE(cli({u"wipe"_s}, {}, {}, dir).exitCode, 0);
        QVERIFY(!QFileInfo::exists(dir));
        QCOMPARE(cli({u"status"_s}, m_passphrase, {}, dir).exitCode, 1);
        QCOMPARE(cli({u"wipe"_s}, {}, {}, dir).exitCode, 1);
    }

    // A store an older version left is upgraded when it is opened; the CLI says so first, on standard error (an
    // older version cannot open it afterwards), and only that once.
    void anUpgradeIsAnnounced()
    {
        const QString dir = m_tmp.filePath(u"old"_s);
        QCOMPARE(cli({u"init"_s}, m_passphrase, {}, dir).exitCode, 0);
        QCOMPARE(cli({u"put"_s, u"account"_s, u"--json"_s, u"{\"name\":\"Polar Labs\"}"_s}, m_passphrase, {}, dir)
                     .exitCode,
            0);
        {
            auto vault = fieldnotes::KeyVault::load(dir);
            QVERIFY(vault.ok());
            QByteArray passphrase = m_passphrase.toUtf8();
            auto key = vault->unlock(fieldnotes::SecureBuffer::fromByteArray(std::move(passphrase)));
            QVERIFY(key.ok());
            // As version 4 left it: the search table (its rows kept) without prefix indexes, no search backlog.
            auto db = fieldnotes::Database::open(fieldnotes::Store::databaseFiles(dir).constFirst(), *key,
                fieldnotes::Database::OpenMode::Existing);
            QVERIFY(db.ok());
            QVERIFY(db->exec("CREATE VIRTUAL TABLE search4 USING fts5 (title, body, extra,"
                             " tokenize = 'unicode61 remove_diacritics 2');"
                             "INSERT INTO search4 (rowid, title, body, extra) SELECT rowid, title, body, extra FROM search;"
                             "DROP TABLE search;"
                             "ALTER TABLE search4 RENAME TO search;"
                             "DROP TABLE search_backlog;"
                             "PRAGMA user_version = 4;")
                        .ok());
        }
        const Run upgraded = cli({u"list"_s, u"account"_s}, m_passphrase, {}, dir);
        QCOMPARE(upgraded.exitCode, 0);
        QVERIFY2(upgraded.err.contains("upgrading the store"), upgraded.err.constData());
        QCOMPARE(upgraded.lines().size(), 1);
        const Run again = cli({u"search"_s, u"polar"_s}, m_passphrase, {}, dir);
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(!again.err.contains("upgrading"), again.err.constData());
        QCOMPARE(again.lines().size(), 1); // the search index was rebuilt
    }

    void canaryNeverLeavesTheStoreInClearText()
    {
        QDirIterator it(m_dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            QVERIFY2(!bytes.contains(m_canary.toUtf8()), qPrintable(file.fileName()));
        }
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
