#pragma once

#include "sessionlistmodel.h"
#include "records/record.h"

namespace fieldnotes::app {

/**
 * Records of one entity, optionally of one account and with one status: tags, an account's contacts and leads,
 * the interview guides. For the short lists only; long lists have their own models with their own queries.
 */
class RecordListModel : public fieldnotes::app::SessionListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(RecordListModel)
    Q_PROPERTY(QString entity READ entity WRITE setEntity NOTIFY entityChanged)
    Q_PROPERTY(QString accountId READ accountId WRITE setAccountId NOTIFY accountIdChanged)
    Q_PROPERTY(QString status READ status WRITE setStatus NOTIFY statusChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        NameRole, ///< name, title or recommendation: what a list shows first
        DetailRole, ///< a second line: a contact's title, a lead's horizon, a tag's colour
        ColorRole,
        FieldsRole, ///< every field, as a map
    };
    Q_ENUM(Roles)

    explicit RecordListModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// API name: "tag", "contact", "lead", "guide", …
    [[nodiscard]] QString entity() const { return m_entity; }
    void setEntity(const QString &entity);
    [[nodiscard]] QString accountId() const { return m_accountId; }
    void setAccountId(const QString &id);
    /// Only records whose "status" is this ("open" includes records without one). Empty: all.
    [[nodiscard]] QString status() const { return m_status; }
    void setStatus(const QString &status);

    /// The row of a record, or -1.
    Q_INVOKABLE int indexOf(const QString &recordId) const;

signals:
    void entityChanged();
    void accountIdChanged();
    void statusChanged();

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int limit) override;
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override;
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &entity) const override { return entity == m_entity; }
    bool paged() const override { return false; } // short lists: read at once, then filtered

private:
    QString m_entity;
    QString m_accountId;
    QString m_status;
    QList<Record> m_rows;
    QList<Record> m_staged;
};

} // namespace fieldnotes::app
