#pragma once
// Runs one sync of a SyncEngine (the app's, through SyncController::engine()) to its end, for the app's sync tests.

#include "sync/client/syncengine.h"

#include <QElapsedTimer>
#include <QTest>

namespace fieldnotes::test {

/// Whether one sync (including the engine's own retries) succeeded within `timeoutMs`.
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

} // namespace fieldnotes::test
