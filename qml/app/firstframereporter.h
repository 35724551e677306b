#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>

class QQuickItem;
class QQuickWindow;

namespace fieldnotes::app {

/**
 * `fieldnotes --report-first-frame` (for `fieldnotes-bench app`): notes when the first frame that shows a populated
 * list was swapped to the screen, so start-to-first-frame can be measured from outside the process. Reads nothing
 * but the list's `count` and the frame's time; prints nothing unless main() is asked to.
 */
class FirstFrameReporter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FirstFrameReporter)

public:
    /// `swappedNs`: std::chrono::steady_clock (CLOCK_MONOTONIC on Linux) in ns when the frame was swapped.
    using Report = std::function<void(qint64 swappedNs, int rows)>;

    /// Calls `report` once, on this object's thread, for the first frame of `window` swapped after the item named
    /// `listName` (anything with an int `count`, e.g. a ListView) was visible with a count above zero.
    FirstFrameReporter(QQuickWindow *window, QString listName, Report report, QObject *parent = nullptr);
    ~FirstFrameReporter() override;

    /// The line main() prints: "first-frame steady_ns=<ns> rows=<n>".
    [[nodiscard]] static QByteArray formatLine(qint64 swappedNs, int rows);
    struct Line
    {
        qint64 swappedNs = 0;
        int rows = 0;
    };
    /// formatLine() read back (the benchmark's side); nullopt for any other line.
    [[nodiscard]] static std::optional<Line> parseLine(QByteArrayView line);

private:
    void checkList(); // GUI thread, after animations and polish: arms the next swap
    void frameSwapped(); // render thread with the threaded render loop
    void deliver();

    QPointer<QQuickWindow> m_window;
    QString m_listName;
    Report m_report;
    QPointer<QQuickItem> m_list;
    int m_rows = 0;
    std::atomic<bool> m_armed = false;
    std::atomic<bool> m_swapped = false;
    std::atomic<qint64> m_swappedNs = 0;
};

} // namespace fieldnotes::app
