// Convergence, end to end with real processes: five fieldnotes-cli devices (four marketers with clocks skewed by up
// to a day through faketime, one sales rep) edit the same records offline, sync through a fault-injecting proxy
// under partitions and random faults, heal, and must end identical. The real fieldnotes-server (SQLite) runs as its
// own process; device tokens live in a real gnome-keyring (the test runs under tests/platform/with-keyring.sh).

#include "../server/api/serverprocess.h"
#include "../../cli/clirunner.h"
#include "faultproxy.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QStandardPaths>

#ifndef FIELDNOTES_CLI
#error "FIELDNOTES_CLI must name the fieldnotes-cli executable"
#endif

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes::e2e;
using namespace fieldnotes::test;
using Fault = FaultProxy::Fault;

namespace {

using Run = CliRun;

QString describe(const Run &run)
{
    return u"exit %1: %2"_s.arg(run.exitCode).arg(QString::fromUtf8(run.err.right(1500)));
}

/** One device: a data directory and a clock skew, driven through fieldnotes-cli processes. */
struct Device
{
    QString name;
    QString dataDir;
    QString skew; ///< faketime offset ("+1d", "-3h"), empty for the true clock
    QString email;

    Run cli(const QStringList &args) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FIELDNOTES_PASSPHRASE"_s, u"device passphrase %1"_s.arg(name));
        env.insert(u"FIELDNOTES_INSECURE_FAST_KDF"_s, u"1"_s);
        // faketime preloads itself; an AddressSanitizer build would refuse to start behind it.
        env.insert(u"ASAN_OPTIONS"_s, env.value(u"ASAN_OPTIONS"_s) + u":verify_asan_link_order=0"_s);
        QProcess process;
        process.setProcessEnvironment(env);
        process.setStandardInputFile(QProcess::nullDevice());
        QStringList all{u"--data-dir"_s, dataDir};
        all += args;
        if (skew.isEmpty()) {
            process.start(QStringLiteral(FIELDNOTES_CLI), all);
        } else {
            process.start(u"faketime"_s, QStringList{u"-f"_s, skew, QStringLiteral(FIELDNOTES_CLI)} + all);
        }
        if (!process.waitForFinished(120000)) {
            process.kill();
            process.waitForFinished();
        }
        return Run{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                   process.readAllStandardOutput(), process.readAllStandardError()};
    }

    QString put(const QString &entity, const QJsonObject &fields, const QString &id = {}) const
    {
        QStringList args{u"put"_s, entity, u"--json"_s, QString::fromUtf8(compact(fields))};
        if (!id.isEmpty())
            args << u"--id"_s << id;
        const Run run = cli(args);
        return run.exitCode == 0 ? run.json().value(u"id"_s).toString() : QString();
    }

    bool sync(int retries = 0, int timeoutS = 3) const
    {
        return cli({u"sync"_s, u"--retries"_s, QString::number(retries), u"--timeout"_s, QString::number(timeoutS)})
                   .exitCode
            == 0;
    }

    /// A hash of every record (fields and ids) as the device shows it.
    QByteArray stateHash() const
    {
        const Run run = cli({u"export"_s, u"--format"_s, u"json"_s});
        if (run.exitCode != 0)
            return {};
        QJsonObject all = QJsonDocument::fromJson(run.out).object();
        all.remove(u"exported_at"_s); // the one thing that differs by design
        return QCryptographicHash::hash(compact(all), QCryptographicHash::Sha256).toHex();
    }

    QList<QJsonObject> conflicts() const { return cli({u"conflicts"_s}).lines(); }
};

} // namespace

/** Five devices, skewed clocks, partitions and faults: every device ends with the same records, nothing lost. */
class TestSyncConverge : public QObject
{
    Q_OBJECT

private:
    Stacks m_stacks{u"syncconverge"_s};
    Stack *m_stack = nullptr;
    std::unique_ptr<FaultProxy> m_proxy;
    QTemporaryDir m_dirs;
    QList<Device> m_marketers;
    Device m_sales;

    QString url() const { return u"http://127.0.0.1:%1"_s.arg(m_proxy->port()); }

    bool setUp(Device &device)
    {
        device.dataDir = m_dirs.filePath(device.name);
        const Run init = device.cli({u"init"_s});
        if (init.exitCode != 0) {
            qWarning("init %s: %s", qPrintable(device.name), qPrintable(describe(init)));
            return false;
        }
        const Run login = device.cli({u"login"_s, u"--server"_s, url(), u"--email"_s, device.email, u"--password"_s,
                                      kPassword, u"--device-name"_s, device.name});
        if (login.exitCode != 0) {
            qWarning("login %s: %s", qPrintable(device.name), qPrintable(describe(login)));
            return false;
        }
        return true;
    }

