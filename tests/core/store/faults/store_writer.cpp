// store-writer: a test helper for the store's fault tests (never installed).
//
// Opens (or creates) the store in --dir with the hex key in --key-file, then writes --count insights, each in
// its own transaction (Store::put). After each commit it prints the record id on its own line and flushes
// stdout: a printed id is an "acknowledged" write that must survive anything that happens afterwards
// (SIGKILL, a full disk, power loss as far as fsync allows).
//
// --fsize-limit BYTES sets RLIMIT_FSIZE and ignores SIGXFSZ before the first write, so a write that would grow
// any file beyond BYTES fails with EFBIG: a full disk, as the store sees it. On a failed write the error's
// message goes to stderr and the exit code is 3.
//
// Exit codes: 0 all written, 1 bad arguments, 2 the store could not be opened, 3 a write failed.

#include "base/securebuffer.h"
#include "records/entity.h"
#include "store/store.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonObject>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

void fail(const QString &message)
{
    std::fprintf(stderr, "store-writer: %s\n", message.toLocal8Bit().constData());
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Writes records into a store, one transaction each, printing each committed id."_s);
    parser.addHelpOption();
    const QCommandLineOption dirOption(u"dir"_s, u"The store directory (created if missing)."_s, u"DIR"_s);
    const QCommandLineOption keyOption(u"key-file"_s, u"A file holding the 32-byte store key as hex."_s, u"FILE"_s);
    const QCommandLineOption countOption(u"count"_s, u"How many records to write."_s, u"N"_s, u"1000"_s);
    const QCommandLineOption canaryOption(u"canary"_s, u"A string to put into every record's text."_s, u"STR"_s);
    const QCommandLineOption limitOption(u"fsize-limit"_s, u"RLIMIT_FSIZE in bytes, to simulate a full disk."_s,
                                         u"BYTES"_s);
    parser.addOptions({dirOption, keyOption, countOption, canaryOption, limitOption});
    parser.process(app);

    bool countOk = false;
    const qint64 count = parser.value(countOption).toLongLong(&countOk);
    if (!parser.isSet(dirOption) || !parser.isSet(keyOption) || !countOk || count < 0) {
        fail(u"--dir, --key-file and a non-negative --count are required."_s);
        return 1;
    }
    qint64 limit = -1;
    if (parser.isSet(limitOption)) {
        bool ok = false;
        limit = parser.value(limitOption).toLongLong(&ok);
        if (!ok || limit <= 0) {
            fail(u"--fsize-limit needs a positive number of bytes."_s);
            return 1;
        }
    }

    QFile keyFile(parser.value(keyOption));
    if (!keyFile.open(QIODevice::ReadOnly)) {
        fail(u"Cannot read the key file."_s);
        return 1;
    }
    QByteArray hex = keyFile.readAll().trimmed();
    SecureBuffer key = SecureBuffer::fromByteArray(QByteArray::fromHex(hex));
    scrubByteArray(hex);
    if (key.size() != 32) {
        fail(u"The key file must hold 64 hex digits."_s);
        return 1;
    }

    const QString dir = parser.value(dirOption);
    QDir().mkpath(dir);
    const bool exists = QFile::exists(Store::databaseFiles(dir).constFirst());
    auto store = exists ? Store::open(dir, key) : Store::create(dir, key);
    key.clear();
    if (!store) {
        fail(store.error().message);
        return 2;
    }

    if (limit > 0) {
        std::signal(SIGXFSZ, SIG_IGN); // a write past the limit then fails with EFBIG instead of killing us
        const rlimit rl{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
        if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) {
            fail(u"Cannot set RLIMIT_FSIZE."_s);
            return 1;
        }
    }

    static const char16_t *const kinds[] = {u"need", u"pain", u"delight", u"value", u"competitor", u"trend", u"request"};
    const QString canary = parser.value(canaryOption);
    for (qint64 i = 0; i < count; ++i) {
        QString text = u"Writer record %1: the customer explained how the rollout went and what blocked them."_s.arg(i);
        if (!canary.isEmpty())
            text += u' ' + canary;
        const QJsonObject fields{{u"kind"_s, QString::fromUtf16(kinds[i % 7])},
                                 {u"text"_s, text},
                                 {u"quote"_s, u"We lost a week on it."_s},
                                 {u"importance"_s, int(i % 5) + 1}};
        auto id = (*store)->put(Entity::Insight, {}, fields);
        if (!id) {
            fail(id.error().message);
            store->reset();
            return 3;
        }
        const QByteArray line = id->toLatin1() + '\n';
        std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
        std::fflush(stdout);
    }
    return 0;
}
