// ApiClient against the real fieldnotes-server process (SQLite), directly or through the fault-injecting proxy: its
// contract (each callback once, on the owner's thread; abortAll; destruction) and that answers are received and
// decoded on its network thread while the owner's thread is busy.

#include "../server/api/serverprocess.h"
#include "faultproxy.h"
#include "sync/client/apiclient.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <time.h>

using namespace Qt::Literals::StringLiterals;
using namespace fieldnotes;
using namespace fieldnotes::e2e;
using fieldnotes::sync::ApiClient;
using fieldnotes::sync::ApiClientOptions;
using fieldnotes::sync::CallError;
using Fault = fieldnotes::test::FaultProxy::Fault;

namespace {

constexpr int kPageRecords = 1000;

/// CPU time the calling thread used so far, in ms: what it did, not how long it waited for the CPU.
double threadCpuMs()
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1000.0 + double(now.tv_nsec) / 1e6;
}

/// What one call answered, and on which thread.
struct Answers
{
    int count = 0;
    QThread *thread = nullptr;
    std::optional<CallError> error;
    std::optional<protocol::PullPage> page;

    /// A PullDone that records here.
    ApiClient::PullDone pullDone()
    {
        return [this](std::variant<protocol::PullPage, CallError> answer) {
            ++count;
            thread = QThread::currentThread();
            if (auto *e = std::get_if<CallError>(&answer))
                error = *e;
            else
                page = std::get<protocol::PullPage>(std::move(answer));
        };
    }
};

} // namespace

/** Tests ApiClient: callbacks on the owner's thread, answers decoded off it, abortAll, destruction, settings. */
class TestApiClient : public QObject
{
    Q_OBJECT

private:
    Stacks m_stacks {u"apiclient"_s};
    Stack *m_stack = nullptr;
    std::unique_ptr<test::FaultProxy> m_proxy;

    /// A client of team A's marketer, to the server or through the proxy.
    std::unique_ptr<ApiClient> client(bool throughProxy = false, int timeoutMs = 20000) const
    {
        ApiClientOptions options;
        options.timeoutMs = timeoutMs;
        auto c = std::make_unique<ApiClient>(options);
        c->setServer(QUrl(u"http://127.0.0.1:%1"_s.arg(throughProxy ? m_proxy->port() : m_stack->port())));
        c->setToken(m_stack->a.marketer.token.toLatin1());
        return c;
    }

private slots:
    void initTestCase()
    {
        QString why;
        m_stack = m_stacks.get(u"sqlite"_s, &why);
        QVERIFY2(m_stack, qPrintable(why));
        m_proxy = std::make_unique<test::FaultProxy>(m_stack->port());
        QVERIFY(m_proxy->start());
        // A full first page of about 2 MB: its decoding takes a while, measurably.
        const Session &marketer = m_stack->a.marketer;
        const QString text = QString(1500, u'x');
        for (int batch = 0; batch < 2; ++batch) {
            QJsonArray mutations;
            for (int i = 0; i < kPageRecords / 2; ++i)
                mutations << upsert(u"insight"_s, uuid(),
                    {{u"kind"_s, u"need"_s}, {u"text"_s, text + QString::number(i)}, {u"published"_s, true}},
                    nextHlc(marketer.hlcDevice()));
            const Reply pushed = marketer.push(mutations);
            QVERIFY2(pushed.status == 200, qPrintable(pushed.describe()));
        }
    }

    void init() { m_proxy->heal(); }

    void cleanupTestCase()
    {
        m_proxy.reset();
        const QString findings = m_stacks.sanitizerFindings();
        QVERIFY2(findings.isEmpty(), qPrintable(findings));
    }

    // The reason for the network thread: the engine asks for the next page, then applies one on its thread for tens
    // of ms. The next page must be received and decoded meanwhile, not after.
    void aPullIsReceivedAndDecodedWhileTheOwnerIsBusy()
    {
        // What decoding this page costs a thread.
        const Reply raw = m_stack->a.marketer.pull({}, kPageRecords);
        QCOMPARE(raw.status, 200);
        double decodeMs = threadCpuMs();
        auto decoded = protocol::decodePullPage(raw.body);
        decodeMs = threadCpuMs() - decodeMs;
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->changes.size(), kPageRecords);

