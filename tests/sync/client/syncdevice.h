#pragma once
// A device for in-process sync tests: an encrypted store in a temporary directory, an in-memory keystore and the real
// SyncEngine, talking to the real fieldnotes-server process (serverprocess.h), usually through a FaultProxy.

#include "base/securebuffer.h"
#include "platform/memorykeystore.h"
#include "store/store.h"
#include "sync/client/syncengine.h"

#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace fieldnotes::test {

using namespace Qt::Literals::StringLiterals;

/// Runs one sync of `engine` to its end (including the engine's own retries): whether it succeeded in time.
inline bool runSync(sync::SyncEngine *engine, int timeoutMs = 60000)
{
    if (!engine)
        return false;
    bool ended = false;
    bool ok = false;
    auto connection = QObject::connect(engine, &sync::SyncEngine::finished, engine, [&](bool success) {
        if (!success && engine->isRetryPending())
            return;
        ended = true;
        ok = success;
    });
    engine->syncNow();
    QElapsedTimer timer;
    timer.start();
    while (!ended && timer.elapsed() < timeoutMs)
        QTest::qWait(5);
    QObject::disconnect(connection);
    return ended && ok;
}

/** One device: store, keystore, engine. */
struct SyncDevice
{
    QTemporaryDir dir;
    SecureBuffer key = SecureBuffer::random(32);
    std::unique_ptr<Store> store;
    MemoryKeyStore keys;
    std::unique_ptr<sync::SyncEngine> engine;

    /// Options for tests: no timers of its own unless asked, quick retries.
    static sync::SyncOptions testOptions()
    {
        sync::SyncOptions options;
        options.automatic = false;
        options.initialBackoffMs = 100;
        options.maxBackoffMs = 1000;
        options.maxAttempts = 8;
        options.api.timeoutMs = 5000;
        return options;
    }

    bool open(sync::SyncOptions options = testOptions(), HlcClock::WallClock clock = {})
    {
        auto created = Store::create(dir.path(), key, std::move(clock));
        if (!created) {
            qWarning("store: %s", qPrintable(created.error().message));
            return false;
        }
        store = std::move(*created);
        engine = std::make_unique<sync::SyncEngine>(*store, keys, u"token"_s, std::move(options));
        engine->start();
        return true;
    }

    /// Signs in and waits; empty on success, else the error message.
    QString signIn(quint16 port, const QString &email, const QString &password)
    {
        bool done = false;
        QString error;
        engine->signIn(u"http://127.0.0.1:%1"_s.arg(port), email, password.toUtf8(), u"test device"_s,
                       [&](Result<void> r) {
                           done = true;
                           if (!r)
                               error = r.error().message;
                       });
        QElapsedTimer timer;
        timer.start();
        while (!done && timer.elapsed() < 30000)
            QTest::qWait(10);
        return done ? error : u"sign-in did not finish"_s;
    }

    /// Runs one sync to its end (including the engine's own retries): whether it succeeded.
    bool sync(int timeoutMs = 60000) { return runSync(engine.get(), timeoutMs); }

    QString put(Entity entity, const QJsonObject &fields, const QString &id = {})
    {
        auto written = store->put(entity, id, fields);
        return written ? *written : QString();
    }
};

} // namespace fieldnotes::test