    /// Syncs every device in turn, `rounds` times, each sync retried by the CLI; false if one never succeeded.
    bool syncAll(int rounds, int retries)
    {
        bool all = true;
        for (int round = 0; round < rounds; ++round) {
            for (const Device &device : std::as_const(m_marketers))
                all = device.sync(retries) && all;
        }
        return all;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(!QStandardPaths::findExecutable(u"faketime"_s).isEmpty()); // setup.sh installs it
        QVERIFY2(qEnvironmentVariable("FIELDNOTES_TEST_KEYRING") == u"1"_s,
                 "run under tests/platform/with-keyring.sh: device tokens live in the OS keystore");
        QString why;
        m_stack = m_stacks.get(u"sqlite"_s, &why);
        QVERIFY2(m_stack, qPrintable(why));
        m_proxy = std::make_unique<FaultProxy>(m_stack->port());
        QVERIFY(m_proxy->start());
        const QString marketer = m_stack->a.emails.value(u"marketer"_s);
        m_marketers = {Device{u"m0"_s, {}, {}, marketer}, Device{u"m1"_s, {}, u"+1d"_s, marketer},
                       Device{u"m2"_s, {}, u"-1d"_s, marketer}, Device{u"m3"_s, {}, u"+3h"_s, marketer}};
        m_sales = Device{u"s0"_s, {}, u"-2h"_s, m_stack->a.emails.value(u"sales"_s)};
        for (Device &device : m_marketers)
            QVERIFY(setUp(device));
        QVERIFY(setUp(m_sales));
    }

    void cleanupTestCase()
    {
        m_proxy.reset();
        const QString findings = m_stacks.sanitizerFindings();
        QVERIFY2(findings.isEmpty(), qPrintable(findings));
    }

