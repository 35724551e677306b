#pragma once
// End-to-end test harness for the real `fieldnotes-server` process (ctest label e2e):
//  - Databases: a fresh SQLite file or a fresh PostgreSQL database (CREATE DATABASE on the server of
//    FIELDNOTES_TEST_PG_URL) per test class and backend; the PostgreSQL ones are dropped at the end.
//  - ServerProcess: `serve --listen 127.0.0.1:0 --db URL` under QProcess, the port from the first stdout line, and
//    the admin CLI (`team create`, `user add`).
//  - A tiny blocking HTTP/1.1 client on raw QTcpSocket (raw so malformed HTTP can be sent too).
//  - Sessions, mutation builders, a monotonic HLC source and full pulls.
// Header-only: every test executable compiles it once.

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <map>
#include <memory>
#include <optional>

#include <signal.h>
#include <sys/types.h>

#ifndef FIELDNOTES_SERVER
#error "FIELDNOTES_SERVER must name the fieldnotes-server executable"
#endif

namespace fieldnotes::e2e {

using namespace Qt::Literals::StringLiterals;

// ---- small helpers --------------------------------------------------------------------------------------------

inline QString uuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

/// A short random tag for unique emails and database names.
inline QString randomTag()
{
    return QString::number(QRandomGenerator::global()->generate64() % 0xFFFFFFFFFFull, 36);
}

inline QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

inline QJsonObject parseJson(const QByteArray &bytes)
{
    return QJsonDocument::fromJson(bytes).object();
}

/// The backends every test runs on: sqlite always, postgres when FIELDNOTES_TEST_PG_URL is set.
inline QStringList availableBackends()
{
    QStringList list {u"sqlite"_s};
    if (!qEnvironmentVariable("FIELDNOTES_TEST_PG_URL").isEmpty())
        list << u"postgres"_s;
    return list;
}

/// Empty when fine; otherwise why the test run must fail (FIELDNOTES_REQUIRE_PG=1 without a URL).
inline QString backendRequirementError()
{
    if (qEnvironmentVariable("FIELDNOTES_REQUIRE_PG") == u"1"_s
        && qEnvironmentVariable("FIELDNOTES_TEST_PG_URL").isEmpty())
        return u"FIELDNOTES_REQUIRE_PG=1 but FIELDNOTES_TEST_PG_URL is not set "
               "(export FIELDNOTES_TEST_PG_URL=$(tests/support/postgres.sh start))"_s;
    return {};
}

/// Adds the global "backend" column: every test function runs once per backend.
inline void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    for (const QString &backend : availableBackends())
        QTest::newRow(qPrintable(backend)) << backend;
}

// ---- databases ------------------------------------------------------------------------------------------------

/// Host (or the `host` query item: a socket directory), port, user and password of a postgresql:// URL, and `database`.
inline void setPostgresConnection(QSqlDatabase &db, const QUrl &url, const QString &database)
{
    const QUrlQuery query(url);
    db.setHostName(query.hasQueryItem(u"host"_s) ? query.queryItemValue(u"host"_s, QUrl::FullyDecoded) : url.host());
    if (url.port() > 0)
        db.setPort(url.port());
    db.setUserName(url.userName(QUrl::FullyDecoded));
    db.setPassword(url.password(QUrl::FullyDecoded));
    db.setDatabaseName(database);
}

/** Fresh databases for one test class; PostgreSQL ones are created on the server of FIELDNOTES_TEST_PG_URL. */
class Databases
{
public:
    /// FIELDNOTES_TEST_KEEP=1 keeps the directory (server logs, SQLite files) and prints where it is.
    explicit Databases(QString tag)
        : m_tag(std::move(tag))
    {
        if (qEnvironmentVariable("FIELDNOTES_TEST_KEEP") == u"1"_s) {
            m_dir.setAutoRemove(false);
            qInfo("FIELDNOTES_TEST_KEEP=1: keeping %s", qPrintable(m_dir.path()));
        }
    }
    ~Databases() { dropAll(); }
    Databases(const Databases &) = delete;
    Databases &operator=(const Databases &) = delete;

