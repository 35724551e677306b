#pragma once

#include "sessionlistmodel.h"
#include "store/store.h"

namespace fieldnotes::app {

/** Accounts by name, optionally those whose name contains a text, with their conversation, insight and lead counts. */
class AccountListModel : public fieldnotes::app::SessionListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(AccountListModel)
    Q_PROPERTY(QString filterText READ filterText WRITE setFilterText NOTIFY filterTextChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        NameRole,
        DomainRole,
        SegmentRole,
        ConversationCountRole,
        InsightCountRole,
        OpenLeadCountRole,
    };
    Q_ENUM(Roles)

    explicit AccountListModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] QString filterText() const { return m_filterText; }
    void setFilterText(const QString &text);

signals:
    void filterTextChanged();

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int limit) override;
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override;
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &entity) const override;

private:
    QString m_filterText;
    QList<Store::AccountSummary> m_rows;
    QList<Store::AccountSummary> m_staged;
};

} // namespace fieldnotes::app
