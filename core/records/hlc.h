#pragma once

#include <QString>

#include <compare>
#include <functional>
#include <optional>

namespace fieldnotes {

/**
 * A hybrid logical clock stamp: wall-time ms, a counter for events within one ms, and the device id.
 * Its string form `<13-digit ms>-<4-digit counter>-<device id>` sorts in time order (SYNC-API.md).
 */
struct Hlc
{
    qint64 millis = 0;
    int counter = 0;
    QString deviceId;

    static constexpr int kMaxCounter = 9999;
    static constexpr qint64 kMaxMillis = 9999999999999; // 13 digits

    bool isNull() const { return millis == 0 && counter == 0 && deviceId.isEmpty(); }
    QString toString() const;
    static std::optional<Hlc> parse(QStringView text);

    friend std::strong_ordering operator<=>(const Hlc &a, const Hlc &b);
    friend bool operator==(const Hlc &a, const Hlc &b) = default;
};

/** Issues Hlc stamps for one device: monotonic even when the wall clock goes back, and ahead of every stamp seen. */
class HlcClock final
{
public:
    using WallClock = std::function<qint64()>; ///< ms since the epoch

    explicit HlcClock(QString deviceId, WallClock wallClock = {});

    /// A stamp later than every stamp issued or observed before.
    [[nodiscard]] Hlc now();
    /// Takes in a stamp from elsewhere (another device, the store's last stamp) so later stamps sort after it.
    void observe(const Hlc &seen);
    [[nodiscard]] Hlc last() const { return m_last; }
    /// Sets the last stamp back, for stamps that were issued while the wall clock was wrong and that no one else has
    /// accepted (Store::restampAhead gives them new ones). Every other caller only ever moves the clock forward.
    void rewind(const Hlc &last) { m_last = Hlc{last.millis, last.counter, m_deviceId}; }
    /// The stamp after `stamp` for this device: the next counter, or the next millisecond when the counter is full.
    [[nodiscard]] Hlc successor(const Hlc &stamp) const;
    [[nodiscard]] QString deviceId() const { return m_deviceId; }

    /// Added to the wall clock: the difference to a server's clock, so a device whose clock is wrong still stamps
    /// its edits with the team's time (the server refuses stamps far ahead of its own).
    void setWallClockOffset(qint64 offsetMs) { m_offsetMs = offsetMs; }
    [[nodiscard]] qint64 wallClockOffset() const { return m_offsetMs; }
    /// The device's own clock, without the offset.
    [[nodiscard]] qint64 wallTime() const { return m_wallClock(); }

    /// A valid device id: 1 to 64 characters of [0-9a-zA-Z_] (no '-', so the stamp stays parseable).
    [[nodiscard]] static bool isValidDeviceId(QStringView id);

private:
    QString m_deviceId;
    WallClock m_wallClock;
    qint64 m_offsetMs = 0;
    Hlc m_last;
};

} // namespace fieldnotes