    const QTemporaryDir &dir() const { return m_dir; }

    /// A URL of a new, empty database; empty with `error` set on failure.
    QString fresh(const QString &backend, QString *error)
    {
        ++m_counter;
        if (backend == u"sqlite"_s)
            return u"sqlite:%1/%2-%3.db"_s.arg(m_dir.path(), m_tag).arg(m_counter);
        const QString name = u"fn_e2e_%1_%2_%3"_s.arg(m_tag.toLower(), randomTag()).arg(m_counter);
        QSqlQuery q(adminConnection());
        if (!q.exec(u"CREATE DATABASE \"%1\""_s.arg(name))) {
            *error = u"CREATE DATABASE failed: %1"_s.arg(q.lastError().text());
            return {};
        }
        m_created << name;
        QUrl url(qEnvironmentVariable("FIELDNOTES_TEST_PG_URL"));
        url.setPath(u"/"_s + name);
        return url.toString(QUrl::FullyEncoded);
    }

    void dropAll()
    {
        if (m_created.isEmpty())
            return;
        {
            QSqlQuery q(adminConnection());
            for (const QString &name : std::as_const(m_created))
                q.exec(u"DROP DATABASE IF EXISTS \"%1\" WITH (FORCE)"_s.arg(name));
        }
        m_created.clear();
        const QString connection = connectionName();
        QSqlDatabase::database(connection, false).close();
        QSqlDatabase::removeDatabase(connection);
    }

private:
    QString connectionName() const { return u"e2e-admin-"_s + m_tag; }

    QSqlDatabase adminConnection()
    {
        const QString connection = connectionName();
        if (QSqlDatabase::contains(connection)) {
            QSqlDatabase db = QSqlDatabase::database(connection);
            if (db.isOpen())
                return db;
        }
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, connection);
        setPostgresConnection(db, QUrl(qEnvironmentVariable("FIELDNOTES_TEST_PG_URL")), u"postgres"_s);
        if (!db.open())
            qWarning("cannot connect to the PostgreSQL server: %s", qPrintable(db.lastError().text()));
        return db;
    }

    QString m_tag;
    QTemporaryDir m_dir;
    int m_counter = 0;
    QStringList m_created;
};

/// Runs one statement on a server's database directly, as an operator (or the passing of time) would; false, with a
/// warning, on failure. For SQLite the test process opens the file beside the server (it never links SQLCipher).
inline bool execOnDatabase(const QString &dbUrl, const QString &sql, const QVariantList &binds = {})
{
    const QString connection = u"e2e-direct"_s;
    bool ok = true;
    {
        QSqlDatabase db;
        if (dbUrl.startsWith(u"sqlite:"_s)) {
            db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
            db.setDatabaseName(dbUrl.mid(7));
            db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=30000"_s);
        } else {
            const QUrl url(dbUrl);
            db = QSqlDatabase::addDatabase(u"QPSQL"_s, connection);
            setPostgresConnection(db, url, url.path().mid(1));
        }
        ok = db.open();
        {
            QSqlQuery q(db);
            ok = ok && q.prepare(sql);
            for (const QVariant &bind : binds)
                q.addBindValue(bind);
            ok = ok && q.exec();
            if (!ok)
                qWarning("execOnDatabase: %s", qPrintable(q.lastError().text() + db.lastError().text()));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

// ---- HTTP -----------------------------------------------------------------------------------------------------

struct Reply
{
    int status = 0; ///< 0: no (complete) response
    QByteArray statusLine;
    QList<std::pair<QByteArray, QByteArray>> headers; ///< names lowercased
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first == name.toLower())
                return h.second;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first == name.toLower())
                return true;
        }
        return false;
    }
    QJsonObject json() const { return parseJson(body); }
    QString error() const { return json().value(u"error"_s).toString(); }
    QString describe() const { return u"HTTP %1: %2"_s.arg(status).arg(QString::fromUtf8(body.left(600))); }
};

