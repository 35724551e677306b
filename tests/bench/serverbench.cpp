#include "serverbench.h"

#include "records/hlc.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QUuid>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::bench {

namespace {

constexpr int kDevicesPerNam = 6; // QNetworkAccessManager opens at most 6 connections per host
constexpr int kKnownMax = 256; // records a device remembers (for edits with a proper base)
constexpr int kKnownRefs = 32; // accounts / conversations it remembers as references
constexpr int kTransferTimeoutMs = 30000;
constexpr int kSeedAccounts = 20, kSeedLeads = 40, kSeedConversations = 60, kSeedInsights = 200;
const QString kPassword = u"bench-password-1"_s;

void progress(const QString &line)
{
    std::fprintf(stderr, "server-bench: %s\n", line.toLocal8Bit().constData());
    std::fflush(stderr);
}

double round3(double v)
{
    return std::round(v * 1000) / 1000;
}

/// Nearest-rank percentile of a sorted list.
double percentile(const std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const auto rank = std::size_t(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

QJsonObject distribution(std::vector<double> values, std::optional<double> seconds)
{
    std::sort(values.begin(), values.end());
    QJsonObject out {{u"count"_s, qint64(values.size())},
        {u"p50_ms"_s, round3(percentile(values, 50))},
        {u"p95_ms"_s, round3(percentile(values, 95))},
        {u"p99_ms"_s, round3(percentile(values, 99))},
        {u"max_ms"_s, round3(values.empty() ? 0 : values.back())}};
    if (seconds)
        out.insert(u"rps"_s, round3(*seconds > 0 ? double(values.size()) / *seconds : 0));
    return out;
}

QString loadAverage()
{
    QFile f(u"/proc/loadavg"_s);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(f.readAll().trimmed());
}

/// user+system seconds of one process (not its children), from /proc.
std::optional<double> processCpuSeconds(qint64 pid)
{
    QFile f(u"/proc/%1/stat"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray text = f.readAll();
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0)
        return std::nullopt;
    const QList<QByteArray> fields = text.mid(close + 2).split(' ');
    if (fields.size() < 13)
        return std::nullopt;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return double(fields.at(11).toLongLong() + fields.at(12).toLongLong()) / ticks;
}

std::optional<qint64> parentPid(qint64 pid)
{
    QFile f(u"/proc/%1/stat"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray text = f.readAll();
    const qsizetype close = text.lastIndexOf(')');
    const QList<QByteArray> fields = text.mid(close + 2).split(' ');
    if (close < 0 || fields.size() < 2)
        return std::nullopt;
    return fields.at(1).toLongLong();
}

/// CPU seconds of a process and its direct children (a postmaster and its backends).
double treeCpuSeconds(qint64 root)
{
    double total = processCpuSeconds(root).value_or(0);
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 pid = entry.toLongLong(&ok);
        if (ok && pid != root && parentPid(pid) == root)
            total += processCpuSeconds(pid).value_or(0);
    }
    return total;
}

double selfCpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct MachineCpu
{
    double busy = 0;
    double total = 0;
};

MachineCpu machineCpu()
{
    QFile f(u"/proc/stat"_s);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> fields = f.readLine().simplified().split(' ');
    MachineCpu cpu;
    for (qsizetype i = 1; i < fields.size() && i <= 8; ++i) {
        const double v = double(fields.at(i).toLongLong());
        cpu.total += v;
        if (i != 4 && i != 5) // idle, iowait
            cpu.busy += v;
    }
    const double ticks = double(sysconf(_SC_CLK_TCK));
    cpu.busy /= ticks;
    cpu.total /= ticks;
    return cpu;
}

QProcessEnvironment fastKdfEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"FIELDNOTES_INSECURE_FAST_KDF"_s, u"1"_s);
    return env;
}

/// Runs a program to its end; its standard output in *out.
bool runTool(const QString &program, const QStringList &args, QString *out, QString *error, int timeoutMs = 120000)
{
    QProcess process;
    process.setProcessEnvironment(fastKdfEnvironment());
    process.start(program, args);
    if (!process.waitForStarted(10000)) {
        *error = u"cannot start %1: %2"_s.arg(program, process.errorString());
        return false;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        *error = u"%1 %2 did not finish"_s.arg(program, args.value(0));
        return false;
    }
    const QString stdoutText = QString::fromLocal8Bit(process.readAllStandardOutput());
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error = u"%1 %2 failed (exit %3): %4"_s.arg(program, args.mid(0, 2).join(u' ')).arg(process.exitCode())
                     .arg(QString::fromLocal8Bit(process.readAllStandardError()).trimmed().left(500));
        return false;
    }
    if (out)
        *out = stdoutText;
    return true;
}

QString lastLine(const QString &text)
{
    const QStringList lines = text.split(u'\n', Qt::SkipEmptyParts);
    return lines.isEmpty() ? QString() : lines.constLast().trimmed();
}

// ---- the server process

class ServerProcess
{
public:
    ~ServerProcess() { stop(); }

