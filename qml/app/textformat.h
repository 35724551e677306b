#pragma once

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>

namespace fieldnotes::app {

/** Turns record values into the text a list shows: highlighted snippets, dates, labels. No QML, no store. */
namespace TextFormat {

/// `snippet` as rich text (escaped) with each (start, length) hit wrapped in <b>.
[[nodiscard]] QString highlightedHtml(const QString &snippet, const QList<std::pair<int, int>> &highlights);

/// An ISO 8601 UTC stamp in local time: "Today 09:30", "Yesterday 14:00", else the short date and time.
[[nodiscard]] QString dateText(const QString &isoUtc, const QDateTime &now = QDateTime::currentDateTime());

/// The translated label of an insight kind ("need" -> "Need") or of a channel ("in_person" -> "In person").
[[nodiscard]] QString kindLabel(const QString &kind);
[[nodiscard]] QString channelLabel(const QString &channel);

/// The insight kinds and channels in the order the UI offers them (API values).
[[nodiscard]] QStringList insightKinds();
[[nodiscard]] QStringList channels();

/// Lead labels: status ("open" -> "Open"), horizon ("quarter" -> "This quarter"), priority (1 -> "High"; 0 -> "").
[[nodiscard]] QString leadStatusLabel(const QString &status);
[[nodiscard]] QString horizonLabel(const QString &horizon);
[[nodiscard]] QString priorityLabel(int priority);
/// The lead statuses and horizons in the order the UI offers them (API values).
[[nodiscard]] QStringList leadStatuses();
[[nodiscard]] QStringList horizons();

/// A UTC ISO 8601 stamp of `time`, seconds precision ("2026-11-28T09:30:00Z").
[[nodiscard]] QString isoUtc(const QDateTime &time);

} // namespace TextFormat
} // namespace fieldnotes::app