/// Parses one response at the start of `raw`; returns how many bytes it used, 0 if it is incomplete.
inline qsizetype parseResponse(const QByteArray &raw, Reply *reply, bool untilClose = false)
{
    const qsizetype headEnd = raw.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return 0;
    const QList<QByteArray> lines = raw.left(headEnd).split('\n');
    Reply r;
    r.statusLine = lines.value(0).trimmed();
    const QList<QByteArray> parts = r.statusLine.split(' ');
    if (parts.size() < 2 || !parts.at(0).startsWith("HTTP/1."))
        return 0;
    r.status = parts.at(1).toInt();
    qint64 length = -1;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        r.headers.append({name, value});
        if (name == "content-length")
            length = value.toLongLong();
    }
    const qsizetype bodyStart = headEnd + 4;
    if (length < 0) {
        if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
            *reply = r;
            return bodyStart;
        }
        if (!untilClose)
            return 0;
        length = raw.size() - bodyStart;
    }
    if (raw.size() - bodyStart < length)
        return 0;
    r.body = raw.mid(bodyStart, length);
    *reply = r;
    return bodyStart + length;
}

/// Every complete response in `raw` (several on a kept-alive connection).
inline QList<Reply> parseResponses(const QByteArray &raw)
{
    QList<Reply> out;
    qsizetype at = 0;
    while (at < raw.size()) {
        Reply r;
        const qsizetype used = parseResponse(raw.mid(at), &r);
        if (used == 0)
            break;
        out << r;
        at += used;
    }
    return out;
}

/** A blocking raw TCP connection to the server. */
class RawConnection
{
public:
    explicit RawConnection(quint16 port, int connectTimeoutMs = 10000)
    {
        m_socket.connectToHost(u"127.0.0.1"_s, port);
        m_connected = m_socket.waitForConnected(connectTimeoutMs);
    }
    bool isConnected() const { return m_connected; }
    QTcpSocket &socket() { return m_socket; }

    bool write(const QByteArray &bytes, int timeoutMs = 30000)
    {
        if (m_socket.write(bytes) != bytes.size())
            return false;
        QDeadlineTimer deadline(timeoutMs);
        while (m_socket.bytesToWrite() > 0 && !deadline.hasExpired()) {
            if (!m_socket.waitForBytesWritten(int(std::max<qint64>(1, deadline.remainingTime()))))
                break;
        }
        return m_socket.bytesToWrite() == 0;
    }

    /// Reads until one complete response is buffered, the peer closes, or the timeout; the first response.
    Reply readResponse(int timeoutMs = 30000)
    {
        QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            m_buffer += m_socket.readAll();
            Reply r;
            if (const qsizetype used = parseResponse(m_buffer, &r); used > 0) {
                m_buffer.remove(0, used);
                return r;
            }
            if (m_socket.state() != QAbstractSocket::ConnectedState || deadline.hasExpired())
                break;
            m_socket.waitForReadyRead(int(std::clamp<qint64>(deadline.remainingTime(), 1, 1000)));
        }
        m_buffer += m_socket.readAll();
        Reply r;
        if (const qsizetype used = parseResponse(m_buffer, &r, true); used > 0)
            m_buffer.remove(0, used);
        return r;
    }

    /// Reads until the peer closes the connection (true) or the timeout (false); `all` gets every byte read.
    bool readUntilClosed(int timeoutMs, QByteArray *all)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
            m_socket.waitForReadyRead(int(std::clamp<qint64>(deadline.remainingTime(), 1, 200)));
            m_buffer += m_socket.readAll();
        }
        m_buffer += m_socket.readAll();
        *all = m_buffer;
        m_buffer.clear();
        return m_socket.state() != QAbstractSocket::ConnectedState;
    }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
    bool m_connected = false;
};

