#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace fieldnotes::bench {

struct ServerBenchOptions
{
    int devices = 200;
    int seconds = 20;
    QStringList backends {QStringLiteral("sqlite"), QStringLiteral("postgresql")};
    int marketers = 10; ///< users with the marketer role; devices are dealt to users round-robin
    int sales = 5; ///< users with the sales role
    // The workload of a real device: its user makes a change every few seconds (think time, uniform in [min, max],
    // each change 1..maxBatch mutations into the outbox); the app syncs (push the outbox, pull from its cursor to the
    // end) debounceMs after the last change, and every periodicSyncSeconds.
    int thinkMinMs = 2000;
    int thinkMaxMs = 8000;
    int maxBatch = 3;
    int debounceMs = 2000;
    int periodicSyncSeconds = 180;
    quint32 seed = 20240611;
    /// > 0: instead of the device workload, push this many records and time fresh devices pulling them all
    /// (limit=1000), as a newly signed-in device of a large team does.
    qint64 freshPull = 0;
    /// Connect as one client address, so the server's per-IP connection limit applies. By default the bench
    /// passes `--trusted-proxy 127.0.0.1` and gives each device its own X-Forwarded-For address, as 200 real
    /// devices would come from many addresses.
    bool direct = false;
    QString serverProgram; ///< the fieldnotes-server executable
    QString postgresScript; ///< tests/support/postgres.sh, used when FIELDNOTES_TEST_PG_URL is not set
};

/**
 * The server budget (ARCHITECTURE.md "Performance budgets": 200 concurrent devices syncing, p99 <= 300 ms, no
 * error): starts a real fieldnotes-server per backend on loopback with a fresh database, logs N devices in, runs the
 * device workload above for the given time, then checks that a fresh device pulls exactly what was pushed.
 * Progress goes to stderr; the result is the JSON object of the report.
 */
[[nodiscard]] QJsonObject runServerBench(const ServerBenchOptions &options, QString *error);

} // namespace fieldnotes::bench
