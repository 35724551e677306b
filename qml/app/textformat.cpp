#include "textformat.h"

#include <QCoreApplication>
#include <QLocale>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app::TextFormat {

QString highlightedHtml(const QString &snippet, const QList<std::pair<int, int>> &highlights)
{
    QString html;
    int pos = 0;
    for (const auto &[start, length] : highlights) {
        if (start < pos || start + length > snippet.size() || length <= 0)
            continue;
        html += snippet.mid(pos, start - pos).toHtmlEscaped();
        html += u"<b>"_s + snippet.mid(start, length).toHtmlEscaped() + u"</b>"_s;
        pos = start + length;
    }
    html += snippet.mid(pos).toHtmlEscaped();
    return html;
}

namespace {

// A locale's short format without its seconds: some (C, which CI and the demo run in) write "HH:mm:ss", and a
// conversation's time is to the minute.
QString withoutSeconds(QString format)
{
    static const QRegularExpression seconds(u"[:.]ss?(?![A-Za-z])"_s);
    return format.remove(seconds);
}

} // namespace

QString dateText(const QString &isoUtc, const QDateTime &now)
{
    QDateTime time = QDateTime::fromString(isoUtc, Qt::ISODate);
    if (!time.isValid())
        return QString();
    time = time.toLocalTime();
    const QLocale locale;
    const QString clock = locale.toString(time.time(), withoutSeconds(locale.timeFormat(QLocale::ShortFormat)));
    const qint64 days = time.date().daysTo(now.toLocalTime().date());
    if (days == 0)
        return QCoreApplication::translate("TextFormat", "Today %1").arg(clock);
    if (days == 1)
        return QCoreApplication::translate("TextFormat", "Yesterday %1").arg(clock);
    return locale.toString(time, withoutSeconds(locale.dateTimeFormat(QLocale::ShortFormat)));
}

QStringList insightKinds()
{
    return {u"need"_s, u"pain"_s, u"delight"_s, u"value"_s, u"competitor"_s, u"trend"_s, u"request"_s};
}

QStringList channels()
{
    return {u"in_person"_s, u"phone"_s, u"video"_s, u"event"_s, u"other"_s};
}

QString kindLabel(const QString &kind)
{
    static const char *const labels[][2] = {
        {"need", QT_TRANSLATE_NOOP("TextFormat", "Need")},
        {"pain", QT_TRANSLATE_NOOP("TextFormat", "Pain")},
        {"delight", QT_TRANSLATE_NOOP("TextFormat", "Delight")},
        {"value", QT_TRANSLATE_NOOP("TextFormat", "Value")},
        {"competitor", QT_TRANSLATE_NOOP("TextFormat", "Competitor")},
        {"trend", QT_TRANSLATE_NOOP("TextFormat", "Trend")},
        {"request", QT_TRANSLATE_NOOP("TextFormat", "Request")},
    };
    for (const auto &label : labels) {
        if (kind == QLatin1StringView(label[0]))
            return QCoreApplication::translate("TextFormat", label[1]);
    }
    return kind;
}

QString channelLabel(const QString &channel)
{
    static const char *const labels[][2] = {
        {"in_person", QT_TRANSLATE_NOOP("TextFormat", "In person")},
        {"phone", QT_TRANSLATE_NOOP("TextFormat", "Phone")},
        {"video", QT_TRANSLATE_NOOP("TextFormat", "Video")},
        {"event", QT_TRANSLATE_NOOP("TextFormat", "Event")},
        {"other", QT_TRANSLATE_NOOP("TextFormat", "Other")},
    };
    for (const auto &label : labels) {
        if (channel == QLatin1StringView(label[0]))
            return QCoreApplication::translate("TextFormat", label[1]);
    }
    return channel;
}

QStringList leadStatuses()
{
    return {u"open"_s, u"accepted"_s, u"declined"_s, u"done"_s};
}

QStringList horizons()
{
    return {u"now"_s, u"quarter"_s, u"year"_s};
}

QString leadStatusLabel(const QString &status)
{
    static const char *const labels[][2] = {
        {"open", QT_TRANSLATE_NOOP("TextFormat", "Open")},
        {"accepted", QT_TRANSLATE_NOOP("TextFormat", "Accepted")},
        {"declined", QT_TRANSLATE_NOOP("TextFormat", "Declined")},
        {"done", QT_TRANSLATE_NOOP("TextFormat", "Done")},
    };
    for (const auto &label : labels) {
        if (status == QLatin1StringView(label[0]))
            return QCoreApplication::translate("TextFormat", label[1]);
    }
    return status.isEmpty() ? QCoreApplication::translate("TextFormat", "Open") : status;
}

QString horizonLabel(const QString &horizon)
{
    static const char *const labels[][2] = {
        {"now", QT_TRANSLATE_NOOP("TextFormat", "Now")},
        {"quarter", QT_TRANSLATE_NOOP("TextFormat", "This quarter")},
        {"year", QT_TRANSLATE_NOOP("TextFormat", "Next year")},
    };
    for (const auto &label : labels) {
        if (horizon == QLatin1StringView(label[0]))
            return QCoreApplication::translate("TextFormat", label[1]);
    }
    return horizon;
}

QString priorityLabel(int priority)
{
    switch (priority) {
    case 1:
        return QCoreApplication::translate("TextFormat", "High priority");
    case 2:
        return QCoreApplication::translate("TextFormat", "Medium priority");
    case 3:
        return QCoreApplication::translate("TextFormat", "Low priority");
    default:
        return QString();
    }
}

QString isoUtc(const QDateTime &time)
{
    return time.toUTC().toString(u"yyyy-MM-ddTHH:mm:ss'Z'"_s);
}

} // namespace fieldnotes::app::TextFormat
