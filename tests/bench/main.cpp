// fieldnotes-bench: measures the performance budgets of docs/ARCHITECTURE.md ("Performance budgets").
//
//   fieldnotes-bench store --json FILE [--records 100000] [--queries 200] [--batch 1000] [--seed N]
//   fieldnotes-bench server --json FILE [--devices 200] [--seconds 20] [--db sqlite|postgresql|both]
//                           [--think-ms 2000-8000] [--max-batch 3] [--debounce-ms 2000] [--periodic-s 180]
//   fieldnotes-bench server --json FILE --fresh-pull 100000 [--db sqlite|postgresql|both]
//   fieldnotes-bench sync --json FILE [--push 10000] [--pull 100000] [--incremental 100] [--rounds 5]
//   fieldnotes-bench apply --json FILE [--records 30000] [--page 1000] [--seed N]
//   tests/platform/with-keyring.sh fieldnotes-bench app --json FILE [--store DIR] [--regenerate] [--runs 7]
//                                  [--insights 100000] [--conversations 20000] [--platform offscreen|xcb]
//
// Subcommands name the part measured (`app-ui` is the app bench's own child process, not a benchmark). The JSON result goes to FILE and to stdout; progress and
// diagnostics (slowest queries, plain-store figures) go to stderr.

#include "appbench.h"
#include "serverbench.h"
#include "storebench.h"
#include "syncbench.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <cstdio>
#include <cstring>

using namespace Qt::Literals::StringLiterals;

namespace {

void printError(const QString &message)
{
    std::fprintf(stderr, "fieldnotes-bench: %s\n", message.toLocal8Bit().constData());
}

// A command's end: its error, or its result written to `path` and printed. Returns the process's exit code.
int report(const QString &command, const QString &path, const QJsonObject &result, const QString &error)
{
    if (!error.isEmpty() || result.isEmpty()) {
        printError(command + u": "_s + (error.isEmpty() ? u"the benchmark failed."_s : error));
        return 1;
    }
    const QByteArray text = QJsonDocument(result).toJson(QJsonDocument::Indented);
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text) != text.size()) {
        printError(u"%1: cannot write %2."_s.arg(command, out.fileName()));
        return 1;
    }
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    return 0;
}

int runStore(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"The local store: encrypted vs. plain insert of N insights (putMany batches), full-text search p50/p95, "
        u"open+unlock with the raw key, and the Argon2id derivation."_s);
    parser.addHelpOption();
    const QCommandLineOption json(u"json"_s, u"Write the result to FILE (it is printed to stdout too)."_s, u"FILE"_s);
    const QCommandLineOption records(u"records"_s, u"Insights to insert."_s, u"N"_s, u"100000"_s);
    const QCommandLineOption queries(u"queries"_s, u"Search queries to time."_s, u"N"_s, u"200"_s);
    const QCommandLineOption batch(u"batch"_s, u"Insights per transaction."_s, u"N"_s, u"1000"_s);
    const QCommandLineOption seed(u"seed"_s, u"Seed of the generated text and queries."_s, u"N"_s, u"20240611"_s);
    parser.addOptions({json, records, queries, batch, seed});
    parser.process(arguments);

    fieldnotes::bench::StoreBenchOptions options;
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
    options.records = parser.value(records).toInt(&ok1);
    options.queries = parser.value(queries).toInt(&ok2);
    options.batch = parser.value(batch).toInt(&ok3);
    options.seed = parser.value(seed).toUInt(&ok4);
    if (!parser.isSet(json) || !ok1 || !ok2 || !ok3 || !ok4 || options.records <= 0 || options.queries <= 0
        || options.batch <= 0) {
        printError(u"store: --json FILE is required; --records, --queries and --batch take positive numbers."_s);
        return 1;
    }

    QString error;
    const QJsonObject result = fieldnotes::bench::runStoreBench(options, &error);
    return report(u"store"_s, parser.value(json), result, error);
}

