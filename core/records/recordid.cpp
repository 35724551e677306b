#include "records/recordid.h"

#include <QDateTime>
#include <QRandomGenerator>

#include <array>

namespace fieldnotes {

QString newRecordId()
{
    return newRecordId(QDateTime::currentMSecsSinceEpoch());
}

QString newRecordId(qint64 unixMs)
{
    std::array<quint8, 16> bytes{};
    const quint64 millis = quint64(unixMs) & 0xFFFF'FFFF'FFFFull;
    for (int i = 0; i < 6; ++i)
        bytes[i] = quint8(millis >> (8 * (5 - i)));
    QRandomGenerator::system()->generate(bytes.begin() + 6, bytes.end());
    bytes[6] = quint8(0x70 | (bytes[6] & 0x0F)); // version 7
    bytes[8] = quint8(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant

    static constexpr char kHex[] = "0123456789abcdef";
    QString text;
    text.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text += u'-';
        text += QLatin1Char(kHex[bytes[i] >> 4]);
        text += QLatin1Char(kHex[bytes[i] & 0x0F]);
    }
    return text;
}

} // namespace fieldnotes
