#include "sync/server/http/metrics.h"

#include <QLocale>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QtGlobal>

#include <cmath>
#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {
namespace {

enum Kind { KindCounter, KindGauge, KindHistogram };

struct Series
{
    double value = 0; // counter, gauge; histogram: the sum
    quint64 count = 0; // histogram
    QList<quint64> buckets; // histogram: per upper bound, not cumulative
};

QByteArray formatNumber(double value)
{
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value))
        return "NaN";
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

QByteArray escapeLabelValue(const QString &value)
{
    QByteArray out;
    for (char c : value.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray escapeHelp(const QString &help)
{
    return help.toUtf8().replace("\\", "\\\\").replace("\n", "\\n");
}

} // namespace

struct Metrics::Family
{
    int kind = KindCounter;
    QString name;
    QString help;
    QStringList labelNames;
    QList<double> upperBounds;
    std::map<QStringList, Series> series;

    Series *find(const QStringList &labelValues)
    {
        if (labelValues.size() != labelNames.size()) {
            qWarning("Metrics: %s takes %d labels, got %d", qUtf8Printable(name), int(labelNames.size()),
                int(labelValues.size()));
            return nullptr;
        }
        Series &s = series[labelValues];
        if (kind == KindHistogram && s.buckets.isEmpty())
            s.buckets.resize(upperBounds.size());
        return &s;
    }

    QByteArray labels(const QStringList &values, const QByteArray &extraName = {}, const QByteArray &extra = {}) const
    {
        QByteArrayList parts;
        for (int i = 0; i < labelNames.size(); ++i)
            parts.append(labelNames.at(i).toUtf8() + "=\"" + escapeLabelValue(values.at(i)) + '"');
        if (!extraName.isEmpty())
            parts.append(extraName + "=\"" + extra + '"');
        return parts.isEmpty() ? QByteArray() : '{' + parts.join(',') + '}';
    }
};

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

QByteArray Metrics::contentType()
{
    return QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");
}

QList<double> Metrics::defaultBuckets()
{
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics::Family *Metrics::family(
    const QString &name, const QString &help, int kind, const QStringList &labelNames, QList<double> upperBounds)
{
    static const QRegularExpression metricName(u"^[a-zA-Z_:][a-zA-Z0-9_:]*$"_s);
    static const QRegularExpression labelName(u"^[a-zA-Z_][a-zA-Z0-9_]*$"_s);
    if (!metricName.match(name).hasMatch())
        qFatal("Metrics: '%s' is not a metric name", qUtf8Printable(name));
    for (const QString &label : labelNames) {
        if (!labelName.match(label).hasMatch() || label.startsWith(u"__"_s) || label == u"le"_s)
            qFatal("Metrics: '%s' is not a label name", qUtf8Printable(label));
    }
    QMutexLocker lock(&m_mutex);
    auto it = m_families.find(name);
    if (it != m_families.end()) {
        if (it->second->kind != kind || it->second->labelNames != labelNames)
            qFatal("Metrics: '%s' is already registered with another kind or labels", qUtf8Printable(name));
        return it->second.get();
    }
    auto f = std::make_unique<Family>();
    f->kind = kind;
    f->name = name;
    f->help = help;
    f->labelNames = labelNames;
    std::sort(upperBounds.begin(), upperBounds.end());
    f->upperBounds = std::move(upperBounds);
    if (labelNames.isEmpty())
        f->find({}); // an unlabelled metric exists (as 0) from the start
    return m_families.emplace(name, std::move(f)).first->second.get();
}

Metrics::Counter Metrics::counter(const QString &name, const QString &help, const QStringList &labelNames)
{
    return Counter(this, family(name, help, KindCounter, labelNames, {}));
}

Metrics::Gauge Metrics::gauge(const QString &name, const QString &help, const QStringList &labelNames)
{
    return Gauge(this, family(name, help, KindGauge, labelNames, {}));
}

Metrics::Histogram Metrics::histogram(
    const QString &name, const QString &help, const QStringList &labelNames, QList<double> upperBounds)
{
    return Histogram(this, family(name, help, KindHistogram, labelNames, std::move(upperBounds)));
}

void Metrics::Counter::increment(const QStringList &labelValues, double by) const
{
    if (by < 0)
        return; // counters never go down
    QMutexLocker lock(&m_metrics->m_mutex);
    if (Series *s = m_family->find(labelValues))
        s->value += by;
}

double Metrics::Counter::value(const QStringList &labelValues) const
{
    QMutexLocker lock(&m_metrics->m_mutex);
    auto it = m_family->series.find(labelValues);
    return it == m_family->series.end() ? 0 : it->second.value;
}

void Metrics::Gauge::set(double value, const QStringList &labelValues) const
{
    QMutexLocker lock(&m_metrics->m_mutex);
    if (Series *s = m_family->find(labelValues))
        s->value = value;
}

void Metrics::Gauge::add(double delta, const QStringList &labelValues) const
{
    QMutexLocker lock(&m_metrics->m_mutex);
    if (Series *s = m_family->find(labelValues))
        s->value += delta;
}

double Metrics::Gauge::value(const QStringList &labelValues) const
{
    QMutexLocker lock(&m_metrics->m_mutex);
    auto it = m_family->series.find(labelValues);
    return it == m_family->series.end() ? 0 : it->second.value;
}

void Metrics::Histogram::observe(double value, const QStringList &labelValues) const
{
    QMutexLocker lock(&m_metrics->m_mutex);
    Series *s = m_family->find(labelValues);
    if (!s)
        return;
    s->value += value;
    ++s->count;
    for (int i = 0; i < m_family->upperBounds.size(); ++i) {
        if (value <= m_family->upperBounds.at(i)) {
            ++s->buckets[i];
            break;
        }
    }
}

quint64 Metrics::Histogram::count(const QStringList &labelValues) const
{
    QMutexLocker lock(&m_metrics->m_mutex);
    auto it = m_family->series.find(labelValues);
    return it == m_family->series.end() ? 0 : it->second.count;
}

QByteArray Metrics::exposition() const
{
    QMutexLocker lock(&m_mutex);
    QByteArray out;
    for (const auto &[name, f] : m_families) {
        const QByteArray n = name.toUtf8();
        static const char *const types[] = {"counter", "gauge", "histogram"};
        out += "# HELP " + n + ' ' + escapeHelp(f->help) + '\n';
        out += "# TYPE " + n + ' ' + types[f->kind] + '\n';
        for (const auto &[labelValues, s] : f->series) {
            if (f->kind != KindHistogram) {
                out += n + f->labels(labelValues) + ' ' + formatNumber(s.value) + '\n';
                continue;
            }
            quint64 cumulative = 0;
            for (int i = 0; i < f->upperBounds.size(); ++i) {
                cumulative += s.buckets.at(i);
                out += n + "_bucket" + f->labels(labelValues, "le", formatNumber(f->upperBounds.at(i))) + ' '
                    + QByteArray::number(cumulative) + '\n';
            }
            out += n + "_bucket" + f->labels(labelValues, "le", "+Inf") + ' ' + QByteArray::number(s.count) + '\n';
            out += n + "_sum" + f->labels(labelValues) + ' ' + formatNumber(s.value) + '\n';
            out += n + "_count" + f->labels(labelValues) + ' ' + QByteArray::number(s.count) + '\n';
        }
    }
    return out;
}

} // namespace fieldnotes::http
