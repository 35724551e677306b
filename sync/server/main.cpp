#include "base/securebuffer.h"
#include "sync/server/api/syncapi.h"
#include "sync/server/http/httpserver.h"
#include "sync/server/http/shutdownsignals.h"
#include "sync/server/storage/pruner.h"
#include "sync/server/storage/serverstorage.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QThreadPool>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::server;

namespace {

const char kUsage[] = R"(Usage:
  fieldnotes-server serve [--listen 127.0.0.1:8470] [--db sqlite:PATH | --db postgresql://...]
                          [--tls-cert FILE --tls-key FILE] [--trusted-proxy ADDRESS]...
                          [--applied-retention-days 90]
  fieldnotes-server team create NAME [--db ...]                  prints the team id
  fieldnotes-server user add --team ID --email E --role admin|marketer|sales [--password P] [--db ...]
                                                                 prints the password if generated
  fieldnotes-server prune [--applied-retention-days 90] [--db ...]
                                                                 prints how many mutation ids it deleted
--db defaults to a SQLite file in the user's data directory. Port 0 picks a free port; the first line on
standard output is then "listening on HOST:PORT".
--applied-retention-days: how long the server remembers the ids of applied mutations (to answer a retried push
"duplicate"), 0 to 36500 days, 0 = forever; serve prunes older ones at start and every hour.
)";

int usage(const QString &message)
{
    std::fprintf(stderr, "fieldnotes-server: %s\n\n%s", message.toLocal8Bit().constData(), kUsage);
    return 2;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "fieldnotes-server: %s\n", message.toLocal8Bit().constData());
    return 1;
}

/** `--name value` options after the command words; flags are not used by this tool. */
struct Options
{
    QStringList words;
    QMultiMap<QString, QString> values;
    QString error;

    QString value(const QString &name) const { return values.value(name); }
};

Options parse(const QStringList &args, const QStringList &known)
{
    Options options;
    for (int i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (!arg.startsWith(u"--"_s)) {
            options.words << arg;
            continue;
        }
        QString name = arg.mid(2);
        QString value;
        if (const qsizetype eq = name.indexOf(u'='); eq >= 0) {
            value = name.mid(eq + 1);
            name.truncate(eq);
        } else if (i + 1 < args.size()) {
            value = args.at(++i);
        } else {
            options.error = u"--%1 needs a value."_s.arg(name.left(40));
            return options;
        }
        if (!known.contains(name)) {
            options.error = u"Unknown option --%1."_s.arg(name.left(40));
            return options;
        }
        options.values.insert(name, value);
    }
    return options;
}

QString defaultDatabase()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return u"sqlite:"_s + QDir(dir).filePath(u"server.db"_s);
}

Result<std::unique_ptr<ServerStorage>> openStorage(const Options &options)
{
    const QString url = options.value(u"db"_s).isEmpty() ? defaultDatabase() : options.value(u"db"_s);
    return ServerStorage::open(url);
}

constexpr int kDefaultRetentionDays = 90;
constexpr int kMaxRetentionDays = 36500;
constexpr qint64 kDayMs = 24 * 60 * 60 * 1000;

/// --applied-retention-days, or the default; nullopt if it is not a whole number of days from 0 to 36500.
std::optional<int> retentionDays(const Options &options)
{
    if (!options.values.contains(u"applied-retention-days"_s))
        return kDefaultRetentionDays;
    bool ok = false;
    const int days = options.value(u"applied-retention-days"_s).toInt(&ok);
    if (!ok || days < 0 || days > kMaxRetentionDays)
        return std::nullopt;
    return days;
}

int badRetention()
{
    return usage(
        u"--applied-retention-days needs a whole number of days from 0 (keep forever) to %1."_s.arg(kMaxRetentionDays));
}