int runServer(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"The sync server: N simulated devices against a real fieldnotes-server on loopback (fresh database per "
        u"backend; the server runs with FIELDNOTES_INSECURE_FAST_KDF=1). Each device logs in once and pulls "
        u"everything; then its user makes a change every --think-ms (1 to --max-batch mutations into its outbox) "
        u"and the device syncs (push the outbox, pull from its cursor to the end) --debounce-ms after its last change "
        u"and every --periodic-s. Reports per endpoint count, requests/s and p50/p95/p99 ms, "
        u"errors, server-side durations from the request log, CPU use, and whether a fresh device pulls exactly "
        u"what was pushed. PostgreSQL: FIELDNOTES_TEST_PG_URL, else tests/support/postgres.sh starts one."_s);
    parser.addHelpOption();
    const QCommandLineOption json(u"json"_s, u"Write the result to FILE (it is printed to stdout too)."_s, u"FILE"_s);
    const QCommandLineOption devices(u"devices"_s, u"Simulated devices."_s, u"N"_s, u"200"_s);
    const QCommandLineOption seconds(u"seconds"_s, u"Length of the timed phase per backend."_s, u"S"_s, u"20"_s);
    const QCommandLineOption db(u"db"_s, u"sqlite, postgresql or both."_s, u"BACKEND"_s, u"both"_s);
    const QCommandLineOption think(
        u"think-ms"_s, u"Pause between two changes of a device's user, MIN-MAX ms."_s, u"RANGE"_s, u"2000-8000"_s);
    const QCommandLineOption batch(u"max-batch"_s, u"Mutations per change: 1 to N."_s, u"N"_s, u"3"_s);
    const QCommandLineOption debounce(
        u"debounce-ms"_s, u"A device syncs this long after its last change."_s, u"MS"_s, u"2000"_s);
    const QCommandLineOption periodic(u"periodic-s"_s, u"A device also syncs this often."_s, u"S"_s, u"180"_s);
    const QCommandLineOption seed(u"seed"_s, u"Seed of the devices' random choices."_s, u"N"_s, u"20240611"_s);
    const QCommandLineOption direct(u"direct"_s,
        u"All devices connect as 127.0.0.1 without X-Forwarded-For (the server's per-IP connection limit applies)."_s);
    const QCommandLineOption freshPull(u"fresh-pull"_s,
        u"Instead of the device workload: push N records, then time a fresh marketer and a fresh sales device pulling "
        u"them all with limit=1000 (fresh_pull_records_per_s)."_s,
        u"N"_s, u"0"_s);
    const QCommandLineOption server(u"server"_s, u"The fieldnotes-server program."_s, u"PATH"_s,
        QString::fromLocal8Bit(FIELDNOTES_SERVER_PROGRAM));
    parser.addOptions({json, devices, seconds, db, think, batch, debounce, periodic, seed, direct, freshPull, server});
    parser.process(arguments);

    fieldnotes::bench::ServerBenchOptions options;
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false, ok5 = false, ok6 = false;
    options.devices = parser.value(devices).toInt(&ok1);
    options.seconds = parser.value(seconds).toInt(&ok2);
    options.maxBatch = parser.value(batch).toInt(&ok3);
    options.seed = parser.value(seed).toUInt(&ok4);
    const QStringList range = parser.value(think).split(u'-');
    if (range.size() == 2) {
        options.thinkMinMs = range.at(0).toInt(&ok5);
        options.thinkMaxMs = range.at(1).toInt(&ok6);
    }
    options.direct = parser.isSet(direct);
    bool ok7 = false, ok8 = false, ok9 = false;
    options.freshPull = parser.value(freshPull).toLongLong(&ok7);
    options.debounceMs = parser.value(debounce).toInt(&ok8);
    options.periodicSyncSeconds = parser.value(periodic).toInt(&ok9);
    options.serverProgram = parser.value(server);
    options.postgresScript = QString::fromLocal8Bit(FIELDNOTES_POSTGRES_SCRIPT);
    const QString backend = parser.value(db);
    if (backend == u"both"_s)
        options.backends = {u"sqlite"_s, u"postgresql"_s};
    else if (backend == u"sqlite"_s || backend == u"postgresql"_s)
        options.backends = {backend};
    else
        options.backends.clear();
    if (!parser.isSet(json) || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || options.devices <= 0
        || options.seconds <= 0 || options.maxBatch <= 0 || options.maxBatch > 1000 || options.thinkMinMs < 0
        || options.thinkMaxMs < options.thinkMinMs || options.backends.isEmpty() || !ok7 || options.freshPull < 0
        || !ok8 || !ok9 || options.debounceMs < 0 || options.periodicSyncSeconds <= 0) {
        printError(u"server: --json FILE is required; --devices, --seconds and --max-batch (<= 1000) take positive "
                   u"numbers, --think-ms MIN-MAX, --debounce-ms and --periodic-s numbers, --fresh-pull N, "
                   u"--db sqlite|postgresql|both."_s);
        return 1;
    }

    QString error;
    const QJsonObject result = fieldnotes::bench::runServerBench(options, &error);
    return report(u"server"_s, parser.value(json), result, error);
}

} // namespace