inline QByteArray buildRequest(const QByteArray &method, const QByteArray &target, const QByteArray &body,
    const QList<std::pair<QByteArray, QByteArray>> &headers, bool close = true)
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool haveType = false;
    for (const auto &h : headers) {
        out += h.first + ": " + h.second + "\r\n";
        if (h.first.toLower() == "content-type")
            haveType = true;
    }
    if (!body.isEmpty() && !haveType)
        out += "Content-Type: application/json\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PUT")
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n";
    return out + body;
}

/// One request on its own connection.
inline Reply httpRequest(quint16 port, const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
    const QList<std::pair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 60000)
{
    RawConnection c(port);
    if (!c.isConnected())
        return {};
    if (!c.write(buildRequest(method, target, body, headers), timeoutMs))
        return {};
    return c.readResponse(timeoutMs);
}

// ---- the server process ---------------------------------------------------------------------------------------

inline QProcessEnvironment serverEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"FIELDNOTES_INSECURE_FAST_KDF"_s, u"1"_s);
    return env;
}

struct CliResult
{
    bool ok = false;
    int exitCode = -1; ///< -1: crashed or timed out
    QString out;
    QString err;
};

/// Runs a fieldnotes-server admin command; ok when it exits 0.
inline CliResult runCli(const QStringList &args)
{
    QProcess p;
    p.setProcessEnvironment(serverEnvironment());
    p.start(QStringLiteral(FIELDNOTES_SERVER), args);
    CliResult r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = u"timed out"_s;
        return r;
    }
    r.out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    r.err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.ok = r.exitCode == 0;
    return r;
}

/** `fieldnotes-server serve` on 127.0.0.1 with port 0. Stdout and stderr go to files (never a full pipe). */
class ServerProcess
{
public:
    explicit ServerProcess(QString logDir)
        : m_logDir(std::move(logDir))
    { }
    ~ServerProcess() { kill(); }
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    /// Starts `serve` on `dbUrl`; false with error() set if it did not print its port in time.
    bool start(const QString &dbUrl, const QStringList &extraArgs = {})
    {
        kill();
        m_dbUrl = dbUrl;
        m_port = 0;
        ++m_starts;
        m_stdoutPath = u"%1/server-%2-%3.out"_s.arg(m_logDir).arg(quintptr(this)).arg(m_starts);
        m_stderrPath = u"%1/server-%2-%3.err"_s.arg(m_logDir).arg(quintptr(this)).arg(m_starts);
        m_allStderrPaths << m_stderrPath;
        m_process = std::make_unique<QProcess>();
        m_process->setProcessEnvironment(serverEnvironment());
        m_process->setStandardOutputFile(m_stdoutPath);
        m_process->setStandardErrorFile(m_stderrPath);
        m_process->start(QStringLiteral(FIELDNOTES_SERVER),
            QStringList {u"serve"_s, u"--listen"_s, u"127.0.0.1:0"_s, u"--db"_s, dbUrl} + extraArgs);
        if (!m_process->waitForStarted(30000)) {
            m_error = u"cannot start the server: %1"_s.arg(m_process->errorString());
            return false;
        }
        QDeadlineTimer deadline(60000);
        while (!deadline.hasExpired()) {
            QFile file(m_stdoutPath);
            if (file.open(QIODevice::ReadOnly)) {
                const QByteArray out = file.readAll();
                if (const qsizetype nl = out.indexOf('\n'); nl >= 0) {
                    const QByteArray line = out.left(nl).trimmed();
                    const QByteArray prefix = "listening on 127.0.0.1:";
                    bool ok = false;
                    const int port = line.startsWith(prefix) ? line.mid(prefix.size()).toInt(&ok) : 0;
                    if (!ok || port <= 0 || port > 65535) {
                        m_error = u"unexpected first line: %1"_s.arg(QString::fromUtf8(line));
                        return false;
                    }
                    m_port = quint16(port);
                    return true;
                }
            }
            if (m_process->state() == QProcess::NotRunning) {
                m_error = u"the server exited: %1"_s.arg(stderrText().right(2000));
                return false;
            }
            QThread::msleep(10);
        }
        m_error = u"the server printed no port within 60 s"_s;
        return false;
    }

