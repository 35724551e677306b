#pragma once

#include <QList>
#include <QMutex>
#include <QObject>
#include <QRandomGenerator>

#include <memory>

class QThread;

namespace fieldnotes::test {

class ProxyWorker;

/**
 * A fault-injecting HTTP/1.1 proxy on 127.0.0.1 between sync clients and the real server, for end-to-end tests.
 * It runs its own thread, so a test may block (waiting for client processes) while it serves. It reads whole
 * requests and responses (Content-Length framing, as the sync API uses), so faults hit requests, not connections:
 * drop before the request reaches the server, after the server handled it, in the middle of the answer; hang; answer
 * 500, or 503 with Retry-After, itself. Faults are queued for the next requests, or drawn at random (seeded).
 */
class FaultProxy final
{
public:
    enum class Fault {
        Pass,
        DropBeforeRequest, ///< the connection closes before the server sees the request
        DropAfterRequest, ///< the server handled the request; the connection closes before the answer
        DropMidResponse, ///< half of the answer, then the connection closes
        Hang, ///< the server handled the request; the answer never comes (the client must time out)
        Status500, ///< the proxy answers 500 itself
        Status503, ///< the proxy answers 503 with Retry-After: 1 itself
    };

    explicit FaultProxy(quint16 upstreamPort);
    ~FaultProxy();
    FaultProxy(const FaultProxy &) = delete;
    FaultProxy &operator=(const FaultProxy &) = delete;

    /// Listens on 127.0.0.1 (a free port); false when it cannot.
    bool start();
    [[nodiscard]] quint16 port() const { return m_port; }

    /// Where to forward from now on (a restarted server listens on a new port).
    void setUpstreamPort(quint16 port);
    /// These faults hit the next requests, in order; after them, the random faults (if any) or Pass.
    void queueFaults(const QList<Fault> &faults);
    /// Every request draws a fault: with `probability` one of `kinds`, else Pass. Deterministic for a seed.
    void setRandomFaults(double probability, quint32 seed, const QList<Fault> &kinds);
    /// While partitioned every request is dropped before it reaches the server.
    void setPartitioned(bool partitioned);
    /// Back to passing everything through: no queue, no random faults, no partition.
    void heal();

    [[nodiscard]] int requestsSeen() const;
    [[nodiscard]] int faultsInjected() const;

    /// Decides the fault for the next request (the worker thread calls it).
    Fault nextFault(quint16 *upstreamPort);

private:
    mutable QMutex m_mutex;
    quint16 m_upstreamPort;
    quint16 m_port = 0;
    QList<Fault> m_queue;
    double m_probability = 0;
    QList<Fault> m_randomKinds;
    QRandomGenerator m_random;
    bool m_partitioned = false;
    int m_requests = 0;
    int m_faults = 0;
    std::unique_ptr<QThread> m_thread;
    ProxyWorker *m_worker = nullptr;
};

} // namespace fieldnotes::test