int runSync(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"The sync engine: a device pushes N mutations, a fresh device pulls M records, and the median of R "
        u"incremental syncs of K changes; the real engine against a real fieldnotes-server (SQLite) on loopback."_s);
    parser.addHelpOption();
    const QCommandLineOption json(u"json"_s, u"Write the result to FILE (it is printed to stdout too)."_s, u"FILE"_s);
    const QCommandLineOption push(u"push"_s, u"Mutations to push."_s, u"N"_s, u"10000"_s);
    const QCommandLineOption pull(u"pull"_s, u"Records a fresh device pulls (at least --push)."_s, u"M"_s, u"100000"_s);
    const QCommandLineOption incremental(u"incremental"_s, u"Changes per incremental sync."_s, u"K"_s, u"100"_s);
    const QCommandLineOption rounds(u"rounds"_s, u"Incremental syncs to time."_s, u"R"_s, u"5"_s);
    parser.addOptions({json, push, pull, incremental, rounds});
    parser.process(arguments);
    fieldnotes::bench::SyncBenchOptions options;
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
    options.pushRecords = parser.value(push).toInt(&ok1);
    options.pullRecords = parser.value(pull).toInt(&ok2);
    options.incremental = parser.value(incremental).toInt(&ok3);
    options.rounds = parser.value(rounds).toInt(&ok4);
    if (!parser.isSet(json) || !ok1 || !ok2 || !ok3 || !ok4 || options.pushRecords <= 0
        || options.pullRecords <= options.pushRecords || options.incremental <= 0 || options.rounds <= 0
        || options.incremental * options.rounds > options.pullRecords) {
        printError(u"sync: --json FILE is required; counts are positive and --pull is larger than --push."_s);
        return 1;
    }
    QString error;
    const QJsonObject result = fieldnotes::bench::runSyncBench(options, &error);
    return report(u"sync"_s, parser.value(json), result, error);
}

int runApply(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"The store's side of a pull: N generated insights applied to a fresh encrypted store in pages "
        u"(Store::applyPull, as the sync engine calls it), without network or decoding."_s);
    parser.addHelpOption();
    const QCommandLineOption json(u"json"_s, u"Write the result to FILE (it is printed to stdout too)."_s, u"FILE"_s);
    const QCommandLineOption records(u"records"_s, u"Insights to apply."_s, u"N"_s, u"30000"_s);
    const QCommandLineOption page(u"page"_s, u"Changes per page."_s, u"N"_s, u"1000"_s);
    const QCommandLineOption seed(u"seed"_s, u"Seed of the generated text."_s, u"N"_s, u"20240611"_s);
    parser.addOptions({json, records, page, seed});
    parser.process(arguments);
    fieldnotes::bench::ApplyBenchOptions options;
    bool ok1 = false, ok2 = false, ok3 = false;
    options.records = parser.value(records).toInt(&ok1);
    options.page = parser.value(page).toInt(&ok2);
    options.seed = parser.value(seed).toUInt(&ok3);
    if (!parser.isSet(json) || !ok1 || !ok2 || !ok3 || options.records <= 0 || options.page <= 0) {
        printError(u"apply: --json FILE is required; --records and --page take positive numbers."_s);
        return 1;
    }
    QString error;
    const QJsonObject result = fieldnotes::bench::runApplyBench(options, &error);
    return report(u"apply"_s, parser.value(json), result, error);
}

