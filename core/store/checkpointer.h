#pragma once

#include "base/result.h"
#include "store/sqlite.h"

#include <QString>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace fieldnotes {

class SecureBuffer;

/**
 * Copies the write-ahead log into the database file on a thread of its own, so that the thread that writes (the
 * GUI thread, in the app) never waits for it. SQLite otherwise checkpoints on the committing connection whenever
 * the log passes 1000 pages: reading and writing 4 MB and syncing the file inside a commit, about a tenth of
 * applying a pulled page (measured), and a stall of the GUI thread now and then while the user types.
 *
 * It opens a second connection to the same file with the same key and replaces the writer's automatic checkpoint
 * with a WAL hook that wakes it. Its checkpoints are PASSIVE: they never block the writer, and copy what no reader
 * still needs. SQLite starts the log over only when a write begins with every frame copied, which a writer that
 * never pauses (a pull applying page after page) does not allow; when the log passes kFallbackPages the writer
 * checkpoints itself, which is cheap by then (the thread has copied most of it), so the log stays bounded (16 MB).
 * Measured on 30,000 pulled insights in pages of 1000 (a scratch program calling Store::applyPull): 4.2–4.4 s
 * before, 2.7–3.4 s with a fallback at 4000 pages (2000: 3.2–3.9 s; 8000: 2.8–3.4 s with a log of 40 MB).
 */
class Checkpointer final
{
public:
    static constexpr int kPages = 1000; ///< SQLite's own automatic checkpoint threshold
    static constexpr int kFallbackPages = 4 * kPages;

    /// Starts checkpointing `writer`'s database at `path` (opened with `key`); an error leaves `writer` as it was,
    /// with SQLite's automatic checkpoints.
    [[nodiscard]] static Result<std::unique_ptr<Checkpointer>> start(const QString &path, const SecureBuffer &key,
                                                                     Database &writer);
    /// Gives the writer its automatic checkpoints back, stops the thread and closes its connection.
    ~Checkpointer();
    Checkpointer(const Checkpointer &) = delete;
    Checkpointer &operator=(const Checkpointer &) = delete;

    /// Checkpoints run by the thread so far (for tests).
    [[nodiscard]] int checkpointsRun() const;
    /// Blocks until the thread has no checkpoint asked for or running (benchmarks: the work a burst of writes left).
    void waitUntilIdle();

private:
    Checkpointer(Database connection, Database &writer);
    static int walHook(void *self, struct sqlite3 *db, const char *schema, int pages);
    void run();

    Database m_connection; ///< used by the thread only
    Database &m_writer;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    bool m_requested = false;
    bool m_running = false;
    bool m_stopping = false;
    int m_checkpoints = 0;
    std::thread m_thread;
};

} // namespace fieldnotes