    bool start(const QString &program, const QString &dbUrl, const QString &logPath, bool trustLoopback,
        QString *error)
    {
        m_process.setProcessEnvironment(fastKdfEnvironment());
        m_process.setStandardErrorFile(logPath);
        QStringList args {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, dbUrl};
        if (trustLoopback)
            args << u"--trusted-proxy"_s << u"127.0.0.1"_s;
        m_process.start(program, args);
        if (!m_process.waitForStarted(10000)) {
            *error = u"cannot start %1: %2"_s.arg(program, m_process.errorString());
            return false;
        }
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 60000) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromLocal8Bit(m_process.readLine()).trimmed();
                if (line.startsWith(u"listening on "_s)) {
                    m_base = QUrl(u"http://"_s + line.mid(13));
                    return true;
                }
            }
            if (m_process.state() == QProcess::NotRunning) {
                *error = u"fieldnotes-server exited (code %1) before listening; see %2"_s.arg(m_process.exitCode())
                             .arg(logPath);
                return false;
            }
            m_process.waitForReadyRead(200);
        }
        *error = u"fieldnotes-server did not print 'listening on' within 60 s"_s;
        stop();
        return false;
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate(); // SIGTERM: the server's graceful shutdown
        if (!m_process.waitForFinished(20000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QUrl base() const { return m_base; }
    qint64 pid() const { return m_process.processId(); }

private:
    QProcess m_process;
    QUrl m_base;
};

// ---- the workload's text

constexpr const char *kWords[] = {"customer", "pricing", "onboarding", "export", "report", "dashboard", "integration",
    "contract", "renewal", "support", "workflow", "budget", "roadmap", "feedback", "demo", "trial", "invoice",
    "security", "migration", "approval", "forecast", "pipeline", "competitor", "churn", "adoption", "training",
    "offline", "mobile", "search", "latency", "crash", "backup", "shipping", "inspection", "ticket", "the", "and",
    "they", "need", "want", "said", "because", "still", "very", "every", "our", "team", "slow", "manual", "excel"};
const QStringList kKinds {u"need"_s, u"pain"_s, u"delight"_s, u"value"_s, u"competitor"_s, u"trend"_s, u"request"_s};
const QStringList kChannels {u"in_person"_s, u"phone"_s, u"video"_s, u"event"_s, u"other"_s};
const QStringList kHorizons {u"now"_s, u"quarter"_s, u"year"_s};
const QStringList kLeadStatuses {u"open"_s, u"accepted"_s, u"declined"_s, u"done"_s};
const QStringList kSegments {u"enterprise"_s, u"midmarket"_s, u"smb"_s, u"public"_s};

QString words(QRandomGenerator &rng, int minWords, int maxWords)
{
    const int n = minWords + int(rng.bounded(quint32(maxWords - minWords + 1)));
    QString text;
    for (int i = 0; i < n; ++i) {
        if (i)
            text += u' ';
        text += QLatin1StringView(kWords[rng.bounded(quint32(std::size(kWords)))]);
    }
    return text;
}

QString pick(QRandomGenerator &rng, const QStringList &list)
{
    return list.at(qsizetype(rng.bounded(quint32(list.size()))));
}

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// ---- devices and the expected state

enum class Endpoint { Login, Push, Pull, Seed, InitialPull, Verify };

struct Known
{
    QString entity;
    QHash<QString, QString> fieldHlcs; ///< as the device last saw them: what it sends as `base`
};

struct PendingMutation
{
    QString id;
    QString entity;
    QString recordId;
    QString hlc; ///< stamped when the user makes the change (empty: at the push)
    QJsonObject fields;
    bool create = false;
    QJsonObject base; ///< edits: the hlc of each field's value the device had when the user edited it
};

struct Device
{
    int index = 0;
    QString email;
    bool sales = false;
    QNetworkAccessManager *nam = nullptr;
    QByteArray forwardedFor;
    QString token;
    QString deviceId;
    std::unique_ptr<HlcClock> clock;
    QString cursor;
    QRandomGenerator rng;
    QHash<QString, Known> known;
    QStringList knownIds;
    QStringList accounts;
    QStringList conversations;
    std::vector<PendingMutation> pending; ///< in the push on the wire
    bool loggedIn = false;
    // The workload (see ServerBenchOptions): local changes go to the outbox; a sync pushes it and pulls to the end.
    std::vector<PendingMutation> outbox;
    std::unique_ptr<QTimer> changeTimer; ///< the user's next change
    std::unique_ptr<QTimer> debounceTimer; ///< the sync after the last change
    std::unique_ptr<QTimer> periodicTimer; ///< the periodic sync
    bool syncing = false;
    bool syncAgain = false; ///< a sync was asked for while one ran
    bool stopped = false;
};

/// What every record must look like in the end, from the push results: per field, the value with the highest hlc.
struct ModelRecord
{
    QString entity;
    QHash<QString, std::pair<QString, QJsonValue>> fields; ///< field -> (hlc, value)
};

struct Sample
{
    Endpoint endpoint;
    double clientMs;
};

// ---- one backend's run

class BackendRun
{
public:
    BackendRun(const ServerBenchOptions &options, QString backend)
        : m_options(options)
        , m_backend(std::move(backend))
    { }

    ~BackendRun()
    {
        m_devices.clear();
        qDeleteAll(m_nams);
    }

    QJsonObject run(const QString &dbUrl, const QString &logPath, std::optional<qint64> dbRootPid, QString *error);
    /// `--fresh-pull N`: N records pushed in batches of 1000, then fresh devices pull them all with limit=1000.
    QJsonObject runFreshPull(
        const QString &dbUrl, const QString &logPath, std::optional<qint64> dbRootPid, QString *error);

private:
    using Done = std::function<void(bool ok, int status, const QByteArray &body)>;

    void send(Device &d, Endpoint endpoint, const QString &path, const QString &query, const QByteArray *body,
        Done done);
    void countError(const QString &kind, const QString &detail);
    bool waitFor(const std::function<bool()> &condition, int timeoutMs);

    void login(Device &d, Endpoint endpoint, const std::function<void()> &then);
    std::vector<PendingMutation> makeBatch(Device &d);
    std::vector<PendingMutation> makeSeed(Device &d);
    void push(Device &d, Endpoint endpoint, std::vector<PendingMutation> batch, const std::function<void()> &then);
    void handlePushResults(Device &d, const QByteArray &body, bool ok);
    void pullToEnd(Device &d, Endpoint endpoint, const std::function<void()> &then);
    void absorbPage(Device &d, const QJsonArray &changes);
    void remember(Device &d, const QString &recordId, const QString &entity, QHash<QString, QString> fieldHlcs,
        bool always);
    void startDevice(Device &d);
    void makeChange(Device &d);
    void requestSync(Device &d);
    void syncDone(Device &d);
    void pushOutbox(Device &d, const std::function<void()> &then);
    void stopIfDone(Device &d);

    bool setUp(const QString &dbUrl, const QString &logPath, int devices, QString *error);
    QJsonObject freshDevicePull(
        const QString &email, const QString &logPath, std::optional<qint64> dbRootPid, QString *error);
    QJsonObject verify(QString *error);
    QJsonObject endpointStats(Endpoint endpoint, std::optional<double> seconds) const;

    const ServerBenchOptions &m_options;
    const QString m_backend;
    QObject m_context;
    ServerProcess m_server;
    QUrl m_base;
    std::vector<QNetworkAccessManager *> m_nams;
    std::vector<std::unique_ptr<Device>> m_devices;

    std::vector<Sample> m_samples;
    QString m_requestPrefix;
    int m_errors = 0;
    QMap<QString, int> m_errorKinds;
    int m_errorLines = 0;
    QMap<QString, int> m_statuses;
    qint64 m_mutationsPushed = 0;
    qint64 m_changesPulled = 0;
    qint64 m_cycles = 0;
    qint64 m_skippedPushes = 0;
    qint64 m_changes = 0;
    qint64 m_debouncedSyncs = 0;
    qint64 m_periodicSyncs = 0;
    qint64 m_coalescedSyncs = 0; ///< asked for while the device was syncing: one more sync after it
    qint64 m_busyNs = 0;

    QHash<QString, ModelRecord> m_model;
    QSet<QString> m_uncertain; ///< records touched by a push whose answer never came

    QElapsedTimer m_clock;
    qint64 m_deadlineMs = 0;
    int m_active = 0;
};

void BackendRun::countError(const QString &kind, const QString &detail)
{
    ++m_errors;
    ++m_errorKinds[kind];
    if (m_errorLines < 8) {
        ++m_errorLines;
        progress(u"[%1] error %2: %3"_s.arg(m_backend, kind, detail.left(300)));
    }
}

bool BackendRun::waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    if (condition())
        return true;
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(20);
    QElapsedTimer timer;
    timer.start();
    bool met = false;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (condition()) {
            met = true;
            loop.quit();
        } else if (timer.elapsed() > timeoutMs) {
            loop.quit();
        }
    });
    poll.start();
    loop.exec();
    return met;
}

void BackendRun::send(Device &d, Endpoint endpoint, const QString &path, const QString &query, const QByteArray *body,
    Done done)
{
    QUrl url = m_base;
    url.setPath(path);
    if (!query.isEmpty())
        url.setQuery(query, QUrl::StrictMode);
    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setTransferTimeout(kTransferTimeoutMs);
    if (!d.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + d.token.toLatin1());
    if (!m_options.direct)
        request.setRawHeader("X-Forwarded-For", d.forwardedFor);
    const qsizetype sampleIndex = qsizetype(m_samples.size());
    m_samples.push_back(Sample {endpoint, -1});
    request.setRawHeader("X-Request-Id", (m_requestPrefix + QString::number(sampleIndex)).toLatin1());
    QElapsedTimer timer;
    timer.start();
    QNetworkReply *reply;
    if (body) {
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        reply = d.nam->post(request, *body);
    } else {
        reply = d.nam->get(request);
    }
    QObject::connect(reply, &QNetworkReply::finished, &m_context,
        [this, reply, timer, sampleIndex, done = std::move(done)] {
            const double ms = double(timer.nsecsElapsed()) / 1e6;
            QElapsedTimer busy;
            busy.start();
            m_samples[std::size_t(sampleIndex)].clientMs = ms;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray data = reply->readAll();
            const bool ok = reply->error() == QNetworkReply::NoError && status >= 200 && status < 300;
            if (!ok) {
                const QString kind = status > 0 ? u"http_%1"_s.arg(status)
                                                : u"network_%1"_s.arg(int(reply->error()));
                countError(kind,
                    u"%1 %2: %3 %4"_s.arg(reply->url().path(), reply->errorString(),
                        QString::fromUtf8(data.left(200)))
                        .arg(ms, 0, 'f', 1));
            }
            reply->deleteLater();
            done(ok, status, data);
            m_busyNs += busy.nsecsElapsed();
        });
}

void BackendRun::login(Device &d, Endpoint endpoint, const std::function<void()> &then)
{
    const QByteArray body = QJsonDocument(QJsonObject {{u"email"_s, d.email}, {u"password"_s, kPassword},
                                              {u"device_name"_s, u"bench device %1"_s.arg(d.index)}})
                                .toJson(QJsonDocument::Compact);
    send(d, endpoint, u"/v1/auth/login"_s, {}, &body, [this, &d, then](bool ok, int, const QByteArray &data) {
        if (ok) {
            const QJsonObject answer = QJsonDocument::fromJson(data).object();
            d.token = answer.value(u"token"_s).toString();
            d.deviceId = answer.value(u"device_id"_s).toString();
            // The hlc's device part may not contain '-': the device id without its dashes.
            d.clock = std::make_unique<HlcClock>(QString(d.deviceId).remove(u'-'));
            d.loggedIn = !d.token.isEmpty() && HlcClock::isValidDeviceId(d.clock->deviceId());
            if (!d.loggedIn)
                countError(u"bad_login_answer"_s, QString::fromUtf8(data.left(200)));
        }
        then();
    });
}

void BackendRun::remember(Device &d, const QString &recordId, const QString &entity,
    QHash<QString, QString> fieldHlcs, bool always)
{
    if (d.sales && entity != u"lead"_s)
        return;
    if (entity == u"account"_s) {
        if (d.accounts.size() < kKnownRefs)
            d.accounts << recordId;
        else if (d.rng.bounded(8) == 0)
            d.accounts[qsizetype(d.rng.bounded(quint32(kKnownRefs)))] = recordId;
    } else if (entity == u"conversation"_s) {
        if (d.conversations.size() < kKnownRefs)
            d.conversations << recordId;
        else if (d.rng.bounded(8) == 0)
            d.conversations[qsizetype(d.rng.bounded(quint32(kKnownRefs)))] = recordId;
    }
    auto it = d.known.find(recordId);
    if (it != d.known.end()) {
        it->fieldHlcs = std::move(fieldHlcs);
        return;
    }
    if (d.known.size() >= kKnownMax) {
        if (!always && d.rng.bounded(8) != 0)
            return;
        const qsizetype victim = qsizetype(d.rng.bounded(quint32(d.knownIds.size())));
        d.known.remove(d.knownIds.at(victim));
        d.knownIds[victim] = recordId;
    } else {
        d.knownIds << recordId;
    }
    d.known.insert(recordId, Known {entity, std::move(fieldHlcs)});
}