    /// SIGKILL and reap.
    void kill()
    {
        if (!m_process)
            return;
        if (m_process->state() != QProcess::NotRunning) {
            ::kill(pid_t(m_process->processId()), SIGKILL);
            m_process->waitForFinished(30000);
        }
        m_process.reset();
    }

    /// SIGTERM; waits for the exit. The exit code, or -1 if it did not exit normally in time.
    int terminate(int timeoutMs = 30000)
    {
        if (!m_process)
            return -1;
        ::kill(pid_t(m_process->processId()), SIGTERM);
        if (!m_process->waitForFinished(timeoutMs))
            return -1;
        const int code = m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
        m_process.reset();
        return code;
    }

    void sendSignal(int signal) const
    {
        if (m_process)
            ::kill(pid_t(m_process->processId()), signal);
    }
    QProcess *process() const { return m_process.get(); }
    bool isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }
    quint16 port() const { return m_port; }
    QString dbUrl() const { return m_dbUrl; }
    QString error() const { return m_error; }
    QString stderrText() const
    {
        QFile file(m_stderrPath);
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
    }

    /// Reports of AddressSanitizer / UndefinedBehaviorSanitizer in the standard error of every run so far.
    QString sanitizerFindings() const
    {
        QString out;
        for (const QString &path : m_allStderrPaths) {
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                continue;
            const QByteArray text = file.readAll();
            for (const QByteArray &marker :
                {QByteArray("AddressSanitizer"), QByteArray("LeakSanitizer"), QByteArray("runtime error:")}) {
                if (const qsizetype at = text.indexOf(marker); at >= 0)
                    out += QString::fromUtf8(text.mid(std::max<qsizetype>(0, at - 200), 3000)) + u"\n"_s;
            }
        }
        return out;
    }

private:
    QString m_logDir;
    QStringList m_allStderrPaths;
    QString m_dbUrl;
    QString m_stdoutPath;
    QString m_stderrPath;
    QString m_error;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    int m_starts = 0;
};

// ---- sessions -------------------------------------------------------------------------------------------------

inline const QString kPassword = u"correct horse battery"_s;

struct Session
{
    quint16 port = 0;
    QString token;
    QString deviceId;
    QString userId;
    QString teamId;
    QString email;
    QString role;

    bool isValid() const { return !token.isEmpty(); }
    /// The device part of this device's hlc stamps ([0-9a-zA-Z_], so no '-').
    QString hlcDevice() const { return QString(deviceId).remove(u'-'); }

    QList<std::pair<QByteArray, QByteArray>> auth() const { return {{"Authorization", "Bearer " + token.toLatin1()}}; }
    Reply get(const QByteArray &target) const { return httpRequest(port, "GET", target, {}, auth()); }
    Reply post(const QByteArray &target, const QByteArray &body) const
    {
        return httpRequest(port, "POST", target, body, auth());
    }
    Reply post(const QByteArray &target, const QJsonObject &body) const { return post(target, compact(body)); }
    Reply push(const QJsonArray &mutations) const
    {
        return post("/v1/sync/push", QJsonObject {{u"mutations"_s, mutations}});
    }
    Reply pull(const QString &cursor = {}, int limit = 1000) const
    {
        QByteArray target = "/v1/sync/pull?limit=" + QByteArray::number(limit);
        if (!cursor.isEmpty())
            target += "&cursor=" + QUrl::toPercentEncoding(cursor);
        return get(target);
    }
    /// The same device on another server instance.
    Session on(quint16 otherPort) const
    {
        Session s = *this;
        s.port = otherPort;
        return s;
    }
};

inline Reply loginReply(quint16 port, const QString &email, const QString &password, const QString &deviceName)
{
    return httpRequest(port, "POST", "/v1/auth/login",
        compact(QJsonObject {{u"email"_s, email}, {u"password"_s, password}, {u"device_name"_s, deviceName}}));
}