        auto api = client();
        Answers answers;
        api->pull({}, kPageRecords, answers.pullDone());
        // This thread never runs its event loop (its network objects would get nothing), as if it were busy all
        // along: it only takes the events posted to the client, its answers, now and then.
        double deliveringMs = 0;
        QElapsedTimer timer;
        timer.start();
        while (answers.count == 0 && timer.elapsed() < 20000) {
            QThread::msleep(20);
            const double before = threadCpuMs();
            QCoreApplication::sendPostedEvents(api.get(), 0);
            deliveringMs += threadCpuMs() - before;
        }
        QVERIFY2(answers.count > 0, "the answer was not received while this thread was busy");
        QCOMPARE(answers.count, 1);
        QCOMPARE(answers.thread, QThread::currentThread());
        QVERIFY2(!answers.error, qPrintable(answers.error ? answers.error->message : QString()));
        QCOMPARE(answers.page->changes.size(), kPageRecords);
        // The page arrived decoded: taking it cost this thread a small part of a decode.
        qInfo("decoding the page: %.1f ms of CPU; taking the decoded answer: %.2f ms", decodeMs, deliveringMs);
        QVERIFY2(deliveringMs < decodeMs / 4,
            qPrintable(
                u"taking the answer cost %1 ms of CPU here, decoding it %2 ms"_s.arg(deliveringMs).arg(decodeMs)));
    }

    void callbacksRunOnTheOwnersThreadOnce()
    {
        auto api = client();
        QThread *const owner = QThread::currentThread();
        QList<QThread *> clockThreads;
        QList<qint64> clocks;
        connect(
            api.get(), &ApiClient::serverClock, this,
            [&](qint64 ms) {
                clockThreads << QThread::currentThread();
                clocks << ms;
            },
            Qt::DirectConnection);

        // Login (a new device of the marketer), push with `sent`, pull, logout of that device.
        protocol::LoginRequest login;
        login.email = m_stack->a.emails.value(u"marketer"_s);
        login.password = kPassword;
        login.deviceName = u"apiclient test"_s;
        int logins = 0;
        QString token;
        QString device;
        QThread *loginThread = nullptr;
        api->login(login, [&](std::variant<protocol::LoginResponse, CallError> answer) {
            ++logins;
            loginThread = QThread::currentThread();
            if (auto *response = std::get_if<protocol::LoginResponse>(&answer)) {
                token = response->token;
                device = QString(response->deviceId).remove(u'-');
            } else
                qWarning("login: %s", qPrintable(std::get<CallError>(answer).message));
        });
        QTRY_COMPARE_WITH_TIMEOUT(logins, 1, 20000);
        QCOMPARE(loginThread, owner);
        QVERIFY(!token.isEmpty());
        api->setToken(token.toLatin1());

        const QJsonObject mutation = upsert(u"tag"_s, uuid(), createFields(u"tag"_s), nextHlc(device));
        const QByteArray body = compact(QJsonObject {{u"mutations"_s, QJsonArray {mutation}}});
        QStringList order;
        QThread *pushThread = nullptr;
        QThread *sentThread = nullptr;
        api->push(
            body, {mutation.value(u"id"_s).toString()},
            [&](std::variant<protocol::PushResponse, CallError> answer) {
                order << u"done"_s;
                pushThread = QThread::currentThread();
                QVERIFY(std::holds_alternative<protocol::PushResponse>(answer));
                QCOMPARE(std::get<protocol::PushResponse>(answer).results.size(), 1);
            },
            [&] {
                order << u"sent"_s;
                sentThread = QThread::currentThread();
            });
        QTRY_VERIFY_WITH_TIMEOUT(order.contains(u"done"_s), 20000);
        QCOMPARE(order, QStringList({u"sent"_s, u"done"_s}));
        QCOMPARE(pushThread, owner);
        QCOMPARE(sentThread, owner);

        Answers pulled;
        api->pull({}, 10, pulled.pullDone());
        QTRY_COMPARE_WITH_TIMEOUT(pulled.count, 1, 20000);
        QCOMPARE(pulled.thread, owner);
        QVERIFY(pulled.page);
        QCOMPARE(pulled.page->changes.size(), 10);

        int logouts = 0;
        QThread *logoutThread = nullptr;
        std::optional<CallError> logoutError;
        api->logout([&](std::optional<CallError> error) {
            ++logouts;
            logoutThread = QThread::currentThread();
            logoutError = error;
        });
        QTRY_COMPARE_WITH_TIMEOUT(logouts, 1, 20000);
        QCOMPARE(logoutThread, owner);
        QVERIFY(!logoutError);

        QTest::qWait(200); // nothing comes twice
        QCOMPARE(logins, 1);
        QCOMPARE(order.size(), 2);
        QCOMPARE(pulled.count, 1);
        QCOMPARE(logouts, 1);
        QCOMPARE(clocks.size(), 4); // one Date per answer, on this thread
        for (QThread *thread : std::as_const(clockThreads))
            QCOMPARE(thread, owner);
        QVERIFY(std::abs(clocks.constLast() - QDateTime::currentMSecsSinceEpoch()) < 60000);
    }

    void errorsAreMapped()
    {
        auto api = client(true, 500);
        // The server's refusal, decoded: a wrong token.
        api->setToken("not a token");
        Answers refused;
        api->pull({}, 10, refused.pullDone());
        QTRY_COMPARE_WITH_TIMEOUT(refused.count, 1, 20000);
        QVERIFY(refused.error);
        QCOMPARE(refused.error->kind, CallError::Kind::Http);
        QCOMPARE(refused.error->status, 401);
        QVERIFY(refused.error->api);
        QVERIFY(refused.error->isUnauthenticated());

        // Settings apply to the next call: the right token now; then a timeout, with its own message.
        api->setToken(m_stack->a.marketer.token.toLatin1());
        Answers ok;
        api->pull({}, 10, ok.pullDone());
        QTRY_COMPARE_WITH_TIMEOUT(ok.count, 1, 20000);
        QVERIFY2(!ok.error, qPrintable(ok.error ? ok.error->message : QString()));

        m_proxy->queueFaults({Fault::Hang});
        api->setTimeout(700);
        Answers hung;
        api->pull({}, 10, hung.pullDone());
        QTRY_COMPARE_WITH_TIMEOUT(hung.count, 1, 20000);
        QVERIFY(hung.error);
        QCOMPARE(hung.error->kind, CallError::Kind::Timeout);
        QVERIFY2(hung.error->message.contains(u"0.7 s"_s), qPrintable(hung.error->message));

        m_proxy->queueFaults({Fault::Status503});
        Answers busy;
        api->pull({}, 10, busy.pullDone());
        QTRY_COMPARE_WITH_TIMEOUT(busy.count, 1, 20000);
        QVERIFY(busy.error);
        QCOMPARE(busy.error->kind, CallError::Kind::Http);
        QCOMPARE(busy.error->status, 503);
        QCOMPARE(busy.error->retryAfterMs, 1000);

        // No server: an answer all the same, later, never inside the call.
        api->setServer(QUrl());
        Answers nowhere;
        api->pull({}, 10, nowhere.pullDone());
        QCOMPARE(nowhere.count, 0);
        QTRY_COMPARE(nowhere.count, 1);
        QCOMPARE(nowhere.error->kind, CallError::Kind::Protocol);
    }

    // Callers drop a run and go on right away (SyncEngine::fail, onPage): every call answers "cancelled" inside
    // abortAll(), once, and nothing of it comes later; calls made by those callbacks are not cancelled.
    void abortAllAnswersEveryCallOnce()
    {
        auto api = client(true);
        QSignalSpy clocks(api.get(), &ApiClient::serverClock);
        m_proxy->queueFaults({Fault::Hang});
        Answers hanging; // in flight, the server never answers
        api->pull({}, 10, hanging.pullDone());
        QTest::qWait(300);
        Answers answered; // answered and decoded already, the answer waiting for this thread
        api->pull({}, kPageRecords, answered.pullDone());
        QThread::sleep(2);
        Answers fresh; // not even sent
        api->pull({}, 10, fresh.pullDone());
        int sentCount = 0;
        std::optional<CallError> pushError;
        int pushes = 0;
        api->push(
            "{\"mutations\":[]}", {},
            [&](std::variant<protocol::PushResponse, CallError> answer) {
                ++pushes;
                if (auto *e = std::get_if<CallError>(&answer))
                    pushError = *e;
            },
            [&] { ++sentCount; });
        Answers next; // made by a cancelled callback
        bool madeNext = false;
        Answers first;
        api->pull({}, 10, [&, done = first.pullDone()](std::variant<protocol::PullPage, CallError> answer) {
            done(std::move(answer));
            if (!std::exchange(madeNext, true))
                api->pull({}, 10, next.pullDone());
        });

        api->abortAll();
        for (const Answers *a : {&hanging, &answered, &fresh, &first}) {
            QCOMPARE(a->count, 1);
            QVERIFY(a->error);
            QCOMPARE(a->error->kind, CallError::Kind::Network);
            QCOMPARE(a->error->message, u"The request was cancelled."_s);
        }
        QCOMPARE(pushes, 1);
        QCOMPARE(pushError->message, u"The request was cancelled."_s);
        QCOMPARE(next.count, 0);

        QTRY_COMPARE_WITH_TIMEOUT(next.count, 1, 20000);
        QVERIFY2(!next.error, qPrintable(next.error ? next.error->message : QString()));
        QTest::qWait(300);
        for (const Answers *a : {&hanging, &answered, &fresh, &first})
            QCOMPARE(a->count, 1);
        QCOMPARE(pushes, 1);
        QCOMPARE(sentCount, 0);
        QCOMPARE(clocks.size(), 1); // the answer of `next` only
        api->abortAll(); // nothing in flight: nothing happens
        QCOMPARE(next.count, 1);
    }

    // The engine is dropped whenever the store locks, often with a call in flight: its client must call nothing
    // afterwards (the callbacks point into the engine), and must go quickly.
    void destroyedWithCallsInFlightDeliversNothing()
    {
        auto api = client(true);
        int calls = 0;
        int clocks = 0;
        connect(api.get(), &ApiClient::serverClock, this, [&clocks] { ++clocks; });
        const auto count = [&calls](auto &&) { ++calls; };
        m_proxy->queueFaults({Fault::Hang});
        api->pull({}, 10, count);
        QTest::qWait(300);
        api->pull({}, kPageRecords, count); // answered while this thread sleeps
        QThread::sleep(2);
        api->pull({}, 10, count);
        api->push("{\"mutations\":[]}", {}, count, [&calls] { ++calls; });
        protocol::LoginRequest login;
        login.email = u"nobody@example.com"_s;
        login.password = u"wrong"_s;
        login.deviceName = u"x"_s;
        api->login(login, count);
        api->logout(count);

        QElapsedTimer timer;
        timer.start();
        api.reset();
        QVERIFY2(timer.elapsed() < 2000, qPrintable(u"destroying took %1 ms"_s.arg(timer.elapsed())));
        QTest::qWait(500);
        QCOMPARE(calls, 0);
        QCOMPARE(clocks, 0);

        // Destroyed right after making calls, and inside its own callbacks.
        for (int i = 0; i < 20; ++i) {
            auto quick = client();
            quick->pull({}, 10, count);
            quick->pull({}, 100, count);
        }
        ApiClient *raw = client().release();
        int deleting = 0;
        const auto deleteClient = [&](auto &&) {
            ++deleting;
            delete raw;
        };
        raw->pull({}, 10, deleteClient);
        raw->pull({}, 10, deleteClient);
        raw->abortAll(); // the first callback deletes the client: the second is not called
        QCOMPARE(deleting, 1);
        raw = client().release();
        raw->pull({}, 10, deleteClient);
        raw->pull({}, 10, deleteClient);
        QTRY_COMPARE_WITH_TIMEOUT(deleting, 2, 20000);
        QTest::qWait(500);
        QCOMPARE(deleting, 2);
        QCOMPARE(calls, 0);
    }
};

QTEST_GUILESS_MAIN(TestApiClient)
#include "tst_apiclient.moc"
