#include "records/hlc.h"

#include <QDateTime>

#include <algorithm>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

QString Hlc::toString() const
{
    if (millis < 0 || millis > kMaxMillis || counter < 0 || counter > kMaxCounter)
        return u"%1-%2-%3"_s.arg(millis, 13, 10, QLatin1Char('0')).arg(counter, 4, 10, QLatin1Char('0')).arg(deviceId);
    // Every pushed and pulled field carries a stamp: written digit by digit, not through three QString::arg().
    QString text(13 + 1 + 4 + 1 + deviceId.size(), Qt::Uninitialized);
    char16_t *out = reinterpret_cast<char16_t *>(text.data());
    qint64 ms = millis;
    for (int i = 12; i >= 0; --i, ms /= 10)
        out[i] = char16_t(u'0' + ms % 10);
    out[13] = u'-';
    int count = counter;
    for (int i = 17; i >= 14; --i, count /= 10)
        out[i] = char16_t(u'0' + count % 10);
    out[18] = u'-';
    std::copy(deviceId.cbegin(), deviceId.cend(), text.begin() + 19);
    return text;
}

std::optional<Hlc> Hlc::parse(QStringView text)
{
    // Fixed widths: 13 digits, '-', 4 digits, '-', device id.
    if (text.size() < 13 + 1 + 4 + 1 + 1 || text.at(13) != u'-' || text.at(18) != u'-')
        return std::nullopt;
    bool millisOk = false;
    bool counterOk = false;
    const QStringView millisText = text.first(13);
    const QStringView counterText = text.sliced(14, 4);
    for (QChar c : millisText) {
        if (!c.isDigit() || c.unicode() > 127)
            return std::nullopt;
    }
    for (QChar c : counterText) {
        if (!c.isDigit() || c.unicode() > 127)
            return std::nullopt;
    }
    Hlc hlc;
    hlc.millis = millisText.toLongLong(&millisOk);
    hlc.counter = counterText.toInt(&counterOk);
    hlc.deviceId = text.sliced(19).toString();
    if (!millisOk || !counterOk || !HlcClock::isValidDeviceId(hlc.deviceId))
        return std::nullopt;
    return hlc;
}

std::strong_ordering operator<=>(const Hlc &a, const Hlc &b)
{
    if (auto c = a.millis <=> b.millis; c != 0)
        return c;
    if (auto c = a.counter <=> b.counter; c != 0)
        return c;
    const int d = a.deviceId.compare(b.deviceId);
    return d < 0 ? std::strong_ordering::less : d > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

HlcClock::HlcClock(QString deviceId, WallClock wallClock)
    : m_deviceId(std::move(deviceId))
    , m_wallClock(wallClock ? std::move(wallClock) : WallClock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
}

Hlc HlcClock::now()
{
    const qint64 wall = std::clamp<qint64>(m_wallClock() + m_offsetMs, 0, Hlc::kMaxMillis);
    m_last = wall > m_last.millis ? Hlc{wall, 0, m_deviceId} : successor(m_last);
    return m_last;
}

Hlc HlcClock::successor(const Hlc &stamp) const
{
    if (stamp.counter < Hlc::kMaxCounter)
        return Hlc{stamp.millis, stamp.counter + 1, m_deviceId};
    // 10k stamps within one ms: borrow the next ms rather than overflow the 4-digit counter.
    return Hlc{stamp.millis + 1, 0, m_deviceId};
}

void HlcClock::observe(const Hlc &seen)
{
    if (seen.millis > m_last.millis || (seen.millis == m_last.millis && seen.counter > m_last.counter)) {
        m_last.millis = seen.millis;
        m_last.counter = seen.counter;
    }
}

bool HlcClock::isValidDeviceId(QStringView id)
{
    if (id.isEmpty() || id.size() > 64)
        return false;
    for (QChar c : id) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || u == u'_';
        if (!ok)
            return false;
    }
    return true;
}

} // namespace fieldnotes