/// Logs in; an invalid Session (and `why`) on failure.
inline Session login(quint16 port, const QString &email, const QString &password = kPassword,
    const QString &deviceName = u"e2e device"_s, QString *why = nullptr)
{
    const Reply r = loginReply(port, email, password, deviceName);
    Session s;
    if (r.status != 200) {
        if (why)
            *why = r.describe();
        return s;
    }
    const QJsonObject o = r.json();
    const QJsonObject user = o.value(u"user"_s).toObject();
    s.port = port;
    s.token = o.value(u"token"_s).toString();
    s.deviceId = o.value(u"device_id"_s).toString();
    s.userId = user.value(u"id"_s).toString();
    s.teamId = user.value(u"team_id"_s).toString();
    s.email = user.value(u"email"_s).toString();
    s.role = user.value(u"role"_s).toString();
    return s;
}

/** One team made with the CLI: an id and one user (and device session) per requested role. */
struct Team
{
    QString id;
    QString name;
    QMap<QString, QString> emails; ///< role -> email
    QMap<QString, QString> userIds; ///< role -> user id (from login)
    Session admin;
    Session marketer;
    Session sales;

    Session &byRole(const QString &role)
    {
        return role == u"admin"_s ? admin : role == u"marketer"_s ? marketer : sales;
    }
};

/// Creates a team and an admin, a marketer and a sales user with the CLI, and logs each in once.
inline std::optional<Team> makeTeam(const QString &dbUrl, quint16 port, const QString &name, QString *why)
{
    Team team;
    team.name = name;
    const CliResult created = runCli({u"team"_s, u"create"_s, name, u"--db"_s, dbUrl});
    if (!created.ok || created.out.isEmpty()) {
        *why = u"team create: %1"_s.arg(created.err);
        return std::nullopt;
    }
    team.id = created.out.split(u'\n').constLast().trimmed();
    const QString tag = randomTag();
    for (const QString &role : {u"admin"_s, u"marketer"_s, u"sales"_s}) {
        const QString email = u"%1.%2@%3.example"_s.arg(role, tag, name.toLower());
        const CliResult added = runCli({u"user"_s, u"add"_s, u"--team"_s, team.id, u"--email"_s, email, u"--role"_s,
            role, u"--password"_s, kPassword, u"--db"_s, dbUrl});
        if (!added.ok) {
            *why = u"user add %1: %2"_s.arg(role, added.err);
            return std::nullopt;
        }
        team.emails.insert(role, email);
        Session s = login(port, email, kPassword, u"%1 phone"_s.arg(role), why);
        if (!s.isValid())
            return std::nullopt;
        team.userIds.insert(role, s.userId);
        team.byRole(role) = s;
    }
    return team;
}

/** A server on a fresh database of one backend, with teams A and B (admin, marketer, sales each). */
struct Stack
{
    QString backend;
    QString dbUrl;
    std::unique_ptr<ServerProcess> server;
    Team a;
    Team b;

    quint16 port() const { return server->port(); }
    /// Restarts the server on the same database (sessions stay valid: tokens live in the database).
    bool restart(QString *why)
    {
        if (!server->start(dbUrl)) {
            *why = server->error();
            return false;
        }
        for (Team *team : {&a, &b}) {
            for (Session *s : {&team->admin, &team->marketer, &team->sales})
                s->port = server->port();
        }
        return true;
    }
};

/** One Stack per backend for a test class, made on first use. */
class Stacks
{
public:
    explicit Stacks(const QString &tag)
        : m_databases(tag)
    { }
    ~Stacks()
    {
        m_stacks.clear(); // servers first, then the databases they use
        m_databases.dropAll();
    }

    Databases &databases() { return m_databases; }

