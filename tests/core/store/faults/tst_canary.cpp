// Nothing of a record's content reaches a file in plaintext, a temp file, or a log.
//
// A unique canary ("CANARY-" + random hex) goes through the store in every searchable and several other text
// fields; the test searches for it, lists with sorting, updates and deletes records holding it, and makes the
// store refuse invalid input holding it. Then every file under the store directory and under TMPDIR (a fresh
// directory set for this process, SQLITE_TMPDIR too), -wal and -shm included, is scanned for the canary in UTF-8
// and UTF-16LE, and for its hex part alone in lower case (the form FTS5 keeps its tokens in). A plaintext store
// written the same way proves the scanner finds what is there.
//
// SQLite unlinks its temp files as soon as it opens them, so a scan would never see them: an inotify watch on
// TMPDIR and on the store directory records every file created there instead, and only the store's own files
// may appear. Qt messages (qDebug..qFatal) and the process's stderr are recorded and checked too.

#include "faultsupport.h"

#include "base/securebuffer.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QMutex>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;

namespace {

QMutex g_messagesMutex;
QStringList g_messages;
QtMessageHandler g_previousHandler = nullptr;

void recordMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_messagesMutex);
        g_messages << message;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QByteArray utf16le(const QString &text)
{
    QByteArray bytes;
    for (QChar c : text) {
        bytes.append(char(c.unicode() & 0xff));
        bytes.append(char(c.unicode() >> 8));
    }
    return bytes;
}

/** Watches directories for files being created (even ones unlinked right away, like SQLite's temp files). */
class CreationWatch
{
public:
    CreationWatch() : m_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) { }
    ~CreationWatch()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool isValid() const { return m_fd >= 0; }
    bool watch(const QString &dir)
    {
        const int wd = inotify_add_watch(m_fd, QFile::encodeName(dir).constData(), IN_CREATE | IN_MOVED_TO);
        if (wd < 0)
            return false;
        m_dirs.insert(wd, dir);
        return true;
    }
    /** "dir/name" of everything created since the last call. */
    QStringList created()
    {
        QStringList names;
        alignas(inotify_event) char buffer[64 * 1024];
        while (true) {
            const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
            if (n <= 0)
                break;
            for (ssize_t at = 0; at < n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(buffer + at);
                if (event->len > 0)
                    names << m_dirs.value(event->wd) + u'/' + QFile::decodeName(event->name);
                at += ssize_t(sizeof(inotify_event) + event->len);
            }
        }
        return names;
    }

private:
    int m_fd = -1;
    QMap<int, QString> m_dirs;
};

} // namespace

class TestCanary : public QObject
{
    Q_OBJECT

private:
    QString m_canary; ///< "CANARY-<hex>"
    QString m_token; ///< the hex part, as FTS5 stores it
    QTemporaryDir m_tmp; ///< inside the fresh TMPDIR: the store lives here
    QString m_storeDir;
    SecureBuffer m_key;
    CreationWatch m_watch;
    int m_savedStderr = -1;
    QString m_stderrFile;

    QList<QByteArray> needles() const
    {
        return {m_canary.toUtf8(), utf16le(m_canary), m_token.toUtf8(), utf16le(m_token), m_token.toUpper().toUtf8()};
    }