int runApp(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"The app (issue 5) on a generated store: start to first frame of the conversations list (the real fieldnotes "
        u"process, key from the OS keystore: no Argon2id), search-as-you-type through the real page (a child that "
        u"composes the app as main() does), peak RSS. Run inside tests/platform/with-keyring.sh."_s);
    parser.addHelpOption();
    const QCommandLineOption json(u"json"_s, u"Write the result to FILE (it is printed to stdout too)."_s, u"FILE"_s);
    const QCommandLineOption store(u"store"_s, u"Cache directory of the generated store (reused if it matches)."_s,
                                   u"DIR"_s, QDir::temp().filePath(u"fieldnotes-bench-app"_s));
    const QCommandLineOption regenerate(u"regenerate"_s, u"Generate the store again even if it is cached."_s);
    const QCommandLineOption insights(u"insights"_s, u"Insights in the store."_s, u"N"_s, u"100000"_s);
    const QCommandLineOption conversations(u"conversations"_s, u"Conversations in the store."_s, u"N"_s, u"20000"_s);
    const QCommandLineOption accounts(u"accounts"_s, u"Accounts in the store."_s, u"N"_s, u"200"_s);
    const QCommandLineOption runs(u"runs"_s, u"Timed starts of the app (median reported)."_s, u"N"_s, u"7"_s);
    const QCommandLineOption queries(u"queries"_s, u"Queries typed into the search, separated by |."_s, u"Q"_s,
                                     u"pricing|salesforce migration|onboarding training|churn|offline sync"_s);
    const QCommandLineOption interval(u"interval-ms"_s, u"Pause between keystrokes."_s, u"MS"_s, u"150"_s);
    const QCommandLineOption platform(u"platform"_s, u"offscreen, or xcb (the bench starts an Xvfb)."_s, u"NAME"_s,
                                      u"offscreen"_s);
    const QCommandLineOption app(u"app"_s, u"The fieldnotes program."_s, u"PATH"_s,
                                 QString::fromLocal8Bit(FIELDNOTES_APP_PROGRAM));
    parser.addOptions({json, store, regenerate, insights, conversations, accounts, runs, queries, interval, platform,
                       app});
    parser.process(arguments);
    fieldnotes::bench::AppBenchOptions options;
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false, ok5 = false;
    options.cacheDir = QDir(parser.value(store)).absolutePath();
    options.regenerate = parser.isSet(regenerate);
    options.insights = parser.value(insights).toInt(&ok1);
    options.conversations = parser.value(conversations).toInt(&ok2);
    options.accounts = parser.value(accounts).toInt(&ok3);
    options.runs = parser.value(runs).toInt(&ok4);
    options.typingIntervalMs = parser.value(interval).toInt(&ok5);
    options.queries = parser.value(queries).split(u'|', Qt::SkipEmptyParts);
    options.platform = parser.value(platform);
    options.appProgram = parser.value(app);
    options.benchProgram = QCoreApplication::applicationFilePath();
    if (!parser.isSet(json) || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || options.insights <= 0
        || options.conversations <= 0 || options.accounts <= 0 || options.runs <= 0 || options.typingIntervalMs < 0
        || options.queries.isEmpty() || (options.platform != u"offscreen"_s && options.platform != u"xcb"_s)) {
        printError(u"app: --json FILE is required; counts are positive; --platform offscreen|xcb."_s);
        return 1;
    }
    QString error;
    const QJsonObject result = fieldnotes::bench::runAppBench(options, &error);
    return report(u"app"_s, parser.value(json), result, error);
}

int main(int argc, char *argv[])
{
    // The app bench's child loads the real UI: it needs a QGuiApplication, made there.
    if (argc >= 2 && std::strcmp(argv[1], "app-ui") == 0)
        return fieldnotes::bench::runAppUi(argc, argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"fieldnotes-bench"_s);
    const QStringList args = QCoreApplication::arguments();
    const QString usage = u"usage: fieldnotes-bench <store|server|sync|apply|app> [options]   (--help after a subcommand)"_s;
    if (args.size() < 2 || args.at(1) == u"--help"_s || args.at(1) == u"-h"_s) {
        std::fprintf(args.size() < 2 ? stderr : stdout, "%s\n", usage.toLocal8Bit().constData());
        return args.size() < 2 ? 1 : 0;
    }
    const QString command = args.at(1);
    QStringList rest = args;
    rest.removeAt(1); // the parser sees "fieldnotes-bench [options]"
    if (command == u"store"_s)
        return runStore(rest);
    if (command == u"server"_s)
        return runServer(rest);
    if (command == u"sync"_s)
        return runSync(rest);
    if (command == u"apply"_s)
        return runApply(rest);
    if (command == u"app"_s)
        return runApp(rest);
    printError(u"unknown benchmark '%1'. "_s.arg(command) + usage);
    return 1;
}