    Stack *get(const QString &backend, QString *why)
    {
        if (auto it = m_stacks.find(backend); it != m_stacks.end())
            return it->second.get();
        auto stack = std::make_unique<Stack>();
        stack->backend = backend;
        stack->dbUrl = m_databases.fresh(backend, why);
        if (stack->dbUrl.isEmpty())
            return nullptr;
        stack->server = std::make_unique<ServerProcess>(m_databases.dir().path());
        // The schema first, so the CLI and the server never race to create it.
        if (!stack->server->start(stack->dbUrl)) {
            *why = stack->server->error();
            return nullptr;
        }
        auto a = makeTeam(stack->dbUrl, stack->port(), u"TeamA"_s, why);
        if (!a)
            return nullptr;
        auto b = makeTeam(stack->dbUrl, stack->port(), u"TeamB"_s, why);
        if (!b)
            return nullptr;
        stack->a = *a;
        stack->b = *b;
        Stack *out = stack.get();
        m_stacks.emplace(backend, std::move(stack));
        return out;
    }

    /// Sanitizer reports of every server process of every stack so far (empty: none).
    QString sanitizerFindings() const
    {
        QString out;
        for (const auto &[backend, stack] : m_stacks)
            out += stack->server->sanitizerFindings();
        return out;
    }

    /// Stops and forgets the stack of `backend` (the next get() makes a new one on a new database).
    void drop(const QString &backend) { m_stacks.erase(backend); }

private:
    Databases m_databases;
    std::map<QString, std::unique_ptr<Stack>> m_stacks;
};

