#pragma once

#include "session.h"

#include "base/result.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

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

private:
    void setError(const QString &message);

    QPointer<Session> m_session;
    QString m_error;
    bool m_exhausted = true;
    bool m_resetting = false; ///< views (and QAbstractItemModelTester) may call fetchMore() from modelReset
};

} // namespace fieldnotes::app
