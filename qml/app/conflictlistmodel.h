#pragma once

#include "sessionlistmodel.h"

#include "store/store.h"

namespace fieldnotes::app {

/** The conflict log for review: values that lost a merge or that the server refused, newest first. */
class ConflictListModel : public fieldnotes::app::SessionListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(ConflictListModel)

public:
    enum Roles {
        ConflictIdRole = Qt::UserRole + 1,
        EntityRole,
        RecordIdRole,
        FieldRole,
        ValueTextRole, ///< the value as text a person reads
        OriginRole, ///< "server", "superseded" or "rejected"
        ReasonRole,
        DeviceRole,
        WhenRole, ///< when the value was written (from its stamp), ISO 8601
        RecordDeletedRole,
    };
    Q_ENUM(Roles)

    explicit ConflictListModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// Writes the value again (a deleted record's values as a new record); the next sync shares it.
    Q_INVOKABLE bool restore(qint64 conflictId);
    /// Keeps the current value and removes the entry (on every device, for a server conflict).
    Q_INVOKABLE bool dismiss(qint64 conflictId);

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int limit) override;
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override;
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &) const override { return true; }
    bool paged() const override { return false; }

private:
    QList<ConflictEntry> m_rows;
    QList<ConflictEntry> m_staged;
};

} // namespace fieldnotes::app