/// The stack of the current global "backend" row; on failure fails the test function.
#define E2E_STACK(var, stacks)                                                                                         \
    QFETCH_GLOBAL(QString, backend);                                                                                   \
    QString var##Why_;                                                                                                 \
    ::fieldnotes::e2e::Stack *var = (stacks).get(backend, &var##Why_);                                                 \
    QVERIFY2(var, qPrintable(u"cannot set up the %1 stack: %2"_s.arg(backend, var##Why_)))

// ---- mutations and hlc ----------------------------------------------------------------------------------------

/// Strictly increasing stamps for the whole test process (wall clock ms, then a counter), so "later" is later.
inline QString nextHlc(const QString &device, qint64 offsetMs = 0)
{
    static qint64 lastMs = 0;
    static int counter = 0;
    const qint64 now = QDateTime::currentMSecsSinceEpoch() + offsetMs;
    if (offsetMs == 0) {
        if (now > lastMs) {
            lastMs = now;
            counter = 0;
        } else if (++counter > 9999) {
            ++lastMs;
            counter = 0;
        }
        return u"%1-%2-%3"_s.arg(lastMs, 13, 10, QChar(u'0')).arg(counter, 4, 10, QChar(u'0')).arg(device);
    }
    return u"%1-0000-%2"_s.arg(now, 13, 10, QChar(u'0')).arg(device);
}

inline QJsonObject upsert(const QString &entity, const QString &recordId, const QJsonObject &fields, const QString &hlc,
    const QJsonObject &base = {})
{
    QJsonObject m {{u"id"_s, uuid()}, {u"entity"_s, entity}, {u"record_id"_s, recordId}, {u"op"_s, u"upsert"_s},
        {u"hlc"_s, hlc}, {u"fields"_s, fields}};
    if (!base.isEmpty())
        m.insert(u"base"_s, base);
    return m;
}

inline QJsonObject removal(const QString &entity, const QString &recordId, const QString &hlc)
{
    return QJsonObject {
        {u"id"_s, uuid()}, {u"entity"_s, entity}, {u"record_id"_s, recordId}, {u"op"_s, u"delete"_s}, {u"hlc"_s, hlc}};
}

inline const QStringList kEntities {
    u"account"_s, u"contact"_s, u"conversation"_s, u"insight"_s, u"tag"_s, u"lead"_s, u"guide"_s};

/// Valid fields for creating a record of `entity` (every required field).
inline QJsonObject createFields(const QString &entity, const QString &label = u"e2e"_s)
{
    const QString ref = u"6f1c2d3e-0000-4000-8000-000000000001"_s;
    if (entity == u"account"_s)
        return {{u"name"_s, u"Acme "_s + label}, {u"domain"_s, u"acme.example"_s}};
    if (entity == u"contact"_s)
        return {{u"name"_s, u"Ana "_s + label}, {u"account_id"_s, ref}};
    if (entity == u"conversation"_s)
        return {{u"title"_s, u"Visit "_s + label}, {u"channel"_s, u"in_person"_s}, {u"consent"_s, true}};
    if (entity == u"insight"_s)
        return {{u"kind"_s, u"need"_s}, {u"text"_s, u"offline "_s + label}, {u"published"_s, true}};
    if (entity == u"tag"_s)
        return {{u"name"_s, u"pricing "_s + label}, {u"color"_s, u"#aabbcc"_s}};
    if (entity == u"lead"_s)
        return {{u"account_id"_s, ref}, {u"recommendation"_s, u"call "_s + label}, {u"status"_s, u"open"_s}};
    if (entity == u"guide"_s)
        return {{u"title"_s, u"Discovery "_s + label}, {u"questions"_s, QJsonArray {u"Why?"_s}}};
    return {};
}

/// A valid change of one existing field of `entity` (not a sales-writable lead field).
inline QJsonObject updateFields(const QString &entity, const QString &label = u"changed"_s)
{
    if (entity == u"account"_s)
        return {{u"segment"_s, label}};
    if (entity == u"contact"_s)
        return {{u"title"_s, label}};
    if (entity == u"conversation"_s)
        return {{u"notes"_s, label}};
    if (entity == u"insight"_s)
        return {{u"quote"_s, label}};
    if (entity == u"tag"_s)
        return {{u"name"_s, label}};
    if (entity == u"lead"_s)
        return {{u"recommendation"_s, label}};
    if (entity == u"guide"_s)
        return {{u"title"_s, label}};
    return {};
}

// ---- pulls ----------------------------------------------------------------------------------------------------

struct FullPull
{
    bool ok = false;
    QString why;
    QList<QJsonObject> changes;
    QList<QByteArray> bodies; ///< every raw page
    QString cursor;
    int pages = 0;

    /// The latest change per record id (a record appears once per pull anyway).
    QMap<QString, QJsonObject> byRecord() const
    {
        QMap<QString, QJsonObject> out;
        for (const QJsonObject &c : changes)
            out.insert(c.value(u"record_id"_s).toString(), c);
        return out;
    }
    QByteArray rawBodies() const { return bodies.join('\n'); }
};

/// Pulls every page from `cursor` (empty: from the start).
inline FullPull pullAll(const Session &s, const QString &cursor = {}, int limit = 1000)
{
    FullPull out;
    QString at = cursor;
    for (int guard = 0; guard < 10000; ++guard) {
        const Reply r = s.pull(at, limit);
        if (r.status != 200) {
            out.why = r.describe();
            return out;
        }
        out.bodies << r.body;
        ++out.pages;
        const QJsonObject page = r.json();
        for (const QJsonValue &c : page.value(u"changes"_s).toArray())
            out.changes << c.toObject();
        at = page.value(u"cursor"_s).toString();
        if (!page.value(u"has_more"_s).toBool()) {
            out.cursor = at;
            out.ok = true;
            return out;
        }
    }
    out.why = u"more than 10000 pages"_s;
    return out;
}

// ---- assertions -----------------------------------------------------------------------------------------------

#define E2E_EXPECT_STATUS(reply, code)                                                                                 \
    do {                                                                                                               \
        const auto &e2eReply_ = (reply);                                                                               \
        QVERIFY2(e2eReply_.status == (code),                                                                           \
            qPrintable(QStringLiteral("expected HTTP %1, got ").arg(code) + e2eReply_.describe()));                    \
    } while (false)

#define E2E_EXPECT_ERROR(reply, code, errorName)                                                                       \
    do {                                                                                                               \
        const auto &e2eReplyE_ = (reply);                                                                              \
        E2E_EXPECT_STATUS(e2eReplyE_, code);                                                                           \
        QCOMPARE(e2eReplyE_.error(), QStringLiteral(errorName));                                                       \
        QVERIFY2(e2eReplyE_.json().value(QStringLiteral("message")).isString(), qPrintable(e2eReplyE_.describe()));    \
    } while (false)

} // namespace fieldnotes::e2e
