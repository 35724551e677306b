#include "storage/walcheckpointer.h"

#include "storage/connectionpool.h"

#include <QSqlQuery>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::server {

WalCheckpointer::WalCheckpointer(ConnectionPool &pool)
    : m_pool(pool)
    , m_thread([this] { run(); })
{ }

WalCheckpointer::~WalCheckpointer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join(); // its connection goes with the thread (ConnectionPool's thread-local owner)
}

void WalCheckpointer::request()
{
    {
        std::lock_guard lock(m_mutex);
        m_requested = true;
    }
    m_wake.notify_one();
}

int WalCheckpointer::checkpointsRun() const
{
    std::lock_guard lock(m_mutex);
    return m_checkpoints;
}

void WalCheckpointer::waitUntilIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return (!m_requested && !m_running) || m_stopping; });
}

void WalCheckpointer::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_requested || m_stopping; });
        if (m_stopping)
            break;
        m_requested = false;
        m_running = true;
        lock.unlock();
        // A failure (the file is busy, gone, or the disk full) leaves the work to the writers' own checkpoint.
        if (auto db = m_pool.get()) {
            QSqlQuery q(*db);
            q.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s);
            q.finish();
        }
        lock.lock();
        ++m_checkpoints;
        m_running = false;
        m_idle.notify_all();
        // Requests that come meanwhile wait for the interval and are served by one checkpoint.
        m_wake.wait_for(lock, kMinInterval, [this] { return m_stopping; });
        if (m_stopping)
            break;
    }
    m_running = false;
    m_idle.notify_all();
}

} // namespace fieldnotes::server