    /** Paths of the files under @p roots that hold any of the needles. */
    QStringList filesHoldingCanary(const QStringList &roots, int *scanned = nullptr) const
    {
        QStringList found;
        const QList<QByteArray> patterns = needles();
        for (const QString &root : roots) {
            QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                if (path == m_stderrFile)
                    continue; // checked separately
                QFile file(path);
                if (!file.open(QIODevice::ReadOnly))
                    continue;
                const QByteArray bytes = file.readAll();
                if (scanned)
                    ++*scanned;
                for (const QByteArray &pattern : patterns) {
                    if (bytes.contains(pattern)) {
                        found << u"%1 (%2 bytes)"_s.arg(path).arg(bytes.size());
                        break;
                    }
                }
            }
        }
        return found;
    }

    QStringList leaks() const
    {
        int scanned = 0;
        const QStringList found = filesHoldingCanary({m_storeDir, QDir::tempPath()}, &scanned);
        if (scanned < 2)
            return {u"scanned only %1 files"_s.arg(scanned)};
        return found;
    }

    bool messageHoldsCanary(const QString &message) const
    {
        return message.contains(m_canary, Qt::CaseInsensitive) || message.contains(m_token, Qt::CaseInsensitive);
    }

    // Every text field the user types, with the canary somewhere in it.
    void writeEverything(Store &store, QStringList *insightIds, QString *accountId, QString *conversationId)
    {
        const QString c = m_canary;
        auto account = store.put(Entity::Account, {}, {{u"name"_s, u"Acme "_s + c}, {u"domain"_s, c.toLower() + u".example"_s},
                                                       {u"segment"_s, u"Mid-market "_s + c}});
        QVERIFY2(account.ok(), qPrintable(account ? QString() : account.error().message));
        *accountId = *account;
        QVERIFY(store.put(Entity::Account, {}, {{u"name"_s, u"Zenith Logistics"_s}}).ok());
        QVERIFY(store.put(Entity::Contact, {}, {{u"account_id"_s, *accountId}, {u"name"_s, u"Dana "_s + c},
                                                {u"title"_s, u"Head of "_s + c}, {u"phone"_s, u"+1 555 0100"_s}})
                    .ok());
        auto conversation = store.put(Entity::Conversation, {},
                                      {{u"account_id"_s, *accountId}, {u"title"_s, u"Kickoff with "_s + c},
                                       {u"notes"_s, u"Long notes.\n"_s.repeated(50) + c + u" said the export is slow."_s},
                                       {u"occurred_at"_s, u"2026-01-15T09:30:00Z"_s}, {u"channel"_s, u"video"_s}});
        QVERIFY(conversation.ok());
        *conversationId = *conversation;
        QVERIFY(store.put(Entity::Conversation, {}, {{u"title"_s, u"Another "_s + c}, {u"occurred_at"_s, u"2025-12-01T10:00:00Z"_s}})
                    .ok());
        for (int i = 0; i < 60; ++i) {
            QJsonObject fields{{u"kind"_s, i % 2 ? u"pain"_s : u"need"_s},
                               {u"account_id"_s, *accountId},
                               {u"conversation_id"_s, *conversationId},
                               {u"importance"_s, 1 + i % 5}};
            if (i % 3 == 0) {
                fields.insert(u"text"_s, u"Insight %1 mentions %2 in passing"_s.arg(i).arg(c));
                fields.insert(u"quote"_s, u"\u201C%1 was hard to set up\u201D"_s.arg(c));
            } else {
                fields.insert(u"text"_s, u"Insight %1 about pricing and onboarding"_s.arg(i));
            }
            auto id = store.put(Entity::Insight, {}, fields);
            QVERIFY(id.ok());
            *insightIds << *id;
        }
        QVERIFY(store.put(Entity::Tag, {}, {{u"name"_s, c.left(90)}, {u"color"_s, u"#1E88E5"_s}}).ok());
        QVERIFY(store.put(Entity::Lead, {}, {{u"account_id"_s, *accountId}, {u"recommendation"_s, u"Upsell "_s + c},
                                             {u"outcome"_s, u"Closed "_s + c}})
                    .ok());
        QVERIFY(store.put(Entity::Guide, {}, {{u"title"_s, u"Guide "_s + c}, {u"questions"_s, QJsonArray{u"Why "_s + c + u"?"_s}}})
                    .ok());
    }

