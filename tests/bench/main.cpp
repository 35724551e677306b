// fieldnotes-bench: measures the performance budgets of docs/ARCHITECTURE.md ("Performance budgets").
//
//   fieldnotes-bench store --json FILE [--records 100000] [--queries 200] [--batch 1000] [--seed N]
//
// Subcommands name the part measured; `server`, `sync` and `app` are reserved for the benchmarks of those
// parts and say so (exit 2) until they exist. The JSON result goes to FILE and to stdout; progress and
// diagnostics (slowest queries, plain-store figures) go to stderr.

#include "storebench.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>

#include <cstdio>

using namespace Qt::Literals::StringLiterals;

namespace {

void printError(const QString &message)
{
    std::fprintf(stderr, "fieldnotes-bench: %s\n", message.toLocal8Bit().constData());
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
    if (!error.isEmpty() || result.isEmpty()) {
        printError(u"store: "_s + (error.isEmpty() ? u"the benchmark failed."_s : error));
        return 1;
    }
    const QByteArray text = QJsonDocument(result).toJson(QJsonDocument::Indented);
    QFile out(parser.value(json));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text) != text.size()) {
        printError(u"store: cannot write %1."_s.arg(out.fileName()));
        return 1;
    }
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"fieldnotes-bench"_s);
    const QStringList args = QCoreApplication::arguments();
    const QString usage = u"usage: fieldnotes-bench <store|server|sync|app> [options]   (--help after a subcommand)"_s;
    if (args.size() < 2 || args.at(1) == u"--help"_s || args.at(1) == u"-h"_s) {
        std::fprintf(args.size() < 2 ? stderr : stdout, "%s\n", usage.toLocal8Bit().constData());
        return args.size() < 2 ? 1 : 0;
    }
    const QString command = args.at(1);
    QStringList rest = args;
    rest.removeAt(1); // the parser sees "fieldnotes-bench [options]"
    if (command == u"store"_s)
        return runStore(rest);
    if (command == u"server"_s || command == u"sync"_s || command == u"app"_s) {
        printError(u"the '%1' benchmark is not built yet; only 'store' is."_s.arg(command));
        return 2;
    }
    printError(u"unknown benchmark '%1'. "_s.arg(command) + usage);
    return 1;
}