/// One JSON line on standard error, like the request log; never an id or a value.
void logEvent(QJsonObject line)
{
    line.insert(u"time"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    const QByteArray text = QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(text.constData(), 1, size_t(text.size()), stderr);
    std::fflush(stderr);
}

/// The log lines of one retention run (decision 0014, 0015): counts and times, never an id, key or address.
void logPruneReport(const Pruner::Report &report, int appliedRetentionDays)
{
    if (report.loginError) {
        logEvent({{u"level"_s, u"error"_s}, {u"event"_s, u"login_failures_prune_failed"_s},
            {u"deleted"_s, report.loginWindowsDeleted}, {u"message"_s, report.loginError->message}});
    } else {
        logEvent({{u"level"_s, u"info"_s}, {u"event"_s, u"login_failures_pruned"_s},
            {u"deleted"_s, report.loginWindowsDeleted}});
    }
    if (appliedRetentionDays <= 0)
        return;
    if (report.appliedError) {
        logEvent({{u"level"_s, u"error"_s}, {u"event"_s, u"applied_mutations_prune_failed"_s},
            {u"deleted"_s, report.appliedDeleted}, {u"message"_s, report.appliedError->message}});
        return;
    }
    logEvent({{u"level"_s, u"info"_s}, {u"event"_s, u"applied_mutations_pruned"_s},
        {u"deleted"_s, report.appliedDeleted}, {u"retention_days"_s, appliedRetentionDays},
        {u"chunks"_s, report.appliedChunks}, {u"duration_ms"_s, report.durationMs}});
}

int serve(const Options &options)
{
    if (!options.words.isEmpty())
        return usage(u"serve takes no arguments."_s);
    QString listen = options.value(u"listen"_s);
    if (listen.isEmpty())
        listen = u"127.0.0.1:8470"_s;
    const qsizetype colon = listen.lastIndexOf(u':');
    bool portOk = false;
    const int port = colon > 0 ? listen.mid(colon + 1).toInt(&portOk) : -1;
    QString host = colon > 0 ? listen.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    const QHostAddress address(host);
    if (!portOk || port < 0 || port > 65535 || address.isNull())
        return usage(u"--listen needs HOST:PORT with a numeric address, e.g. 127.0.0.1:8470."_s);
    const QString cert = options.value(u"tls-cert"_s);
    const QString key = options.value(u"tls-key"_s);
    if (cert.isEmpty() != key.isEmpty())
        return usage(u"--tls-cert and --tls-key go together."_s);
    const std::optional<int> days = retentionDays(options);
    if (!days)
        return badRetention();

    auto storage = openStorage(options);
    if (!storage)
        return fail(storage.error().message);
    SyncApi api(**storage);
    http::HttpServer server;
    QList<QHostAddress> proxies;
    for (const QString &proxy : options.values.values(u"trusted-proxy"_s)) {
        const QHostAddress proxyAddress(proxy);
        if (proxyAddress.isNull())
            return usage(u"--trusted-proxy needs an IP address."_s);
        proxies << proxyAddress;
    }
    server.setTrustedProxies(proxies);
    api.registerRoutes(server);
    // SQLite lets one writer in at a time (BEGIN IMMEDIATE): a second writer thread would only sleep in SQLite's busy
    // handler. PostgreSQL serialises pushes per team only, so other teams' pushes may run beside them.
    server.writerPool()->setMaxThreadCount((*storage)->backend() == ServerStorage::Backend::Sqlite ? 1 : 4);
    if (!cert.isEmpty()) {
        if (auto r = server.setTls(cert, key); !r)
            return fail(r.error().message);
    }
    // Declared after the server: destroyed first, it stops; the server then waits for its writer pool.
    Pruner::Options pruning;
    pruning.appliedRetentionDays = *days;
    pruning.finished = [days = *days](const Pruner::Report &report) { logPruneReport(report, days); };
    Pruner pruner(**storage, server.writerPool(), std::move(pruning));

    // The handler before "listening on": whoever starts the server may stop it as soon as it has read that line, and
    // SIGTERM's default action would end the process without the graceful shutdown (seen under load in
    // tst_serverfaults). The signal is handled in the event loop, so after the lines below.
    QObject::connect(&server, &http::HttpServer::shutdownFinished, qApp, &QCoreApplication::quit);
    if (auto r = http::installShutdownSignalHandler(&server, [&server, &pruner](int) {
            std::fprintf(stderr, "fieldnotes-server: shutting down\n");
            pruner.stop();
            server.shutdown(std::chrono::seconds(10));
        });
        !r)
        return fail(r.error().message);

    if (auto r = server.listen(address, quint16(port)); !r)
        return fail(r.error().message);
    const QString shown = address.protocol() == QAbstractSocket::IPv6Protocol ? u"[%1]"_s.arg(address.toString())
                                                                              : address.toString();
    std::printf("listening on %s:%u\n", shown.toLatin1().constData(), unsigned(server.serverPort()));
    std::fflush(stdout);
    pruner.start();
    return QCoreApplication::exec();
}

int createTeam(const Options &options)
{
    if (options.words.size() != 1 || options.words.constFirst().trimmed().isEmpty())
        return usage(u"team create needs a NAME."_s);
    auto storage = openStorage(options);
    if (!storage)
        return fail(storage.error().message);
    auto team = (*storage)->createTeam(options.words.constFirst().trimmed());
    if (!team)
        return fail(team.error().message);
    std::printf("%s\n", team->toLatin1().constData());
    return 0;
}

int addUser(const Options &options)
{
    if (!options.words.isEmpty())
        return usage(u"user add takes only options."_s);
    const auto role = roleFromName(options.value(u"role"_s));
    if (options.value(u"team"_s).isEmpty() || options.value(u"email"_s).isEmpty() || !role)
        return usage(u"user add needs --team ID, --email E and --role admin|marketer|sales."_s);
    QString password = options.value(u"password"_s);
    const bool generated = password.isEmpty();
    if (generated) {
        const SecureBuffer bytes = SecureBuffer::random(12);
        password = QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(bytes.data()), 12)
                                           .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    } else if (password.size() < 8) {
        return fail(u"The password must have at least 8 characters."_s);
    }
    auto storage = openStorage(options);
    if (!storage)
        return fail(storage.error().message);
    auto user = (*storage)->addUser(options.value(u"team"_s), options.value(u"email"_s).trimmed(), *role, password);
    if (!user)
        return fail(user.error().message);
    std::fprintf(stderr, "Added %s (%s) with id %s.\n", user->email.toUtf8().constData(),
                 roleName(user->role).toLatin1().constData(), user->id.toLatin1().constData());
    if (generated)
        std::printf("%s\n", password.toLatin1().constData());
    return 0;
}

