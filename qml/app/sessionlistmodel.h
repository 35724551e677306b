#pragma once

#include "session.h"

#include "base/result.h"

#include <QAbstractListModel>
#include <QHash>
#include <QPointer>
#include <QScopedValueRollback>
#include <QSet>
#include <QtQml/qqmlregistration.h>

#include <algorithm>
#include <vector>

namespace fieldnotes {
class Store;
}

namespace fieldnotes::app {

/**
 * The base of the app's list models: follows the Session (empty while locked, reloaded when the store opens or
 * the records it shows change) and loads rows a page at a time through canFetchMore()/fetchMore().
 *
 * Subclasses name it fully qualified (`public fieldnotes::app::SessionListModel`): Qt 6.4's qmltyperegistrar looks a
 * base class up by the name as written, without the enclosing namespace, and would otherwise drop it from the type
 * information, so qmllint would not know `session` or `count` on the subclasses.
 */
class SessionListModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ANONYMOUS
    Q_DISABLE_COPY_MOVE(SessionListModel)
    Q_PROPERTY(fieldnotes::app::Session *session READ session WRITE setSession NOTIFY sessionChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)

public:
    static constexpr int kPageSize = 50;

    explicit SessionListModel(QObject *parent = nullptr);
    ~SessionListModel() override;

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);
    [[nodiscard]] int count() const { return rowCount(); }
    [[nodiscard]] QString errorMessage() const { return m_error; }

    int rowCount(const QModelIndex &parent = QModelIndex()) const final;
    bool canFetchMore(const QModelIndex &parent) const final;
    void fetchMore(const QModelIndex &parent) final;

    /// Loads the first page again (as many rows as were loaded, at least a page).
    Q_INVOKABLE void reload();

signals:
    void sessionChanged();
    void countChanged();
    void errorMessageChanged();

protected:
    [[nodiscard]] Store *store() const;
    /// Rows loaded so far.
    [[nodiscard]] virtual qsizetype loadedRows() const = 0;
    /// Reads up to `limit` rows from `offset` into a staging area; returns how many the store gave.
    [[nodiscard]] virtual Result<qsizetype> readPage(qsizetype offset, int limit) = 0;
    /// Rows in the staging area (fewer than read when the model filters what the store gave).
    [[nodiscard]] virtual qsizetype stagedRows() const = 0;
    /// Moves the staged rows to the end of the model (called between beginInsertRows/endInsertRows).
    virtual void appendStaged() = 0;
    virtual void clearRows() = 0;
    /// Whether a write to records of this entity (API name) changes what the model shows.
    [[nodiscard]] virtual bool showsEntity(const QString &entity) const = 0;
    /// false: readPage() returns everything at once (a search), no more pages.
    [[nodiscard]] virtual bool paged() const { return true; }
    /// Call from a filter's setter: reloads from the first page.
    void filterChanged();
    /**
     * Puts the staged rows in place of the loaded ones (reload, a new filter). The default resets the model, so a
     * view destroys and creates every delegate; a model whose rows have an identity overrides it with updateRows().
     */
    virtual void replaceWithStaged();

    /**
     * Makes `rows` equal to `next` without a reset: rows whose key is gone are removed, rows that stay keep their
     * identity (moved only where their order changed, the fewest moves) and get dataChanged() for the roles
     * `changedRoles(old, new)` returns, new rows are inserted. A view keeps the delegates of the rows that stay.
     * Keys must be unique in each list; if one is not, the model is reset instead.
     */
    template<typename Row, typename KeyOf, typename ChangedRoles>
    void updateRows(QList<Row> &rows, QList<Row> next, KeyOf keyOf, ChangedRoles changedRoles);

private:
    void load(qsizetype wanted);
    void setError(const QString &message);
    /// Indexes of `sequence` that form one of its longest strictly increasing subsequences.
    static QSet<qsizetype> longestIncreasingRun(const QList<qsizetype> &sequence);

    QPointer<Session> m_session;
    QString m_error;
    bool m_exhausted = true;
    /// Between the signals of a change: views and QAbstractItemModelTester may call fetchMore() from any of them.
    bool m_changing = false;
};

