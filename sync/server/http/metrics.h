#pragma once

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <map>
#include <memory>

namespace fieldnotes::http {

/**
 * Counters, gauges and histograms in the Prometheus text exposition format (version 0.0.4). Thread-safe: any
 * thread may register and update; handles stay valid as long as the Metrics object.
 *
 *     auto pushes = metrics.counter(u"fieldnotes_sync_pushes_total"_s, u"Push requests applied."_s, {u"result"_s});
 *     pushes.increment({u"applied"_s});
 */
class Metrics
{
public:
    struct Family;

    /** A monotonically increasing value per label set. */
    class Counter
    {
    public:
        void increment(const QStringList &labelValues = {}, double by = 1) const;
        [[nodiscard]] double value(const QStringList &labelValues = {}) const;

    private:
        friend class Metrics;
        Counter(Metrics *metrics, Family *family)
            : m_metrics(metrics)
            , m_family(family)
        { }
        Metrics *m_metrics;
        Family *m_family;
    };

    /** A value that goes up and down per label set. */
    class Gauge
    {
    public:
        void set(double value, const QStringList &labelValues = {}) const;
        void add(double delta, const QStringList &labelValues = {}) const;
        [[nodiscard]] double value(const QStringList &labelValues = {}) const;

    private:
        friend class Metrics;
        Gauge(Metrics *metrics, Family *family)
            : m_metrics(metrics)
            , m_family(family)
        { }
        Metrics *m_metrics;
        Family *m_family;
    };

    /** Observations counted into cumulative buckets, with their sum and count, per label set. */
    class Histogram
    {
    public:
        void observe(double value, const QStringList &labelValues = {}) const;
        [[nodiscard]] quint64 count(const QStringList &labelValues = {}) const;

    private:
        friend class Metrics;
        Histogram(Metrics *metrics, Family *family)
            : m_metrics(metrics)
            , m_family(family)
        { }
        Metrics *m_metrics;
        Family *m_family;
    };

    Metrics();
    ~Metrics();
    Q_DISABLE_COPY_MOVE(Metrics)

    /** Registers (or finds, if already registered with the same kind and labels) a counter family. A name that is
     *  not a Prometheus metric name, or a clash with another kind, is a programming error: qFatal. */
    Counter counter(const QString &name, const QString &help, const QStringList &labelNames = {});
    Gauge gauge(const QString &name, const QString &help, const QStringList &labelNames = {});
    Histogram histogram(const QString &name, const QString &help, const QStringList &labelNames = {},
        QList<double> upperBounds = defaultBuckets());

    /** Every family, sorted by name, in the text exposition format. */
    [[nodiscard]] QByteArray exposition() const;

    /** "text/plain; version=0.0.4; charset=utf-8" */
    [[nodiscard]] static QByteArray contentType();
    /** Seconds: 5 ms … 10 s. */
    [[nodiscard]] static QList<double> defaultBuckets();

private:
    Family *family(
        const QString &name, const QString &help, int kind, const QStringList &labelNames, QList<double> upperBounds);

    mutable QMutex m_mutex;
    std::map<QString, std::unique_ptr<Family>> m_families;
};

} // namespace fieldnotes::http