std::vector<PendingMutation> BackendRun::makeBatch(Device &d)
{
    std::vector<PendingMutation> batch;
    const int size = 1 + int(d.rng.bounded(quint32(m_options.maxBatch)));
    QSet<QString> touched; // one mutation per record and batch, as a device's outbox coalesces them
    for (int i = 0; i < size; ++i) {
        PendingMutation m;
        m.id = newUuid();
        double r = d.rng.generateDouble();
        // Half the mutations edit a record the device knows, half create one (sales devices only edit leads).
        const bool edit = d.sales || (r >= 0.5 && !d.knownIds.isEmpty());
        if (!edit && r >= 0.5)
            r -= 0.5;
        if (edit) {
            if (d.knownIds.isEmpty())
                break;
            const QString recordId = d.knownIds.at(qsizetype(d.rng.bounded(quint32(d.knownIds.size()))));
            if (touched.contains(recordId))
                continue;
            touched.insert(recordId);
            const Known &known = d.known[recordId];
            m.entity = known.entity;
            m.recordId = recordId;
            QJsonObject &f = m.fields;
            const int which = int(d.rng.bounded(4));
            if (d.sales) {
                if (which < 2)
                    f.insert(u"status"_s, pick(d.rng, kLeadStatuses));
                else
                    f.insert(u"outcome"_s, words(d.rng, 4, 16));
            } else if (m.entity == u"insight"_s) {
                if (which == 0)
                    f.insert(u"text"_s, words(d.rng, 8, 30));
                else if (which == 1)
                    f.insert(u"importance"_s, 1 + int(d.rng.bounded(5)));
                else if (which == 2)
                    f.insert(u"published"_s, d.rng.bounded(2) == 0);
                else
                    f.insert(u"quote"_s, words(d.rng, 5, 15));
            } else if (m.entity == u"conversation"_s) {
                if (which < 2)
                    f.insert(u"notes"_s, words(d.rng, 20, 60));
                else if (which == 2)
                    f.insert(u"status"_s, u"final"_s);
                else
                    f.insert(u"title"_s, words(d.rng, 2, 6));
            } else if (m.entity == u"account"_s) {
                if (which < 2)
                    f.insert(u"segment"_s, pick(d.rng, kSegments));
                else
                    f.insert(u"domain"_s, u"%1.example"_s.arg(d.rng.bounded(100000)));
            } else { // lead
                if (which == 0)
                    f.insert(u"priority"_s, 1 + int(d.rng.bounded(3)));
                else if (which == 1)
                    f.insert(u"horizon"_s, pick(d.rng, kHorizons));
                else if (which == 2)
                    f.insert(u"status"_s, pick(d.rng, kLeadStatuses));
                else
                    f.insert(u"recommendation"_s, words(d.rng, 8, 20));
            }
        } else {
            m.create = true;
            m.recordId = newUuid();
            QJsonObject &f = m.fields;
            if (r < 0.32) {
                m.entity = u"insight"_s;
                f.insert(u"kind"_s, pick(d.rng, kKinds));
                f.insert(u"text"_s, words(d.rng, 8, 30));
                f.insert(u"importance"_s, 1 + int(d.rng.bounded(5)));
                f.insert(u"published"_s, d.rng.bounded(3) != 0);
                if (!d.conversations.isEmpty())
                    f.insert(u"conversation_id"_s, pick(d.rng, d.conversations));
                if (!d.accounts.isEmpty())
                    f.insert(u"account_id"_s, pick(d.rng, d.accounts));
            } else if (r < 0.42) {
                m.entity = u"conversation"_s;
                f.insert(u"title"_s, words(d.rng, 2, 6));
                f.insert(u"occurred_at"_s,
                    QDateTime::currentDateTimeUtc().addSecs(-qint64(d.rng.bounded(86400 * 30))).toString(Qt::ISODate));
                f.insert(u"channel"_s, pick(d.rng, kChannels));
                f.insert(u"consent"_s, true);
                f.insert(u"notes"_s, words(d.rng, 20, 60));
                f.insert(u"status"_s, u"draft"_s);
                if (!d.accounts.isEmpty())
                    f.insert(u"account_id"_s, pick(d.rng, d.accounts));
            } else if (r < 0.45 || d.accounts.isEmpty()) {
                m.entity = u"account"_s;
                f.insert(u"name"_s, u"Account %1"_s.arg(d.rng.bounded(1000000)));
                f.insert(u"segment"_s, pick(d.rng, kSegments));
            } else {
                m.entity = u"lead"_s;
                f.insert(u"account_id"_s, pick(d.rng, d.accounts));
                f.insert(u"recommendation"_s, words(d.rng, 8, 20));
                f.insert(u"priority"_s, 1 + int(d.rng.bounded(3)));
                f.insert(u"horizon"_s, pick(d.rng, kHorizons));
                f.insert(u"status"_s, u"open"_s);
            }
        }
        batch.push_back(std::move(m));
    }
    return batch;
}

std::vector<PendingMutation> BackendRun::makeSeed(Device &d)
{
    std::vector<PendingMutation> batch;
    QStringList accounts, conversations;
    const auto add = [&](const QString &entity, QJsonObject fields) {
        PendingMutation m {newUuid(), entity, newUuid(), {}, std::move(fields), true, {}};
        if (entity == u"account"_s)
            accounts << m.recordId;
        if (entity == u"conversation"_s)
            conversations << m.recordId;
        batch.push_back(std::move(m));
    };
    for (int i = 0; i < kSeedAccounts; ++i)
        add(u"account"_s, {{u"name"_s, u"Seed account %1"_s.arg(i)}, {u"segment"_s, pick(d.rng, kSegments)}});
    for (int i = 0; i < kSeedLeads; ++i)
        add(u"lead"_s, {{u"account_id"_s, pick(d.rng, accounts)}, {u"recommendation"_s, words(d.rng, 8, 20)},
                           {u"priority"_s, 1 + int(d.rng.bounded(3))}, {u"status"_s, u"open"_s}});
    for (int i = 0; i < kSeedConversations; ++i)
        add(u"conversation"_s, {{u"account_id"_s, pick(d.rng, accounts)}, {u"title"_s, words(d.rng, 2, 6)},
                                   {u"channel"_s, pick(d.rng, kChannels)}, {u"notes"_s, words(d.rng, 20, 60)}});
    for (int i = 0; i < kSeedInsights; ++i)
        add(u"insight"_s, {{u"conversation_id"_s, pick(d.rng, conversations)}, {u"kind"_s, pick(d.rng, kKinds)},
                              {u"text"_s, words(d.rng, 8, 30)}, {u"published"_s, d.rng.bounded(2) == 0}});
    return batch;
}

void BackendRun::push(Device &d, Endpoint endpoint, std::vector<PendingMutation> batch, const std::function<void()> &then)
{
    QJsonArray mutations;
    for (PendingMutation &m : batch) {
        if (m.hlc.isEmpty())
            m.hlc = d.clock->now().toString();
        QJsonObject json {{u"id"_s, m.id}, {u"entity"_s, m.entity}, {u"record_id"_s, m.recordId}, {u"op"_s, u"upsert"_s},
            {u"hlc"_s, m.hlc}, {u"fields"_s, m.fields}};
        if (!m.create)
            json.insert(u"base"_s, m.base);
        mutations.append(json);
    }
    m_mutationsPushed += qint64(batch.size());
    d.pending = std::move(batch);
    const QByteArray body = QJsonDocument(QJsonObject {{u"mutations"_s, mutations}}).toJson(QJsonDocument::Compact);
    send(d, endpoint, u"/v1/sync/push"_s, {}, &body, [this, &d, then](bool ok, int, const QByteArray &data) {
        handlePushResults(d, data, ok);
        then();
    });
}

void BackendRun::handlePushResults(Device &d, const QByteArray &body, bool ok)
{
    const std::vector<PendingMutation> pending = std::move(d.pending);
    d.pending.clear();
    const QJsonArray results = ok ? QJsonDocument::fromJson(body).object().value(u"results"_s).toArray() : QJsonArray();
    if (!ok || results.size() != qsizetype(pending.size())) {
        if (ok)
            countError(u"bad_push_answer"_s, QString::fromUtf8(body.left(200)));
        for (const PendingMutation &m : pending)
            m_uncertain.insert(m.recordId); // maybe stored, maybe not
        return;
    }
    for (qsizetype i = 0; i < results.size(); ++i) {
        const PendingMutation &m = pending[std::size_t(i)];
        const QJsonObject result = results.at(i).toObject();
        const QString status = result.value(u"status"_s).toString();
        ++m_statuses[status];
        if (result.value(u"id"_s).toString() != m.id) {
            countError(u"result_order"_s, m.id);
            continue;
        }
        if (status == u"rejected"_s || status == u"duplicate"_s) {
            countError(status + u":"_s + result.value(u"error"_s).toString(),
                u"%1 %2: %3"_s.arg(m.entity, m.recordId, result.value(u"message"_s).toString()));
            continue;
        }
        // applied or superseded: per field, the higher hlc wins, whatever order the answers come in.
        ModelRecord &record = m_model[m.recordId];
        record.entity = m.entity;
        for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
            auto field = record.fields.find(it.key());
            if (field == record.fields.end())
                record.fields.insert(it.key(), {m.hlc, it.value()});
            else if (m.hlc > field->first)
                *field = {m.hlc, it.value()};
        }
        // The device's own view: the fields it wrote and did not lose now carry its hlc.
        const QJsonArray lost = result.value(u"lost_fields"_s).toArray();
        QHash<QString, QString> hlcs = d.known.value(m.recordId).fieldHlcs;
        for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
            if (!lost.contains(QJsonValue(it.key())))
                hlcs.insert(it.key(), m.hlc);
        }
        remember(d, m.recordId, m.entity, std::move(hlcs), m.create);
    }
}

