#include "store/checkpointer.h"

#include <sqlite3.h>

namespace fieldnotes {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const QString &path, const SecureBuffer &key,
                                                          Database &writer)
{
    auto connection = Database::open(path, key, Database::OpenMode::Existing);
    if (!connection)
        return connection.error();
    std::unique_ptr<Checkpointer> checkpointer(new Checkpointer(std::move(*connection), writer));
    sqlite3_wal_hook(writer.handle(), &Checkpointer::walHook, checkpointer.get());
    return checkpointer;
}

Checkpointer::Checkpointer(Database connection, Database &writer)
    : m_connection(std::move(connection))
    , m_writer(writer)
    , m_thread([this] { run(); })
{ }

Checkpointer::~Checkpointer()
{
    if (m_writer.isOpen())
        sqlite3_wal_autocheckpoint(m_writer.handle(), kPages); // replaces the hook
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
    m_connection.close();
}

int Checkpointer::checkpointsRun() const
{
    std::lock_guard lock(m_mutex);
    return m_checkpoints;
}

// Runs on the writer's thread after each commit, with the log's size in pages.
int Checkpointer::walHook(void *self, sqlite3 *db, const char *schema, int pages)
{
    auto *checkpointer = static_cast<Checkpointer *>(self);
    if (pages >= kFallbackPages) {
        // The thread copied most of the log already, so this is cheap; and the log can start over at the next
        // commit, which a writer that never pauses would otherwise not let happen (SQLite starts the log over only
        // when a write begins with every frame copied). Result ignored, as SQLite's own automatic checkpoint does:
        // the commit has succeeded either way.
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    if (pages >= kPages) {
        {
            std::lock_guard lock(checkpointer->m_mutex);
            checkpointer->m_requested = true;
        }
        checkpointer->m_wake.notify_one();
    }
    return SQLITE_OK;
}

void Checkpointer::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_requested || m_stopping; });
        if (m_stopping)
            return;
        m_requested = false;
        m_running = true;
        lock.unlock();
        sqlite3_wal_checkpoint_v2(m_connection.handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        lock.lock();
        m_running = false;
        ++m_checkpoints;
        if (!m_requested)
            m_idle.notify_all();
    }
}

void Checkpointer::waitUntilIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return (!m_requested && !m_running) || m_stopping; });
}

} // namespace fieldnotes
