#pragma once

#include <QJsonObject>
#include <QString>

namespace fieldnotes::bench {

/** What `fieldnotes-bench sync` measures (issue 4's budgets). */
struct SyncBenchOptions
{
    int pushRecords = 10000; ///< push_10k: mutations one device pushes
    int pullRecords = 100000; ///< pull_100k: records a fresh device pulls
    int incremental = 100; ///< incremental_100: changes in one incremental sync
    int rounds = 5; ///< incremental syncs timed (the median is reported)
};

/// Runs the real engine against a real fieldnotes-server (SQLite) on loopback; the figures as JSON, or an error.
[[nodiscard]] QJsonObject runSyncBench(const SyncBenchOptions &options, QString *error);

} // namespace fieldnotes::bench