void BackendRun::absorbPage(Device &d, const QJsonArray &changes)
{
    QString newest;
    for (const QJsonValue &value : changes) {
        const QJsonObject change = value.toObject();
        const QString recordId = change.value(u"record_id"_s).toString();
        const QString hlc = change.value(u"hlc"_s).toString();
        if (hlc > newest)
            newest = hlc;
        if (change.value(u"deleted"_s).toBool()) {
            if (d.known.remove(recordId))
                d.knownIds.removeOne(recordId);
            continue;
        }
        const QString entity = change.value(u"entity"_s).toString();
        if (entity != u"insight"_s && entity != u"conversation"_s && entity != u"account"_s && entity != u"lead"_s)
            continue;
        if (d.sales && entity != u"lead"_s)
            continue;
        // Parse the field hlcs only of records the device keeps.
        if (!d.known.contains(recordId) && d.known.size() >= kKnownMax && entity != u"account"_s
            && entity != u"conversation"_s && d.rng.bounded(8) != 0)
            continue;
        QHash<QString, QString> hlcs;
        const QJsonObject fieldHlcs = change.value(u"field_hlcs"_s).toObject();
        for (auto it = fieldHlcs.begin(); it != fieldHlcs.end(); ++it)
            hlcs.insert(it.key(), it.value().toString());
        remember(d, recordId, entity, std::move(hlcs), true);
    }
    if (!newest.isEmpty()) {
        if (const auto seen = Hlc::parse(newest))
            d.clock->observe(*seen);
    }
}

void BackendRun::pullToEnd(Device &d, Endpoint endpoint, const std::function<void()> &then)
{
    QString query = u"limit=500"_s;
    if (!d.cursor.isEmpty())
        query += u"&cursor="_s + QString::fromLatin1(QUrl::toPercentEncoding(d.cursor));
    send(d, endpoint, u"/v1/sync/pull"_s, query, nullptr, [this, &d, endpoint, then](bool ok, int, const QByteArray &data) {
        if (!ok) {
            then();
            return;
        }
        const QJsonObject page = QJsonDocument::fromJson(data).object();
        const QJsonValue cursor = page.value(u"cursor"_s);
        const QJsonValue more = page.value(u"has_more"_s);
        const QJsonArray changes = page.value(u"changes"_s).toArray();
        if (!cursor.isString() || !more.isBool() || !page.value(u"changes"_s).isArray()) {
            countError(u"bad_pull_answer"_s, QString::fromUtf8(data.left(200)));
            then();
            return;
        }
        m_changesPulled += changes.size();
        absorbPage(d, changes);
        d.cursor = cursor.toString();
        if (more.toBool())
            pullToEnd(d, endpoint, then);
        else
            then();
    });
}

void BackendRun::startDevice(Device &d)
{
    const auto own = [this](const std::function<void()> &handler) {
        auto timer = std::make_unique<QTimer>();
        timer->setSingleShot(true);
        QObject::connect(timer.get(), &QTimer::timeout, &m_context, [this, handler] {
            QElapsedTimer busy;
            busy.start();
            handler();
            m_busyNs += busy.nsecsElapsed();
        });
        return timer;
    };
    d.changeTimer = own([this, &d] { makeChange(d); });
    d.debounceTimer = own([this, &d] {
        ++m_debouncedSyncs;
        requestSync(d);
    });
    d.periodicTimer = own([this, &d] {
        ++m_periodicSyncs;
        requestSync(d);
        d.periodicTimer->start(m_options.periodicSyncSeconds * 1000);
    });
    // Devices do not start in step: the first change and the first periodic sync at a random moment.
    d.changeTimer->start(int(d.rng.bounded(quint32(std::max(1, m_options.thinkMaxMs)))));
    d.periodicTimer->start(int(d.rng.bounded(quint32(std::max(1, m_options.periodicSyncSeconds * 1000)))));
}

void BackendRun::makeChange(Device &d)
{
    if (m_clock.elapsed() >= m_deadlineMs) {
        stopIfDone(d);
        return;
    }
    std::vector<PendingMutation> change = makeBatch(d);
    if (change.empty()) {
        ++m_skippedPushes; // a sales device that knows no lead yet
    } else {
        ++m_changes;
        for (PendingMutation &m : change) {
            // Stamped and based when the user edits, as the app's store does; the device's own view moves on.
            m.hlc = d.clock->now().toString();
            if (!m.create) {
                const auto known = d.known.find(m.recordId);
                for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
                    const auto hlc = known == d.known.end() ? QHash<QString, QString>::const_iterator()
                                                            : known->fieldHlcs.constFind(it.key());
                    const bool has = known != d.known.end() && hlc != known->fieldHlcs.cend();
                    m.base.insert(it.key(), has ? QJsonValue(*hlc) : QJsonValue(QJsonValue::Null));
                    if (known != d.known.end())
                        known->fieldHlcs.insert(it.key(), m.hlc);
                }
            }
            d.outbox.push_back(std::move(m));
        }
        d.debounceTimer->start(m_options.debounceMs); // restarted by every change: a sync after the last one
    }
    const int ms = m_options.thinkMinMs
        + int(d.rng.bounded(quint32(std::max(1, m_options.thinkMaxMs - m_options.thinkMinMs + 1))));
    d.changeTimer->start(ms);
}

void BackendRun::requestSync(Device &d)
{
    if (d.stopped)
        return;
    if (m_clock.elapsed() >= m_deadlineMs) {
        stopIfDone(d);
        return;
    }
    if (d.syncing) {
        ++m_coalescedSyncs;
        d.syncAgain = true;
        return;
    }
    d.syncing = true;
    ++m_cycles;
    pushOutbox(d, [this, &d] { pullToEnd(d, Endpoint::Pull, [this, &d] { syncDone(d); }); });
}

void BackendRun::pushOutbox(Device &d, const std::function<void()> &then)
{
    if (d.outbox.empty()) {
        then();
        return;
    }
    const std::size_t take = std::min<std::size_t>(d.outbox.size(), 1000);
    std::vector<PendingMutation> batch(
        std::make_move_iterator(d.outbox.begin()), std::make_move_iterator(d.outbox.begin() + std::ptrdiff_t(take)));
    d.outbox.erase(d.outbox.begin(), d.outbox.begin() + std::ptrdiff_t(take));
    push(d, Endpoint::Push, std::move(batch), [this, &d, then] { pushOutbox(d, then); });
}

void BackendRun::syncDone(Device &d)
{
    d.syncing = false;
    if (m_clock.elapsed() >= m_deadlineMs) {
        stopIfDone(d);
    } else if (d.syncAgain) {
        d.syncAgain = false;
        requestSync(d);
    }
}

void BackendRun::stopIfDone(Device &d)
{
    if (d.stopped || d.syncing)
        return;
    d.stopped = true;
    d.changeTimer->stop();
    d.debounceTimer->stop();
    d.periodicTimer->stop();
    --m_active;
}

QJsonObject BackendRun::endpointStats(Endpoint endpoint, std::optional<double> seconds) const
{
    std::vector<double> values;
    for (const Sample &s : m_samples) {
        if (s.endpoint == endpoint && s.clientMs >= 0)
            values.push_back(s.clientMs);
    }
    return distribution(std::move(values), seconds);
}

