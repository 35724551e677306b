#include "storage/pruner.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QThreadPool>

#include <atomic>

namespace fieldnotes::server {

namespace {

constexpr qint64 kDayMs = 24 * 60 * 60 * 1000;
// Pushes run at priority 0: a queued push goes before the next chunk.
constexpr int kChunkPriority = -1;

} // namespace

struct Pruner::State
{
    State(ServerStorage &s, QThreadPool *p, Options o)
        : storage(s)
        , pool(p)
        , options(std::move(o))
    { }
    ServerStorage &storage;
    QThreadPool *const pool;
    const Options options;
    std::atomic_bool running {false};
    std::atomic_bool stopped {false};
};

struct Pruner::Run
{
    enum class Stage { LoginWindows, AppliedMutations };
    Stage stage = Stage::LoginWindows;
    qint64 nowMs = 0;
    Report report;
    QElapsedTimer elapsed;
};

Pruner::Pruner(ServerStorage &storage, QThreadPool *pool, Options options)
    : m_state(std::make_shared<State>(storage, pool, std::move(options)))
{
    QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { runNow(); });
}

Pruner::~Pruner()
{
    stop();
}

void Pruner::start()
{
    if (m_state->stopped)
        return;
    runNow();
    m_timer.start(m_state->options.interval);
}

bool Pruner::runNow()
{
    if (m_state->stopped || m_state->running.exchange(true))
        return false;
    auto run = std::make_shared<Run>();
    run->nowMs = m_state->options.clock ? m_state->options.clock() : QDateTime::currentMSecsSinceEpoch();
    run->elapsed.start();
    schedule(m_state, run);
    return true;
}

void Pruner::stop()
{
    m_state->stopped = true;
    m_timer.stop();
}

void Pruner::schedule(const std::shared_ptr<State> &state, const std::shared_ptr<Run> &run)
{
    state->pool->start([state, run] { step(state, run); }, kChunkPriority);
}

void Pruner::step(const std::shared_ptr<State> &state, const std::shared_ptr<Run> &run)
{
    if (state->stopped) {
        state->running = false;
        return;
    }
    const int chunkRows = state->options.chunkRows;
    Report &report = run->report;
    if (run->stage == Run::Stage::LoginWindows) {
        auto deleted = state->storage.pruneLoginFailuresChunk(run->nowMs, chunkRows);
        if (deleted && *deleted == chunkRows) {
            report.loginWindowsDeleted += *deleted;
            schedule(state, run);
            return;
        }
        if (deleted)
            report.loginWindowsDeleted += *deleted;
        else
            report.loginError = deleted.error();
        if (state->options.appliedRetentionDays <= 0) {
            finish(state, run);
            return;
        }
        run->stage = Run::Stage::AppliedMutations;
        schedule(state, run);
        return;
    }
    const qint64 cutoffMs = run->nowMs - qint64(state->options.appliedRetentionDays) * kDayMs;
    auto deleted = state->storage.pruneAppliedMutationsChunk(cutoffMs, chunkRows);
    if (!deleted) {
        report.appliedError = deleted.error();
        finish(state, run);
        return;
    }
    report.appliedDeleted += *deleted;
    ++report.appliedChunks;
    if (*deleted == chunkRows) {
        schedule(state, run);
        return;
    }
    finish(state, run);
}

void Pruner::finish(const std::shared_ptr<State> &state, const std::shared_ptr<Run> &run)
{
    run->report.durationMs = run->elapsed.elapsed();
    if (state->options.finished)
        state->options.finished(run->report);
    state->running = false;
}

} // namespace fieldnotes::server
