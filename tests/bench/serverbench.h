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
    int thinkMinMs = 50; ///< pause of a device between two syncs, uniform in [min, max]
    int thinkMaxMs = 250;
    int maxBatch = 20; ///< mutations per push, uniform in [1, max]
    quint32 seed = 20240611;
    /// Connect as one client address, so the server's per-IP connection limit applies. By default the bench
    /// passes `--trusted-proxy 127.0.0.1` and gives each device its own X-Forwarded-For address, as 200 real
    /// devices would come from many addresses.
    bool direct = false;
    QString serverProgram; ///< the fieldnotes-server executable
    QString postgresScript; ///< tests/support/postgres.sh, used when FIELDNOTES_TEST_PG_URL is not set
};

/**
 * The server budget (ARCHITECTURE.md "Performance budgets": 200 concurrent devices syncing, p99 <= 300 ms, no
 * error): starts a real fieldnotes-server per backend on loopback with a fresh database, logs N devices in, lets
 * every device push a batch, pull to the end, think, and again, for the given time, then checks that a fresh device
 * pulls exactly what was pushed. Progress goes to stderr; the result is the JSON object of the report.
 */
[[nodiscard]] QJsonObject runServerBench(const ServerBenchOptions &options, QString *error);

} // namespace fieldnotes::bench
