#pragma once

#include "base/result.h"
#include "storage/serverstorage.h"

#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

QT_BEGIN_NAMESPACE
class QThreadPool;
QT_END_NAMESPACE

namespace fieldnotes::server {

/**
 * The storage's retention while the server runs: remembered mutation ids past their retention (decision 0014) and
 * the counts of ended login-throttle windows (decision 0015), pruned at start() and then every `interval`.
 *
 * The work runs on a thread pool (the server's writer pool), never on the caller's thread: one chunk per task,
 * queued below the priority of pushes (0), so that a push waits for one chunk at most and never for a whole backlog
 * (on SQLite that pool has one thread: pruning and pushes take turns). One run at a time: a tick that comes while a
 * run is still going is skipped.
 */
class Pruner final
{
public:
    /// What one run did.
    struct Report
    {
        int loginWindowsDeleted = 0;
        qint64 appliedDeleted = 0;
        int appliedChunks = 0; ///< 0 when mutation ids are kept forever
        qint64 durationMs = 0;
        std::optional<Error> loginError; ///< pruning login windows failed (the run still prunes mutation ids)
        std::optional<Error> appliedError; ///< pruning mutation ids failed; appliedDeleted counts what went before
    };

    struct Options
    {
        /// Remembered mutation ids stored more than this many days ago are deleted; 0 keeps them forever (ended
        /// login windows are pruned all the same).
        int appliedRetentionDays = 90;
        std::chrono::milliseconds interval = std::chrono::hours(1);
        int chunkRows = ServerStorage::kPruneChunkRows;
        /// The server's clock, ms since the epoch; the system clock when empty.
        std::function<qint64()> clock;
        /// Called when a run ends, on the pool's thread (before the next run can start).
        std::function<void(const Report &)> finished;
    };

    /// `storage` and `pool` must outlive every task this queues: stop(), then wait for the pool, then destroy them.
    Pruner(ServerStorage &storage, QThreadPool *pool, Options options);
    ~Pruner();
    Pruner(const Pruner &) = delete;
    Pruner &operator=(const Pruner &) = delete;

    /// A run now, then one every interval (a timer of this thread's event loop).
    void start();
    /// Starts a run unless one is still going or stop() was called; whether it started one.
    bool runNow();
    /// No further tick or chunk (shutdown); a chunk already running finishes.
    void stop();

private:
    struct State;
    struct Run;
    static void schedule(const std::shared_ptr<State> &state, const std::shared_ptr<Run> &run);
    static void step(const std::shared_ptr<State> &state, const std::shared_ptr<Run> &run);
    static void finish(const std::shared_ptr<State> &state, const std::shared_ptr<Run> &run);

    std::shared_ptr<State> m_state; // shared with the queued tasks, which may outlive this object
    QTimer m_timer;
};

} // namespace fieldnotes::server