template<typename Row, typename KeyOf, typename ChangedRoles>
void SessionListModel::updateRows(QList<Row> &rows, QList<Row> next, KeyOf keyOf, ChangedRoles changedRoles)
{
    const QScopedValueRollback changing(m_changing, true);
    QHash<QString, qsizetype> target; // key -> row in `next`
    target.reserve(next.size());
    for (qsizetype i = 0; i < next.size(); ++i)
        target.insert(keyOf(next.at(i)), i);
    QSet<QString> keys;
    keys.reserve(rows.size());
    for (const Row &row : std::as_const(rows))
        keys.insert(keyOf(row));
    if (target.size() != next.size() || keys.size() != rows.size()) {
        beginResetModel();
        rows = std::move(next);
        endResetModel();
        return;
    }

    // 1. Rows that are gone, a run at a time from the end, so the rows before a run keep their numbers.
    for (qsizetype end = rows.size(); end > 0;) {
        if (target.contains(keyOf(rows.at(end - 1)))) {
            --end;
            continue;
        }
        qsizetype first = end - 1;
        while (first > 0 && !target.contains(keyOf(rows.at(first - 1))))
            --first;
        beginRemoveRows(QModelIndex(), int(first), int(end - 1));
        rows.remove(first, end - first);
        endRemoveRows();
        end = first;
    }

    // 2. The rows that stay, in their new order: the longest run already in order stays put, every other row moves
    // once, to just after the nearest row before it in the new order that is already in place.
    QList<qsizetype> order; // new position of each remaining row
    order.reserve(rows.size());
    for (const Row &row : std::as_const(rows))
        order << target.value(keyOf(row));
    QSet<qsizetype> placed; // new positions of the rows in order with each other
    for (qsizetype i : longestIncreasingRun(order))
        placed.insert(order.at(i));
    std::vector<qsizetype> toMove;
    for (qsizetype position : std::as_const(order)) {
        if (!placed.contains(position))
            toMove.push_back(position);
    }
    std::sort(toMove.begin(), toMove.end());
    for (qsizetype position : toMove) {
        qsizetype from = -1;
        qsizetype to = 0; // before this row, in the numbers before the move
        for (qsizetype i = 0; i < order.size(); ++i) {
            if (order.at(i) == position)
                from = i;
            else if (order.at(i) < position && placed.contains(order.at(i)))
                to = i + 1;
        }
        placed.insert(position);
        if (to == from || to == from + 1)
            continue;
        [[maybe_unused]] const bool valid = beginMoveRows(QModelIndex(), int(from), int(from), QModelIndex(), int(to));
        Q_ASSERT(valid); // `to` is neither `from` nor `from + 1`
        const qsizetype landing = to > from ? to - 1 : to;
        rows.move(from, landing);
        order.move(from, landing);
        endMoveRows();
    }

    // 3. New rows, a run at a time; the rows that stay are now where `next` has them.
    for (qsizetype i = 0; i < next.size();) {
        if (i < rows.size() && keyOf(rows.at(i)) == keyOf(next.at(i))) {
            ++i;
            continue;
        }
        qsizetype end = i;
        while (end < next.size() && !keys.contains(keyOf(next.at(end))))
            ++end;
        Q_ASSERT(end > i);
        beginInsertRows(QModelIndex(), int(i), int(end - 1));
        for (qsizetype k = i; k < end; ++k)
            rows.insert(k, next.at(k));
        endInsertRows();
        i = end;
    }

    // 4. What changed in the rows that stayed, a run of neighbours at a time.
    Q_ASSERT(rows.size() == next.size());
    qsizetype runStart = -1;
    QList<int> runRoles;
    const auto flush = [&](qsizetype end) {
        if (runStart >= 0)
            emit dataChanged(index(int(runStart)), index(int(end - 1)), runRoles);
        runStart = -1;
        runRoles.clear();
    };
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const QList<int> roles = keys.contains(keyOf(next.at(i))) ? changedRoles(rows.at(i), next.at(i)) : QList<int>();
        if (roles.isEmpty()) {
            flush(i);
            continue;
        }
        rows[i] = std::move(next[i]);
        if (runStart < 0)
            runStart = i;
        for (int role : roles) {
            if (!runRoles.contains(role))
                runRoles << role;
        }
    }
    flush(rows.size());
}

} // namespace fieldnotes::app
