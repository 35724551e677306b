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

} // namespace fieldnotes::bench