    void offlineEditsUnderFaultsConverge()
    {
        const Device &m0 = m_marketers.at(0);
        // Shared records, made by one device and synced everywhere.
        QStringList accounts;
        QStringList insights;
        for (int i = 0; i < 6; ++i) {
            accounts << m0.put(u"account"_s, {{u"name"_s, u"Account %1"_s.arg(i)}});
            insights << m0.put(u"insight"_s, {{u"kind"_s, u"need"_s},
                                               {u"text"_s, u"Insight %1"_s.arg(i)},
                                               {u"account_id"_s, accounts.last()},
                                               {u"published"_s, true}});
        }
        QVERIFY(!accounts.contains(QString()) && !insights.contains(QString()));
        QVERIFY(syncAll(1, 3));
        QVERIFY(syncAll(1, 3));

        // Partition: every device edits offline, on the same records, with its own clock.
        m_proxy->setPartitioned(true);
        struct Write
        {
            QString entity;
            QString id;
            QString field;
            QString value;
        };
        QList<Write> writes;
        for (int d = 0; d < m_marketers.size(); ++d) {
            const Device &device = m_marketers.at(d);
            for (int i = 1; i < accounts.size(); ++i) {
                const QString name = u"Account %1 by %2"_s.arg(i).arg(device.name);
                QVERIFY(!device.put(u"account"_s, {{u"name"_s, name}}, accounts.at(i)).isEmpty());
                writes << Write{u"account"_s, accounts.at(i), u"name"_s, name};
                const QString text = u"Insight %1 seen by %2"_s.arg(i).arg(device.name);
                QVERIFY(!device.put(u"insight"_s, {{u"text"_s, text}}, insights.at(i)).isEmpty());
                writes << Write{u"insight"_s, insights.at(i), u"text"_s, text};
            }
            // Fields only this device touches merge without conflict.
            const QString segment = u"segment from %1"_s.arg(device.name);
            QVERIFY(!device.put(u"account"_s, {{u"segment"_s, segment}}, accounts.at(1 + d)).isEmpty());
            writes << Write{u"account"_s, accounts.at(1 + d), u"segment"_s, segment};
            // New records on every device.
            const QString tag = u"tag of %1"_s.arg(device.name);
            const QString tagId = device.put(u"tag"_s, {{u"name"_s, tag}});
            QVERIFY(!tagId.isEmpty());
            writes << Write{u"tag"_s, tagId, u"name"_s, tag};
            QVERIFY(!device.sync(0, 2)); // offline: refused quickly, nothing lost
        }
        // One device deletes a record another edits offline: the delete wins, the edit is kept as a conflict.
        QCOMPARE(m_marketers.at(1).cli({u"delete"_s, u"account"_s, accounts.at(0)}).exitCode, 0);
        QVERIFY(!m_marketers.at(2).put(u"account"_s, {{u"domain"_s, u"edited-after-delete.example"_s}}, accounts.at(0))
                     .isEmpty());

        // The network comes back, badly: a third of the requests fail in every way.
        m_proxy->setPartitioned(false);
        m_proxy->setRandomFaults(0.35, 4242,
                                 {Fault::DropBeforeRequest, Fault::DropAfterRequest, Fault::DropMidResponse,
                                  Fault::Hang, Fault::Status500, Fault::Status503});
        syncAll(2, 6); // some of these may give up: that is the point
        QVERIFY(m_proxy->faultsInjected() > 0);

        // Healed: a few clean rounds bring everyone to the same state.
        m_proxy->heal();
        QVERIFY(syncAll(3, 3));
        QSet<QByteArray> hashes;
        for (const Device &device : std::as_const(m_marketers))
            hashes << device.stateHash();
        QCOMPARE(hashes.size(), 1);
        QVERIFY(!hashes.contains(QByteArray()));

        // No pending change anywhere, and no record twice.
        for (const Device &device : std::as_const(m_marketers)) {
            const QJsonObject status = device.cli({u"status"_s}).json();
            QCOMPARE(status.value(u"pending"_s).toInt(), 0);
            QCOMPARE(status.value(u"records"_s).toObject().value(u"account"_s).toInt(), accounts.size() - 1);
            QCOMPARE(status.value(u"records"_s).toObject().value(u"tag"_s).toInt(), m_marketers.size());
        }

        // Every write is either the value shown or in a conflict log.
        QSet<QString> logged;
        for (const Device &device : std::as_const(m_marketers)) {
            for (const QJsonObject &c : device.conflicts()) {
                logged << c.value(u"record_id"_s).toString() + u'/' + c.value(u"field"_s).toString() + u'/'
                        + c.value(u"value"_s).toString();
            }
        }
        for (const Write &w : std::as_const(writes)) {
            const QJsonObject shown = m0.cli({u"get"_s, w.entity, w.id}).json();
            const bool present = shown.value(w.field).toString() == w.value;
            QVERIFY2(present || logged.contains(w.id + u'/' + w.field + u'/' + w.value),
                     qPrintable(u"lost: %1 %2 %3 = %4"_s.arg(w.entity, w.id, w.field, w.value)));
        }
        // The deleted record did not come back, and the late edit is kept.
        for (const Device &device : std::as_const(m_marketers))
            QVERIFY(device.cli({u"get"_s, u"account"_s, accounts.at(0)}).exitCode != 0);
        QVERIFY(logged.contains(accounts.at(0) + u"/domain/edited-after-delete.example"_s));

        // The sales device sees published insights, and none after they are unpublished.
        QVERIFY(m_sales.sync(3));
        QCOMPARE(m_sales.cli({u"get"_s, u"insight"_s, insights.at(1)}).exitCode, 0);
        QVERIFY(!m0.put(u"insight"_s, {{u"published"_s, false}}, insights.at(1)).isEmpty());
        QVERIFY(m0.sync(3));
        QVERIFY(m_sales.sync(3));
        QVERIFY(m_sales.cli({u"get"_s, u"insight"_s, insights.at(1)}).exitCode != 0);
    }

    void revokedDeviceWipesItself()
    {
        const Device &victim = m_marketers.at(3);
        const QString serverDeviceId = [&] {
            // The admin finds the device by the name it signed in with.
            const Reply devices = m_stack->a.admin.get("/v1/admin/devices");
            for (const QJsonValue &d : devices.json().value(u"devices"_s).toArray()) {
                if (d.toObject().value(u"name"_s).toString() == victim.name)
                    return d.toObject().value(u"id"_s).toString();
            }
            return QString();
        }();
        QVERIFY(!serverDeviceId.isEmpty());
        QCOMPARE(m_stack->a.admin.post((u"/v1/admin/devices/"_s + serverDeviceId + u"/revoke"_s).toUtf8(),
                                       QByteArray("{}"))
                     .status,
                 204);
        const Run sync = victim.cli({u"sync"_s, u"--retries"_s, u"0"_s});
        QCOMPARE(sync.exitCode, 1);
        QVERIFY2(sync.err.contains("revoked"), sync.err.constData());
        QVERIFY(QDir(victim.dataDir).entryList(QDir::Files | QDir::Hidden).isEmpty()); // store, WAL, SHM, vault
        QVERIFY(victim.cli({u"status"_s}).exitCode != 0);
        // The others go on.
        QVERIFY(m_marketers.at(0).sync(3));
        QVERIFY(m_sales.sync(3));
    }
};

QTEST_GUILESS_MAIN(TestSyncConverge)
#include "tst_syncconverge.moc"
