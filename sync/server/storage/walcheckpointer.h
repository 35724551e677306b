#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace fieldnotes::server {

class ConnectionPool;

/**
 * Copies SQLite's write-ahead log into the database file on a thread of its own (decision 0026), so that a push's
 * commit never does it: SQLite otherwise checkpoints on the committing connection once the log passes
 * `wal_autocheckpoint` pages, copying megabytes and syncing the database file inside a push while the team's lock is
 * held. The writers' automatic checkpoint stays as a fallback at kFallbackPages (the pool sets it), for a log this
 * thread cannot keep short.
 *
 * request() after a write commits; the thread runs a PASSIVE checkpoint (it never blocks a writer or reader) on its
 * own connection from the pool, at most once per kMinInterval, so a burst of pushes costs a few checkpoints, not one
 * each. Destroy it before the pool.
 */
class WalCheckpointer final
{
public:
    static constexpr int kFallbackPages = 4000;
    static constexpr std::chrono::milliseconds kMinInterval {50};

    explicit WalCheckpointer(ConnectionPool &pool);
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    void request();
    /// Checkpoints run so far (tests).
    [[nodiscard]] int checkpointsRun() const;
    /// Blocks until no checkpoint is asked for or running (tests, benchmarks).
    void waitUntilIdle();

private:
    void run();

    ConnectionPool &m_pool;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    bool m_requested = false;
    bool m_running = false;
    bool m_stopping = false;
    int m_checkpoints = 0;
    std::thread m_thread;
};

} // namespace fieldnotes::server