private slots:
    void initTestCase()
    {
        // main() pointed TMPDIR at a fresh directory for this process.
        QVERIFY(QDir::tempPath().contains(u"fieldnotes-canary-"_s));
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_tmp.path().startsWith(QDir::tempPath()));

        m_token = QString::fromLatin1(QByteArray::number(QRandomGenerator::global()->generate64(), 16).rightJustified(16, '0')
                                      + QByteArray::number(QRandomGenerator::global()->generate(), 16).rightJustified(8, '0'));
        m_canary = u"CANARY-"_s + m_token;
        qInfo("canary: %s", qPrintable(QString(m_canary).replace(u'-', u'_'))); // logged, but not in the needle's form
        m_key = SecureBuffer::random(32);
        m_storeDir = m_tmp.filePath(u"store"_s);
        QVERIFY(faults::makePrivateDir(m_storeDir));

        QVERIFY(m_watch.isValid());
        QVERIFY(m_watch.watch(QDir::tempPath()));
        QVERIFY(m_watch.watch(m_tmp.path()));
        QVERIFY(m_watch.watch(m_storeDir));

        g_previousHandler = qInstallMessageHandler(recordMessage);

        // Whatever the process writes to stderr (SQLite, libsodium, Qt's default handler) goes to a file too.
        m_stderrFile = m_tmp.filePath(u"stderr.txt"_s);
        std::fflush(stderr);
        m_savedStderr = ::dup(STDERR_FILENO);
        const int fd = ::open(QFile::encodeName(m_stderrFile).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        QVERIFY(fd >= 0 && m_savedStderr >= 0);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
        (void)m_watch.created(); // our own stderr file
    }

    void cleanupTestCase()
    {
        if (m_savedStderr >= 0) {
            std::fflush(stderr);
            ::dup2(m_savedStderr, STDERR_FILENO);
            ::close(m_savedStderr);
            m_savedStderr = -1;
        }
        qInstallMessageHandler(g_previousHandler);
    }

    void scannerFindsPlaintext()
    {
        // The positive control: a plaintext store outside the scanned directories holds the canary in the clear.
        QTemporaryDir control(QDir::tempPath() + u"/../fieldnotes-canary-control-XXXXXX"_s);
        QVERIFY(control.isValid());
        {
            auto plain = Store::createUnencryptedForBenchmark(control.path());
            QVERIFY(plain.ok());
            QVERIFY((*plain)->put(Entity::Insight, {}, {{u"kind"_s, u"need"_s}, {u"text"_s, u"plain "_s + m_canary}}).ok());
            QVERIFY(!filesHoldingCanary({control.path()}).isEmpty()); // in the WAL while open
        }
        QVERIFY(!filesHoldingCanary({control.path()}).isEmpty()); // in the main file after the checkpoint
        const QStringList created = m_watch.created();
        QVERIFY2(created.isEmpty(), qPrintable(created.join(u", "_s))); // nothing of it appeared in TMPDIR
    }

    void noPlaintextAnywhere()
    {
        QStringList insightIds;
        QString accountId;
        QString conversationId;
        {
            auto created = Store::create(m_storeDir, m_key);
            QVERIFY2(created.ok(), qPrintable(created ? QString() : created.error().message));
            Store &store = **created;
            writeEverything(store, &insightIds, &accountId, &conversationId);
            if (QTest::currentTestFailed())
                return;

            // Searches: the whole canary, its word parts, a prefix, and plain words.
            for (const QString &query : {m_canary, m_token, m_token.left(6), u"canary"_s, u"CANARY export"_s,
                                         u"pricing onboarding"_s, u"acme"_s}) {
                auto hits = store.search(query, 50);
                QVERIFY(hits.ok());
                QVERIFY2(!hits->isEmpty(), qPrintable(u"no hits for a query"_s));
            }
            auto canaryHits = store.search(m_canary, 100);
            QVERIFY(canaryHits.ok());
            QVERIFY(canaryHits->size() >= 20 + 2 + 1); // 20 insights, 2 conversations, 1 account

            // Lists with every sort order the store has.
            for (Entity entity : {Entity::Account, Entity::Contact, Entity::Conversation, Entity::Insight, Entity::Tag,
                                  Entity::Lead, Entity::Guide}) {
                auto all = store.list(entity);
                QVERIFY(all.ok());
                QVERIFY(!all->isEmpty());
            }
            ListQuery byAccount;
            byAccount.accountId = accountId;
            byAccount.limit = 25;
            byAccount.offset = 5;
            QVERIFY(store.list(Entity::Insight, byAccount).ok());
            QVERIFY(store.list(Entity::Conversation, byAccount).ok());

            // Updates (new text with the canary, then without it) and deletes of records holding it.
            for (int i = 0; i < insightIds.size(); i += 3) {
                QVERIFY(store.put(Entity::Insight, insightIds.at(i), {{u"text"_s, u"Edited: "_s + m_canary + u" again"_s}}).ok());
                QVERIFY(store.put(Entity::Insight, insightIds.at(i), {{u"quote"_s, QJsonValue::Null}}).ok());
            }
            for (int i = 0; i < insightIds.size(); i += 6)
                QVERIFY(store.remove(Entity::Insight, insightIds.at(i)).ok());
            QVERIFY(store.put(Entity::Conversation, conversationId, {{u"notes"_s, u"Rewritten "_s + m_canary}}).ok());

            // Refusals must not echo the content back.
            for (const QJsonObject &bad : std::initializer_list<QJsonObject>{QJsonObject{{u"kind"_s, m_canary}, {u"text"_s, m_canary}},
                                           QJsonObject{{u"kind"_s, u"need"_s}, {u"text"_s, m_canary}, {u"importance"_s, 9}},
                                           QJsonObject{{u"kind"_s, u"need"_s}, {u"text"_s, m_canary + QChar(7)}},
                                           QJsonObject{{u"kind"_s, u"need"_s}, {u"text"_s, m_canary.repeated(2000)}},
                                           QJsonObject{{u"kind"_s, u"need"_s}, {u"text"_s, m_canary}, {u"tags"_s, QJsonArray{m_canary}}}}) {
                auto refused = store.put(Entity::Insight, {}, bad);
                QVERIFY(!refused.ok());
                QVERIFY2(!messageHoldsCanary(refused.error().message), "an error message holds record content");
            }

            auto pending = store.pendingMutations(10000);
            QVERIFY(pending.ok());
            QVERIFY(pending->size() > 60);
            auto problems = store.verify();
            QVERIFY(problems.ok());
            QVERIFY2(problems->isEmpty(), qPrintable(problems->join(u"; "_s)));

            // While open: the WAL and -shm hold the recent writes.
            QVERIFY(QFile::exists(Store::databaseFiles(m_storeDir).at(1)));
            const QStringList open = leaks();
            QVERIFY2(open.isEmpty(), qPrintable(u"plaintext while open in: "_s + open.join(u", "_s)));
        }

        // Closed (checkpointed), then reopened and searched once more.
        const QStringList closed = leaks();
        QVERIFY2(closed.isEmpty(), qPrintable(u"plaintext after close in: "_s + closed.join(u", "_s)));
        {
            auto reopened = Store::open(m_storeDir, m_key);
            QVERIFY(reopened.ok());
            auto hits = (*reopened)->search(m_token.left(8));
            QVERIFY(hits.ok());
            QVERIFY(!hits->isEmpty());
            QVERIFY((*reopened)->list(Entity::Insight).ok());
        }
        const QStringList reopened = leaks();
        QVERIFY2(reopened.isEmpty(), qPrintable(u"plaintext after reopening in: "_s + reopened.join(u", "_s)));

        // No temp file was ever created (temp_store = MEMORY), and the store made only its own files.
        const QStringList created = m_watch.created();
        const QStringList allowed{m_storeDir, Store::databaseFiles(m_storeDir).at(0), Store::databaseFiles(m_storeDir).at(1),
                                  Store::databaseFiles(m_storeDir).at(2),
                                  Store::databaseFiles(m_storeDir).at(0) + u"-journal"_s};
        for (const QString &path : created)
            QVERIFY2(allowed.contains(path), qPrintable(u"unexpected file created: "_s + path));
        qInfo("files created during the test: %s", qPrintable(QStringList(created).join(u", "_s)));
    }

    void nothingInLogs()
    {
        std::fflush(stderr);
        QFile err(m_stderrFile);
        QVERIFY(err.open(QIODevice::ReadOnly));
        const QByteArray stderrBytes = err.readAll();
        for (const QByteArray &needle : needles())
            QVERIFY2(!stderrBytes.contains(needle), "stderr holds the canary");
        QMutexLocker lock(&g_messagesMutex);
        for (const QString &message : std::as_const(g_messages))
            QVERIFY2(!messageHoldsCanary(message), "a Qt message holds the canary");
    }
};

int main(int argc, char *argv[])
{
    // A fresh TMPDIR for this process (and SQLite's own override), so everything temporary can be scanned.
    QByteArray base = qgetenv("TMPDIR");
    if (base.isEmpty())
        base = "/tmp";
    QByteArray templ = base + "/fieldnotes-canary-XXXXXX";
    if (!::mkdtemp(templ.data())) {
        std::perror("mkdtemp");
        return 1;
    }
    qputenv("TMPDIR", templ);
    qputenv("SQLITE_TMPDIR", templ);
    int rc = 0;
    {
        QCoreApplication app(argc, argv);
        TestCanary test;
        QTEST_SET_MAIN_SOURCE_PATH
        rc = QTest::qExec(&test, argc, argv);
    }
    QDir(QFile::decodeName(templ)).removeRecursively();
    return rc;
}

#include "tst_canary.moc"
