#include "firstframereporter.h"

#include <QQuickItem>
#include <QQuickWindow>

#include <chrono>

namespace fieldnotes::app {

namespace {

QQuickItem *findItem(QQuickItem *item, const QString &name)
{
    if (!item)
        return nullptr;
    if (item->objectName() == name)
        return item;
    const QList<QQuickItem *> children = item->childItems();
    for (QQuickItem *child : children) {
        if (QQuickItem *found = findItem(child, name))
            return found;
    }
    return nullptr;
}

constexpr QByteArrayView kPrefix = "first-frame steady_ns=";
constexpr QByteArrayView kRows = " rows=";

} // namespace

FirstFrameReporter::FirstFrameReporter(QQuickWindow *window, QString listName, Report report, QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_listName(std::move(listName))
    , m_report(std::move(report))
{
    if (!m_window)
        return;
    // afterAnimating is emitted on the GUI thread once the items are polished, just before the scene is synchronised
    // for the frame; frameSwapped comes from the render thread when the render loop is threaded.
    connect(m_window, &QQuickWindow::afterAnimating, this, &FirstFrameReporter::checkList);
    connect(m_window, &QQuickWindow::frameSwapped, this, &FirstFrameReporter::frameSwapped, Qt::DirectConnection);
}

FirstFrameReporter::~FirstFrameReporter()
{
    if (m_window)
        disconnect(m_window, nullptr, this, nullptr);
}

void FirstFrameReporter::checkList()
{
    if (m_armed.load())
        return;
    if (!m_list)
        m_list = findItem(m_window->contentItem(), m_listName);
    if (!m_list || !m_list->isVisible())
        return;
    const int rows = m_list->property("count").toInt();
    if (rows <= 0)
        return;
    m_rows = rows;
    m_armed.store(true); // this frame, synchronised next, is the first that shows the rows
}

void FirstFrameReporter::frameSwapped()
{
    if (!m_armed.load() || m_swapped.exchange(true))
        return;
    m_swappedNs.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
    QMetaObject::invokeMethod(this, &FirstFrameReporter::deliver, Qt::QueuedConnection);
}

void FirstFrameReporter::deliver()
{
    if (m_window)
        disconnect(m_window, nullptr, this, nullptr);
    if (m_report)
        std::exchange(m_report, nullptr)(m_swappedNs.load(), m_rows);
}

QByteArray FirstFrameReporter::formatLine(qint64 swappedNs, int rows)
{
    return kPrefix.toByteArray() + QByteArray::number(swappedNs) + kRows.toByteArray() + QByteArray::number(rows);
}

std::optional<FirstFrameReporter::Line> FirstFrameReporter::parseLine(QByteArrayView line)
{
    line = line.trimmed();
    if (!line.startsWith(kPrefix))
        return std::nullopt;
    line = line.sliced(kPrefix.size());
    const qsizetype rowsAt = line.indexOf(kRows);
    if (rowsAt <= 0)
        return std::nullopt;
    bool okNs = false, okRows = false;
    Line result;
    result.swappedNs = line.first(rowsAt).toLongLong(&okNs);
    result.rows = line.sliced(rowsAt + kRows.size()).toInt(&okRows);
    if (!okNs || !okRows || result.swappedNs <= 0 || result.rows <= 0)
        return std::nullopt;
    return result;
}

} // namespace fieldnotes::app