QJsonObject BackendRun::verify(QString *error)
{
    Device fresh;
    fresh.index = -1;
    fresh.email = u"marketer01@bench.example"_s;
    fresh.nam = m_nams.front();
    fresh.forwardedFor = "10.255.255.254";
    fresh.rng.seed(m_options.seed ^ 0xfeedu);
    bool done = false;
    login(fresh, Endpoint::Verify, [&] { done = true; });
    if (!waitFor([&] { return done; }, 60000) || !fresh.loggedIn) {
        *error = u"the fresh device cannot sign in"_s;
        return {};
    }
    QHash<QString, QJsonObject> pulled;
    QElapsedTimer timer;
    timer.start();
    bool finished = false;
    bool failed = false;
    std::function<void()> next;
    next = [&] {
        QString query = u"limit=1000"_s;
        if (!fresh.cursor.isEmpty())
            query += u"&cursor="_s + QString::fromLatin1(QUrl::toPercentEncoding(fresh.cursor));
        send(fresh, Endpoint::Verify, u"/v1/sync/pull"_s, query, nullptr, [&](bool ok, int, const QByteArray &data) {
            if (!ok) {
                failed = finished = true;
                return;
            }
            const QJsonObject page = QJsonDocument::fromJson(data).object();
            for (const QJsonValue &value : page.value(u"changes"_s).toArray()) {
                const QJsonObject change = value.toObject();
                pulled.insert(change.value(u"record_id"_s).toString(), change);
            }
            fresh.cursor = page.value(u"cursor"_s).toString();
            if (page.value(u"has_more"_s).toBool())
                next();
            else
                finished = true;
        });
    };
    next();
    if (!waitFor([&] { return finished; }, 300000) || failed) {
        *error = u"the fresh device's pull failed"_s;
        return {};
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;

    qint64 live = 0, conflicts = 0, mismatchedFields = 0, missing = 0;
    for (auto it = pulled.cbegin(); it != pulled.cend(); ++it) {
        if (!it->value(u"deleted"_s).toBool())
            ++live;
        conflicts += it->value(u"conflicts"_s).toArray().size();
    }
    QStringList examples;
    for (auto it = m_model.cbegin(); it != m_model.cend(); ++it) {
        if (m_uncertain.contains(it.key()))
            continue;
        const auto found = pulled.constFind(it.key());
        if (found == pulled.cend() || found->value(u"deleted"_s).toBool()) {
            ++missing;
            if (examples.size() < 3)
                examples << u"missing %1 %2"_s.arg(it->entity, it.key());
            continue;
        }
        const QJsonObject fields = found->value(u"fields"_s).toObject();
        const QJsonObject hlcs = found->value(u"field_hlcs"_s).toObject();
        for (auto f = it->fields.cbegin(); f != it->fields.cend(); ++f) {
            if (fields.value(f.key()) != f->second || hlcs.value(f.key()).toString() != f->first) {
                ++mismatchedFields;
                if (examples.size() < 3)
                    examples << u"%1 %2.%3"_s.arg(it->entity, it.key(), f.key());
            }
        }
    }
    qint64 unexpected = 0;
    for (auto it = pulled.cbegin(); it != pulled.cend(); ++it) {
        if (!m_model.contains(it.key()) && !m_uncertain.contains(it.key()))
            ++unexpected;
    }
    const qint64 pushedRecords = qint64(m_model.size());
    const bool converged = missing == 0 && mismatchedFields == 0 && unexpected == 0 && m_uncertain.isEmpty()
        && live == pushedRecords;
    for (const QString &e : std::as_const(examples))
        progress(u"[%1] convergence: %2"_s.arg(m_backend, e));
    return QJsonObject {{u"records_pushed"_s, pushedRecords},
        {u"records_pulled"_s, live},
        {u"missing"_s, missing},
        {u"unexpected"_s, unexpected},
        {u"uncertain"_s, qint64(m_uncertain.size())},
        {u"fields_checked"_s,
            [&] {
                qint64 n = 0;
                for (const ModelRecord &r : std::as_const(m_model))
                    n += r.fields.size();
                return n;
            }()},
        {u"fields_mismatched"_s, mismatchedFields},
        {u"conflicts_kept"_s, conflicts},
        {u"fresh_pull_s"_s, round3(seconds)},
        {u"fresh_pull_records_per_s"_s, std::round(seconds > 0 ? double(pulled.size()) / seconds : 0)},
        {u"converged"_s, converged}};
}

/// Server-side durations (the request log: first byte to answer) of this run's requests, by sample index.
QHash<qsizetype, double> serverDurations(const QString &logPath, const QString &requestPrefix)
{
    QHash<qsizetype, double> durations;
    QFile logFile(logPath);
    if (!logFile.open(QIODevice::ReadOnly))
        return durations;
    while (!logFile.atEnd()) {
        const QJsonObject entry = QJsonDocument::fromJson(logFile.readLine()).object();
        const QString id = entry.value(u"request_id"_s).toString();
        if (!id.startsWith(requestPrefix))
            continue;
        bool ok = false;
        const qsizetype index = id.mid(requestPrefix.size()).toLongLong(&ok);
        if (ok)
            durations.insert(index, entry.value(u"duration_ms"_s).toDouble());
    }
    return durations;
}

/// One record of a large team's history, in about the mix a team accumulates: mostly insights and conversations.
PendingMutation historyRecord(QRandomGenerator &rng, QStringList &accounts, QStringList &conversations)
{
    PendingMutation m {newUuid(), {}, newUuid(), {}, {}, true, {}};
    QJsonObject &f = m.fields;
    const double r = rng.generateDouble();
    if (r < 0.05 || accounts.isEmpty()) {
        m.entity = u"account"_s;
        f.insert(u"name"_s, u"Account %1"_s.arg(rng.bounded(1000000)));
        f.insert(u"domain"_s, u"a%1.example"_s.arg(rng.bounded(1000000)));
        f.insert(u"segment"_s, pick(rng, kSegments));
        accounts << m.recordId;
    } else if (r < 0.10) {
        m.entity = u"contact"_s;
        f.insert(u"account_id"_s, pick(rng, accounts));
        f.insert(u"name"_s, words(rng, 2, 3));
        f.insert(u"title"_s, words(rng, 1, 3));
        f.insert(u"email"_s, u"c%1@example.com"_s.arg(rng.bounded(1000000)));
    } else if (r < 0.20) {
        m.entity = u"lead"_s;
        f.insert(u"account_id"_s, pick(rng, accounts));
        f.insert(u"recommendation"_s, words(rng, 8, 20));
        f.insert(u"priority"_s, 1 + int(rng.bounded(3)));
        f.insert(u"horizon"_s, pick(rng, kHorizons));
        f.insert(u"status"_s, pick(rng, kLeadStatuses));
    } else if (r < 0.35 || conversations.isEmpty()) {
        m.entity = u"conversation"_s;
        f.insert(u"account_id"_s, pick(rng, accounts));
        f.insert(u"title"_s, words(rng, 2, 6));
        f.insert(u"occurred_at"_s,
            QDateTime::currentDateTimeUtc().addSecs(-qint64(rng.bounded(86400 * 365))).toString(Qt::ISODate));
        f.insert(u"channel"_s, pick(rng, kChannels));
        f.insert(u"consent"_s, true);
        f.insert(u"notes"_s, words(rng, 20, 60));
        f.insert(u"status"_s, u"final"_s);
        if (conversations.size() < 5000)
            conversations << m.recordId;
    } else {
        m.entity = u"insight"_s;
        f.insert(u"conversation_id"_s, pick(rng, conversations));
        f.insert(u"account_id"_s, pick(rng, accounts));
        f.insert(u"kind"_s, pick(rng, kKinds));
        f.insert(u"text"_s, words(rng, 8, 30));
        f.insert(u"quote"_s, words(rng, 5, 15));
        f.insert(u"importance"_s, 1 + int(rng.bounded(5)));
        f.insert(u"published"_s, rng.bounded(3) != 0);
    }
    if (accounts.size() > 2000)
        accounts.removeFirst();
    return m;
}

QJsonObject BackendRun::freshDevicePull(
    const QString &email, const QString &logPath, std::optional<qint64> dbRootPid, QString *error)
{
    Device fresh;
    fresh.index = -1;
    fresh.email = email;
    fresh.nam = m_nams.front();
    fresh.forwardedFor = "10.255.255.253";
    bool done = false;
    login(fresh, Endpoint::Verify, [&] { done = true; });
    if (!waitFor([&] { return done; }, 60000) || !fresh.loggedIn) {
        *error = u"the fresh device %1 cannot sign in"_s.arg(email);
        return {};
    }
    const double serverCpuBefore = processCpuSeconds(m_server.pid()).value_or(0);
    const double dbCpuBefore = dbRootPid ? treeCpuSeconds(*dbRootPid) : 0;
    std::vector<qsizetype> requests;
    qint64 records = 0, deleted = 0, bytes = 0;
    double parseMs = 0;
    QElapsedTimer wall;
    wall.start();
    bool finished = false, failed = false;
    std::function<void()> next;
    next = [&] {
        QString query = u"limit=1000"_s;
        if (!fresh.cursor.isEmpty())
            query += u"&cursor="_s + QString::fromLatin1(QUrl::toPercentEncoding(fresh.cursor));
        requests.push_back(qsizetype(m_samples.size()));
        send(fresh, Endpoint::Verify, u"/v1/sync/pull"_s, query, nullptr, [&](bool ok, int, const QByteArray &data) {
            if (!ok) {
                failed = finished = true;
                return;
            }
            QElapsedTimer parse;
            parse.start();
            bytes += data.size();
            const QJsonObject page = QJsonDocument::fromJson(data).object();
            const QJsonArray changes = page.value(u"changes"_s).toArray();
            records += changes.size();
            for (const QJsonValue &change : changes)
                deleted += change.toObject().value(u"deleted"_s).toBool() ? 1 : 0;
            fresh.cursor = page.value(u"cursor"_s).toString();
            const bool more = page.value(u"has_more"_s).toBool();
            parseMs += double(parse.nsecsElapsed()) / 1e6;
            if (more && !changes.isEmpty())
                next();
            else
                finished = true;
        });
    };
    next();
    if (!waitFor([&] { return finished; }, 900000) || failed) {
        *error = u"the fresh device's pull failed"_s;
        return {};
    }
    const double wallSeconds = double(wall.nsecsElapsed()) / 1e9;
    const double serverCpu = processCpuSeconds(m_server.pid()).value_or(0) - serverCpuBefore;
    const double dbCpu = dbRootPid ? treeCpuSeconds(*dbRootPid) - dbCpuBefore : 0;
    const QHash<qsizetype, double> server = serverDurations(logPath, m_requestPrefix);
    double clientMsSum = 0, serverMsSum = 0;
    std::vector<double> pageServerMs, pageClientMs;
    for (qsizetype index : requests) {
        const double clientMs = m_samples[std::size_t(index)].clientMs;
        clientMsSum += clientMs;
        pageClientMs.push_back(clientMs);
        const double serverMs = server.value(index, -1);
        if (serverMs >= 0) {
            serverMsSum += serverMs;
            pageServerMs.push_back(serverMs);
        }
    }
    const auto rate = [&](double ms) { return std::round(ms > 0 ? double(records) / (ms / 1000) : 0); };
    QJsonObject out {{u"records"_s, records}, {u"removals"_s, deleted}, {u"pages"_s, qint64(requests.size())},
        {u"bytes"_s, bytes},
        // Request sent to answer read, summed over the pages: what the server and loopback HTTP take.
        {u"records_per_s"_s, rate(clientMsSum)},
        // The server's own durations (request log: first byte to answer).
        {u"server_records_per_s"_s, rate(serverMsSum)},
        // Including the bench's own parsing of every page (a single-threaded QJsonDocument client).
        {u"wall_records_per_s"_s, rate(wallSeconds * 1000)}, {u"bench_parse_ms"_s, round3(parseMs)},
        {u"page_ms"_s, distribution(pageClientMs, std::nullopt)},
        {u"page_server_ms"_s, distribution(pageServerMs, std::nullopt)},
        {u"server_cpu_us_per_record"_s, round3(records > 0 ? serverCpu * 1e6 / double(records) : 0)}};
    if (dbRootPid)
        out.insert(u"postgres_cpu_us_per_record"_s, round3(records > 0 ? dbCpu * 1e6 / double(records) : 0));
    return out;
}

QJsonObject BackendRun::runFreshPull(
    const QString &dbUrl, const QString &logPath, std::optional<qint64> dbRootPid, QString *error)
{
    if (!setUp(dbUrl, logPath, 1, error))
        return {};
    Device &seeder = *m_devices.front();
    bool done = false;
    login(seeder, Endpoint::Login, [&] { done = true; });
    if (!waitFor([&] { return done; }, 60000) || !seeder.loggedIn) {
        *error = u"the seeding device cannot sign in"_s;
        return {};
    }

    // The history: pushed in batches of 1000 (the most a push holds), not timed against any budget.
    QStringList accounts, conversations;
    QElapsedTimer seedTimer;
    seedTimer.start();
    qint64 stored = 0;
    while (stored < m_options.freshPull) {
        const int size = int(std::min<qint64>(1000, m_options.freshPull - stored));
        QJsonArray mutations;
        for (int i = 0; i < size; ++i) {
            const PendingMutation m = historyRecord(seeder.rng, accounts, conversations);
            mutations.append(QJsonObject {{u"id"_s, m.id}, {u"entity"_s, m.entity}, {u"record_id"_s, m.recordId},
                {u"op"_s, u"upsert"_s}, {u"hlc"_s, seeder.clock->now().toString()}, {u"fields"_s, m.fields}});
        }
        const QByteArray body = QJsonDocument(QJsonObject {{u"mutations"_s, mutations}}).toJson(QJsonDocument::Compact);
        bool answered = false, ok = false;
        send(seeder, Endpoint::Seed, u"/v1/sync/push"_s, {}, &body, [&](bool good, int, const QByteArray &data) {
            const QJsonArray results = QJsonDocument::fromJson(data).object().value(u"results"_s).toArray();
            ok = good && results.size() == size;
            for (const QJsonValue &r : results)
                ok = ok && r.toObject().value(u"status"_s).toString() == u"applied"_s;
            answered = true;
        });
        if (!waitFor([&] { return answered; }, 300000) || !ok) {
            *error = u"a seeding push failed after %1 records"_s.arg(stored);
            return {};
        }
        stored += size;
        if (stored % 10000 == 0)
            progress(u"[%1] seeded %2 records"_s.arg(m_backend).arg(stored));
    }
    const double seedSeconds = double(seedTimer.nsecsElapsed()) / 1e9;
    progress(u"[%1] seeded %2 records in %3 s"_s.arg(m_backend).arg(stored).arg(seedSeconds, 0, 'f', 1));

    const QJsonObject marketer = freshDevicePull(u"marketer01@bench.example"_s, logPath, dbRootPid, error);
    if (marketer.isEmpty())
        return {};
    progress(u"[%1] fresh marketer device: %2 records, %3 records/s (server side %4)"_s.arg(m_backend)
                 .arg(marketer.value(u"records"_s).toInteger())
                 .arg(marketer.value(u"records_per_s"_s).toDouble())
                 .arg(marketer.value(u"server_records_per_s"_s).toDouble()));
    const QJsonObject sales = freshDevicePull(u"sales01@bench.example"_s, logPath, dbRootPid, error);
    if (sales.isEmpty())
        return {};
    progress(u"[%1] fresh sales device: %2 records, %3 records/s (server side %4)"_s.arg(m_backend)
                 .arg(sales.value(u"records"_s).toInteger())
                 .arg(sales.value(u"records_per_s"_s).toDouble())
                 .arg(sales.value(u"server_records_per_s"_s).toDouble()));
    m_devices.clear();
    qDeleteAll(m_nams);
    m_nams.clear();
    m_server.stop();
    return QJsonObject {{u"records"_s, stored}, {u"seed_s"_s, round3(seedSeconds)},
        {u"seed_records_per_s"_s, std::round(seedSeconds > 0 ? double(stored) / seedSeconds : 0)},
        {u"fresh_pull_records_per_s"_s, marketer.value(u"records_per_s"_s)},
        {u"fresh_pull_server_records_per_s"_s, marketer.value(u"server_records_per_s"_s)}, {u"marketer"_s, marketer},
        {u"sales"_s, sales}, {u"errors"_s, m_errors}, {u"load_average"_s, loadAverage()}};
}

bool BackendRun::setUp(const QString &dbUrl, const QString &logPath, int devices, QString *error)
{
    m_requestPrefix = u"fnb-%1-"_s.arg(m_backend.left(2));
    // Setup: one team, the users, through the server's own command line (before it serves).
    QString out;
    if (!runTool(m_options.serverProgram, {u"team"_s, u"create"_s, u"Bench team"_s, u"--db"_s, dbUrl}, &out, error))
        return false;
    const QString teamId = lastLine(out);
    QStringList emails;
    for (int i = 0; i < m_options.marketers + m_options.sales; ++i) {
        const bool sales = i >= m_options.marketers;
        const QString email = sales ? u"sales%1@bench.example"_s.arg(i - m_options.marketers + 1, 2, 10, QLatin1Char('0'))
                                    : u"marketer%1@bench.example"_s.arg(i + 1, 2, 10, QLatin1Char('0'));
        if (!runTool(m_options.serverProgram,
                {u"user"_s, u"add"_s, u"--team"_s, teamId, u"--email"_s, email, u"--role"_s,
                    sales ? u"sales"_s : u"marketer"_s, u"--password"_s, kPassword, u"--db"_s, dbUrl},
                nullptr, error))
            return false;
        emails << email;
    }
    progress(u"[%1] team %2 with %3 marketers and %4 sales users"_s.arg(m_backend, teamId)
                 .arg(m_options.marketers)
                 .arg(m_options.sales));

    if (!m_server.start(m_options.serverProgram, dbUrl, logPath, !m_options.direct, error))
        return false;
    m_base = m_server.base();
    progress(u"[%1] fieldnotes-server pid %2 on %3 (FIELDNOTES_INSECURE_FAST_KDF=1: minimum Argon2id cost; "
             "request log in %4)"_s.arg(m_backend)
                 .arg(m_server.pid())
                 .arg(m_base.toString(), logPath));

    // Devices: one NAM per 6 devices so that every device has its own connection, all on this thread.
    const int namCount = (devices + kDevicesPerNam - 1) / kDevicesPerNam;
    for (int i = 0; i < namCount; ++i) {
        auto *nam = new QNetworkAccessManager();
        nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        m_nams.push_back(nam);
    }
    for (int i = 0; i < devices; ++i) {
        auto d = std::make_unique<Device>();
        d->index = i;
        d->email = emails.at(i % emails.size());
        d->sales = (i % emails.size()) >= m_options.marketers;
        d->nam = m_nams.at(std::size_t(i / kDevicesPerNam));
        d->forwardedFor = QByteArray("10.") + QByteArray::number(1 + i / 65536) + '.' + QByteArray::number((i / 256) % 256)
            + '.' + QByteArray::number(i % 256);
        d->rng.seed(m_options.seed + quint32(i));
        m_devices.push_back(std::move(d));
    }
    return true;
}

QJsonObject BackendRun::run(
    const QString &dbUrl, const QString &logPath, std::optional<qint64> dbRootPid, QString *error)
{
    if (!setUp(dbUrl, logPath, m_options.devices, error))
        return {};

    // Login: all devices at once, timed as `login`.
    m_clock.start();
    int pending = 0;
    for (auto &d : m_devices) {
        ++pending;
        login(*d, Endpoint::Login, [&pending] { --pending; });
    }
    if (!waitFor([&] { return pending == 0; }, 300000)) {
        *error = u"the logins did not finish"_s;
        return {};
    }
    const double loginSeconds = double(m_clock.elapsed()) / 1000;
    for (auto &d : m_devices) {
        if (!d->loggedIn) {
            *error = u"device %1 could not sign in (%2 errors so far)"_s.arg(d->index).arg(m_errors);
            return {};
        }
    }
    progress(u"[%1] %2 devices signed in in %3 s"_s.arg(m_backend).arg(m_options.devices).arg(loginSeconds, 0, 'f', 2));

    // Seed data (not timed): accounts, leads, conversations and insights, so sales devices have leads to work on.
    Device &first = *m_devices.front();
    bool seeded = false;
    push(first, Endpoint::Seed, makeSeed(first), [&seeded] { seeded = true; });
    if (!waitFor([&] { return seeded; }, 120000)) {
        *error = u"the seed push did not finish"_s;
        return {};
    }
    // Every device's first sync (not part of the budget figures: reported as initial_pull).
    for (auto &d : m_devices) {
        ++pending;
        pullToEnd(*d, Endpoint::InitialPull, [&pending] { --pending; });
    }
    if (!waitFor([&] { return pending == 0; }, 300000)) {
        *error = u"the initial pulls did not finish"_s;
        return {};
    }
    progress(u"[%1] seeded %2 records; every device pulled them"_s.arg(m_backend).arg(m_model.size()));

    // The timed phase.
    const QString loadBefore = loadAverage();
    const MachineCpu machineBefore = machineCpu();
    const double serverCpuBefore = processCpuSeconds(m_server.pid()).value_or(0);
    const double dbCpuBefore = dbRootPid ? treeCpuSeconds(*dbRootPid) : 0;
    const double selfCpuBefore = selfCpuSeconds();
    const qint64 busyBefore = m_busyNs;
    const std::size_t firstSample = m_samples.size();
    const qint64 cyclesBefore = m_cycles;
    m_mutationsPushed = 0;
    m_changesPulled = 0;
    m_statuses.clear();
    const int errorsBefore = m_errors;
    m_clock.restart();
    m_deadlineMs = qint64(m_options.seconds) * 1000;
    m_active = int(m_devices.size());
    for (auto &d : m_devices)
        startDevice(*d);
    // The end: devices stop making changes; one in the middle of a sync stops when it is done.
    QTimer::singleShot(int(m_deadlineMs), &m_context, [this] {
        for (auto &d : m_devices)
            stopIfDone(*d);
    });
    QTimer report;
    report.setInterval(2000);
    QObject::connect(&report, &QTimer::timeout, &m_context, [&] {
        std::vector<double> pushMs, pullMs;
        for (std::size_t i = firstSample; i < m_samples.size(); ++i) {
            if (m_samples[i].clientMs < 0)
                continue;
            (m_samples[i].endpoint == Endpoint::Push ? pushMs : pullMs).push_back(m_samples[i].clientMs);
        }
        std::sort(pushMs.begin(), pushMs.end());
        std::sort(pullMs.begin(), pullMs.end());
        progress(u"[%1] t=%2s push n=%3 p99=%4ms, pull n=%5 p99=%6ms, errors=%7, load %8"_s.arg(m_backend)
                     .arg(m_clock.elapsed() / 1000)
                     .arg(pushMs.size())
                     .arg(percentile(pushMs, 99), 0, 'f', 1)
                     .arg(pullMs.size())
                     .arg(percentile(pullMs, 99), 0, 'f', 1)
                     .arg(m_errors - errorsBefore)
                     .arg(loadAverage().section(u' ', 0, 2)));
    });
    report.start();
    if (!waitFor([&] { return m_active == 0; }, (m_options.seconds + 180) * 1000)) {
        *error = u"the devices did not stop"_s;
        return {};
    }
    report.stop();
    const double seconds = double(m_clock.nsecsElapsed()) / 1e9;
    const MachineCpu machineAfter = machineCpu();
    const double serverCpu = processCpuSeconds(m_server.pid()).value_or(0) - serverCpuBefore;
    const double dbCpu = dbRootPid ? treeCpuSeconds(*dbRootPid) - dbCpuBefore : 0;
    const double selfCpu = selfCpuSeconds() - selfCpuBefore;
    const QString loadAfter = loadAverage();
    const double busyPct = double(m_busyNs - busyBefore) / 1e7 / seconds;
    const qint64 timedMutations = m_mutationsPushed;
    const QMap<QString, int> timedStatuses = m_statuses;
    progress(u"[%1] timed phase done: %2 s, %3 sync cycles"_s.arg(m_backend).arg(seconds, 0, 'f', 1).arg(m_cycles - cyclesBefore));

    // Convergence: a fresh device pulls everything.
    const QJsonObject convergence = verify(error);
    if (convergence.isEmpty())
        return {};
    progress(u"[%1] convergence: %2 records pushed, %3 pulled by a fresh device, %4 fields differ"_s.arg(m_backend)
                 .arg(convergence.value(u"records_pushed"_s).toInteger())
                 .arg(convergence.value(u"records_pulled"_s).toInteger())
                 .arg(convergence.value(u"fields_mismatched"_s).toInteger()));

    m_devices.clear();
    qDeleteAll(m_nams);
    m_nams.clear();
    m_server.stop();

    // The server's view of the same requests: its request log (first byte to answer) joined by request id.
    std::vector<double> serverMs[3], gapMs[3];
    int serverErrorLines = 0;
    QString firstServerError;
    QFile logFile(logPath);
    if (logFile.open(QIODevice::ReadOnly)) {
        while (!logFile.atEnd()) {
            const QByteArray line = logFile.readLine();
            const QJsonObject entry = QJsonDocument::fromJson(line).object();
            if (entry.value(u"level"_s).toString() == u"error"_s) {
                if (!serverErrorLines++)
                    firstServerError = entry.value(u"message"_s).toString();
                continue;
            }
            const QString id = entry.value(u"request_id"_s).toString();
            if (!id.startsWith(m_requestPrefix))
                continue;
            bool ok = false;
            const qsizetype index = id.mid(m_requestPrefix.size()).toLongLong(&ok);
            if (!ok || index < 0 || std::size_t(index) >= m_samples.size())
                continue;
            const Sample &s = m_samples[std::size_t(index)];
            const int slot = s.endpoint == Endpoint::Push ? 0 : s.endpoint == Endpoint::Pull ? 1
                : s.endpoint == Endpoint::Login ? 2 : -1;
            if (slot < 0)
                continue;
            const double server = entry.value(u"duration_ms"_s).toDouble();
            serverMs[slot].push_back(server);
            if (s.clientMs >= 0)
                gapMs[slot].push_back(s.clientMs - server);
        }
    }

    QJsonObject mutations {{u"pushed"_s, timedMutations}};
    for (auto it = timedStatuses.cbegin(); it != timedStatuses.cend(); ++it)
        mutations.insert(it.key(), it.value());
    QJsonObject kinds;
    for (auto it = m_errorKinds.cbegin(); it != m_errorKinds.cend(); ++it)
        kinds.insert(it.key(), it.value());
    const double machineSeconds = machineAfter.total - machineBefore.total;
    const double cores = double(sysconf(_SC_NPROCESSORS_ONLN));
    const auto pct = [&](double cpuSeconds) { return std::round(cpuSeconds / seconds * 1000) / 10; };
    QJsonObject cpu {{u"cores"_s, cores},
        {u"machine_busy_pct_of_all_cores"_s,
            std::round(machineSeconds > 0 ? (machineAfter.busy - machineBefore.busy) / machineSeconds * 1000 : 0) / 10},
        {u"server_pct_of_one_core"_s, pct(serverCpu)},
        {u"bench_pct_of_one_core"_s, pct(selfCpu)},
        {u"bench_event_loop_busy_pct"_s, std::round(busyPct * 10) / 10}};
    if (dbRootPid)
        cpu.insert(u"postgres_pct_of_one_core"_s, pct(dbCpu));

    QJsonObject result {{u"push"_s, endpointStats(Endpoint::Push, seconds)},
        {u"pull"_s, endpointStats(Endpoint::Pull, seconds)}, {u"login"_s, endpointStats(Endpoint::Login, loginSeconds)},
        {u"errors"_s, m_errors}, {u"error_kinds"_s, kinds},
        {u"initial_pull"_s, endpointStats(Endpoint::InitialPull, std::nullopt)}, {u"timed_s"_s, round3(seconds)},
        {u"sync_cycles"_s, m_cycles - cyclesBefore}, {u"local_changes"_s, m_changes},
        {u"sync_triggers"_s,
            QJsonObject {{u"debounced"_s, m_debouncedSyncs}, {u"periodic"_s, m_periodicSyncs},
                {u"while_syncing"_s, m_coalescedSyncs}}},
        {u"changes_per_pull"_s,
            round3(endpointStats(Endpoint::Pull, std::nullopt).value(u"count"_s).toDouble() > 0
                    ? double(m_changesPulled) / endpointStats(Endpoint::Pull, std::nullopt).value(u"count"_s).toDouble()
                    : 0)},
        {u"push_skipped_no_lead_known"_s, m_skippedPushes}, {u"mutations"_s, mutations},
        {u"changes_pulled"_s, m_changesPulled},
        {u"server_side_ms"_s,
            QJsonObject {{u"push"_s, distribution(serverMs[0], std::nullopt)},
                {u"pull"_s, distribution(serverMs[1], std::nullopt)},
                {u"login"_s, distribution(serverMs[2], std::nullopt)}}},
        {u"client_minus_server_ms"_s,
            QJsonObject {
                {u"push"_s, distribution(gapMs[0], std::nullopt)}, {u"pull"_s, distribution(gapMs[1], std::nullopt)}}},
        {u"server_error_lines"_s, serverErrorLines}, {u"cpu"_s, cpu},
        {u"load_average"_s, QJsonObject {{u"before"_s, loadBefore}, {u"after"_s, loadAfter}}},
        {u"convergence"_s, convergence}};
    if (!firstServerError.isEmpty())
        result.insert(u"first_server_error"_s, firstServerError);
    return result;
}

// ---- databases

struct PostgresTarget
{
    QString dbUrl;
    QString maintenanceUrl;
    QString name;
    QString clusterDir; ///< set when this bench started the cluster
    std::optional<qint64> postmasterPid;
};

QString psqlProgram()
{
    const QString onPath = QStandardPaths::findExecutable(u"psql"_s);
    if (!onPath.isEmpty())
        return onPath;
    const QStringList dirs = QDir(u"/usr/lib/postgresql"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &dir : dirs) {
        const QString candidate = u"/usr/lib/postgresql/%1/bin/psql"_s.arg(dir);
        if (QFile::exists(candidate))
            return candidate;
    }
    return u"psql"_s;
}

bool preparePostgres(const ServerBenchOptions &options, PostgresTarget *target, QString *error)
{
    QString baseUrl = qEnvironmentVariable("FIELDNOTES_TEST_PG_URL");
    if (baseUrl.isEmpty()) {
        target->clusterDir = u"/tmp/fieldnotes-pg-bench-%1"_s.arg(QCoreApplication::applicationPid());
        QString out;
        progress(u"[postgresql] FIELDNOTES_TEST_PG_URL is not set: starting a cluster in %1"_s.arg(target->clusterDir));
        if (!runTool(u"bash"_s, {options.postgresScript, u"start"_s, target->clusterDir}, &out, error)) {
            target->clusterDir.clear();
            return false;
        }
        baseUrl = lastLine(out);
        QFile pidFile(target->clusterDir + u"/data/postmaster.pid"_s);
        if (pidFile.open(QIODevice::ReadOnly))
            target->postmasterPid = pidFile.readLine().trimmed().toLongLong();
    }
    QUrl url(baseUrl);
    if (!url.isValid() || !url.scheme().startsWith(u"postgres"_s)) {
        *error = u"not a postgresql:// URL: %1"_s.arg(baseUrl);
        return false;
    }
    target->name = u"fieldnotes_bench_%1_%2"_s.arg(QCoreApplication::applicationPid()).arg(QDateTime::currentMSecsSinceEpoch());
    url.setPath(u"/postgres"_s);
    target->maintenanceUrl = url.toString();
    url.setPath(u"/"_s + target->name);
    target->dbUrl = url.toString();
    if (!runTool(psqlProgram(),
            {u"-X"_s, u"-q"_s, u"-v"_s, u"ON_ERROR_STOP=1"_s, u"-d"_s, target->maintenanceUrl, u"-c"_s,
                u"CREATE DATABASE "_s + target->name},
            nullptr, error))
        return false;
    progress(u"[postgresql] fresh database %1"_s.arg(target->dbUrl));
    return true;
}

void cleanUpPostgres(const ServerBenchOptions &options, const PostgresTarget &target)
{
    QString error;
    if (!target.name.isEmpty()
        && !runTool(psqlProgram(),
            {u"-X"_s, u"-q"_s, u"-d"_s, target.maintenanceUrl, u"-c"_s,
                u"DROP DATABASE IF EXISTS %1 WITH (FORCE)"_s.arg(target.name)},
            nullptr, &error))
        progress(u"[postgresql] cannot drop %1: %2"_s.arg(target.name, error));
    if (!target.clusterDir.isEmpty()) {
        if (!runTool(u"bash"_s, {options.postgresScript, u"stop"_s, target.clusterDir}, nullptr, &error))
            progress(u"[postgresql] cannot stop the cluster: %1"_s.arg(error));
        else
            progress(u"[postgresql] stopped the cluster in %1"_s.arg(target.clusterDir));
    }
}

} // namespace

