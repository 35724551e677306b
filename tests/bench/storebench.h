#pragma once

#include <QJsonObject>
#include <QString>

namespace fieldnotes::bench {

struct StoreBenchOptions
{
    int records = 100000;
    int queries = 200;
    int batch = 1000; ///< insights per putMany transaction
    quint32 seed = 20240611;
};

/**
 * The local store's budgets: insert N insights (keyed vs. unkeyed, same library, schema and workload), search
 * p50/p95 over the keyed store, open+unlock with the raw key, and the Argon2id derivation on its own.
 * Progress goes to stderr; the result is the JSON object of the report (keys listed in main.cpp's help).
 */
[[nodiscard]] QJsonObject runStoreBench(const StoreBenchOptions &options, QString *error);

/** What `fieldnotes-bench apply` measures: the store's side of a pull, without network or decoding. */
struct ApplyBenchOptions
{
    int records = 30000; ///< pulled insights applied to a fresh store
    int page = 1000; ///< changes per Store::applyPull call (a pull page)
    quint32 seed = 20240611;
};

/**
 * Applies `records` generated insights, as a fresh device receives them, to a new encrypted store in pages of
 * `page` (Store::applyPull, the engine's call), on this thread. Reports wall time, records/s, the process's CPU
 * seconds (all threads) and the size of the write-ahead log at the end. The ceiling of what a pull can reach here.
 */
[[nodiscard]] QJsonObject runApplyBench(const ApplyBenchOptions &options, QString *error);

} // namespace fieldnotes::bench