int prune(const Options &options)
{
    if (!options.words.isEmpty())
        return usage(u"prune takes only options."_s);
    const std::optional<int> days = retentionDays(options);
    if (!days)
        return badRetention();
    auto storage = openStorage(options);
    if (!storage)
        return fail(storage.error().message);
    // Ended login-throttle windows go too; what is printed stays the count of mutation ids.
    if (auto pruned = (*storage)->pruneLoginFailures(QDateTime::currentMSecsSinceEpoch()); !pruned)
        return fail(pruned.error().message);
    int deleted = 0;
    if (*days > 0) {
        auto pruned = (*storage)->pruneAppliedMutations(QDateTime::currentMSecsSinceEpoch() - qint64(*days) * kDayMs);
        if (!pruned)
            return fail(pruned.error().message);
        deleted = *pruned;
    }
    std::printf("%d\n", deleted);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    disableCoreDumps();
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(u"Fieldnotes"_s);
    QCoreApplication::setApplicationName(u"fieldnotes-server"_s);
    QStringList args = QCoreApplication::arguments().mid(1);
    if (args.isEmpty() || args.constFirst() == u"--help"_s || args.constFirst() == u"-h"_s) {
        std::fputs(kUsage, args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? 2 : 0;
    }
    const QString command = args.takeFirst();
    if (command == u"serve"_s) {
        const Options options = parse(
            args, {u"listen"_s, u"db"_s, u"tls-cert"_s, u"tls-key"_s, u"trusted-proxy"_s, u"applied-retention-days"_s});
        return options.error.isEmpty() ? serve(options) : usage(options.error);
    }
    if (command == u"prune"_s) {
        const Options options = parse(args, {u"db"_s, u"applied-retention-days"_s});
        return options.error.isEmpty() ? prune(options) : usage(options.error);
    }
    if (command == u"team"_s && !args.isEmpty() && args.constFirst() == u"create"_s) {
        const Options options = parse(args.mid(1), {u"db"_s});
        return options.error.isEmpty() ? createTeam(options) : usage(options.error);
    }
    if (command == u"user"_s && !args.isEmpty() && args.constFirst() == u"add"_s) {
        const Options options = parse(args.mid(1), {u"db"_s, u"team"_s, u"email"_s, u"role"_s, u"password"_s});
        return options.error.isEmpty() ? addUser(options) : usage(options.error);
    }
    return usage(u"Unknown command."_s);
}