QJsonObject runServerBench(const ServerBenchOptions &options, QString *error)
{
    if (!QFile::exists(options.serverProgram)) {
        *error = u"fieldnotes-server not found at %1"_s.arg(options.serverProgram);
        return {};
    }
    QTemporaryDir work(QDir::tempPath() + u"/fieldnotes-server-bench-XXXXXX"_s);
    if (!work.isValid()) {
        *error = u"cannot create a temporary directory"_s;
        return {};
    }
    work.setAutoRemove(qEnvironmentVariable("FIELDNOTES_BENCH_KEEP") != u"1"_s);
    progress(u"%1 devices, %2 s per backend, a change every %3-%4 ms of 1-%5 mutations, sync %7 ms after the last "
             "change and every %8 s; server: FIELDNOTES_INSECURE_FAST_KDF=1 (minimum Argon2id cost, so %1 logins do "
             "not take minutes)%6"_s.arg(options.devices)
                 .arg(options.seconds)
                 .arg(options.thinkMinMs)
                 .arg(options.thinkMaxMs)
                 .arg(options.maxBatch)
                 .arg(options.direct ? u"; direct: all devices from 127.0.0.1"_s
                                     : u"; --trusted-proxy 127.0.0.1 with one X-Forwarded-For address per device"_s)
                 .arg(options.debounceMs)
                 .arg(options.periodicSyncSeconds));

    QJsonObject backends;
    bool met = true;
    for (const QString &backend : options.backends) {
        const QString logPath = work.filePath(backend + u"-server.log"_s);
        QJsonObject result;
        if (backend == u"sqlite"_s) {
            BackendRun run(options, backend);
            const QString url = u"sqlite:"_s + work.filePath(u"server.db"_s);
            result = options.freshPull > 0 ? run.runFreshPull(url, logPath, std::nullopt, error)
                                           : run.run(url, logPath, std::nullopt, error);
            if (!result.isEmpty())
                result.insert(u"database"_s, u"SQLite, a fresh temporary file (WAL, synchronous=FULL)"_s);
        } else if (backend == u"postgresql"_s) {
            PostgresTarget target;
            if (preparePostgres(options, &target, error)) {
                BackendRun run(options, backend);
                result = options.freshPull > 0 ? run.runFreshPull(target.dbUrl, logPath, target.postmasterPid, error)
                                               : run.run(target.dbUrl, logPath, target.postmasterPid, error);
                if (!result.isEmpty())
                    result.insert(u"database"_s,
                        target.clusterDir.isEmpty()
                            ? u"PostgreSQL from FIELDNOTES_TEST_PG_URL, fresh database %1"_s.arg(target.name)
                            : u"PostgreSQL started by tests/support/postgres.sh (fsync off), fresh database %1"_s.arg(
                                target.name));
            }
            cleanUpPostgres(options, target);
        } else {
            *error = u"unknown backend %1 (sqlite, postgresql)"_s.arg(backend);
            return {};
        }
        if (result.isEmpty()) {
            if (error->isEmpty())
                *error = u"the %1 run failed"_s.arg(backend);
            *error = u"[%1] %2 (server log: %3; set FIELDNOTES_BENCH_KEEP=1 to keep it)"_s.arg(backend, *error, logPath);
            return {};
        }
        if (options.freshPull > 0) {
            backends.insert(backend, result);
            continue;
        }
        const auto p99 = [&](const QString &endpoint) {
            return result.value(endpoint).toObject().value(u"p99_ms"_s).toDouble();
        };
        met = met && p99(u"push"_s) <= 300 && p99(u"pull"_s) <= 300 && result.value(u"errors"_s).toInt() == 0
            && result.value(u"convergence"_s).toObject().value(u"converged"_s).toBool();
        backends.insert(backend, result);
    }
    if (options.freshPull > 0) {
        // The client's budget (issue 4) is >= 30k records/s end to end; the server must leave it most of that.
        bool fast = true;
        for (auto it = backends.begin(); it != backends.end(); ++it)
            fast = fast && it.value().toObject().value(u"fresh_pull_records_per_s"_s).toDouble() >= 60000;
        return QJsonObject {{u"mode"_s, u"fresh_pull"_s}, {u"records"_s, options.freshPull}, {u"limit"_s, 1000},
            {u"server_env"_s, u"FIELDNOTES_INSECURE_FAST_KDF=1"_s}, {u"backends"_s, backends},
            {u"target"_s,
                QJsonObject {{u"fresh_pull_records_per_s"_s, 60000},
                    {u"applies_to"_s, u"a fresh marketer device, limit=1000, loopback"_s}, {u"met"_s, fast}}}};
    }
    met = met && options.devices >= 200;
    return QJsonObject {{u"devices"_s, options.devices}, {u"seconds"_s, options.seconds},
        // think_ms: the pause between two changes of one device's user; batch: mutations per change.
        {u"think_ms"_s, QJsonArray {options.thinkMinMs, options.thinkMaxMs}},
        {u"batch"_s, QJsonArray {1, options.maxBatch}}, {u"debounce_ms"_s, options.debounceMs},
        {u"periodic_sync_s"_s, options.periodicSyncSeconds},
        {u"workload"_s,
            u"each device: a change every think_ms (1 to batch mutations, stamped then, into its outbox); a sync "
            "(push the outbox, pull to the end from its cursor, limit 500) debounce_ms after its last change and "
            "every periodic_sync_s"_s},
        {u"users"_s, QJsonObject {{u"marketer"_s, options.marketers}, {u"sales"_s, options.sales}}},
        {u"server_env"_s, u"FIELDNOTES_INSECURE_FAST_KDF=1"_s},
        {u"client"_s,
            options.direct ? u"all devices from 127.0.0.1"_s
                           : u"--trusted-proxy 127.0.0.1, one X-Forwarded-For address per device"_s},
        {u"backends"_s, backends},
        {u"budget"_s,
            QJsonObject {
                {u"devices"_s, 200}, {u"p99_ms"_s, 300}, {u"applies_to"_s, u"push and pull"_s}, {u"met"_s, met}}}};
}

} // namespace fieldnotes::bench
