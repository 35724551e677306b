#pragma once

#include "sessionlistmodel.h"
#include "store/store.h"

#include <QVariantList>

namespace fieldnotes::app {

/**
 * Leads (marketing's directions to sales) across accounts or of one account, by priority or latest change first,
 * optionally of one status, each with its account's name and translated labels.
 */
class LeadListModel : public fieldnotes::app::SessionListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(LeadListModel)
    Q_PROPERTY(QString accountId READ accountId WRITE setAccountId NOTIFY accountIdChanged)
    /// "open" includes leads without a status; empty: every status.
    Q_PROPERTY(QString status READ status WRITE setStatus NOTIFY statusChanged)
    Q_PROPERTY(Order order READ order WRITE setOrder NOTIFY orderChanged)
    /// {value, label} lists for the pickers and filters, in the order the UI offers them.
    Q_PROPERTY(QVariantList statusChoices READ statusChoices CONSTANT)
    Q_PROPERTY(QVariantList horizonChoices READ horizonChoices CONSTANT)
    Q_PROPERTY(QVariantList priorityChoices READ priorityChoices CONSTANT)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        AccountIdRole,
        AccountNameRole,
        RecommendationRole,
        PriorityRole, ///< 1–3, 0 when not set
        PriorityLabelRole,
        HorizonRole,
        HorizonLabelRole,
        StatusRole, ///< "open" when the record has none
        StatusLabelRole,
        OutcomeRole,
    };
    Q_ENUM(Roles)
    enum class Order { Priority, Newest };
    Q_ENUM(Order)

    explicit LeadListModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] QString accountId() const { return m_filter.accountId; }
    void setAccountId(const QString &id);
    [[nodiscard]] QString status() const { return m_filter.status; }
    void setStatus(const QString &status);
    [[nodiscard]] Order order() const;
    void setOrder(Order order);

    [[nodiscard]] static QVariantList statusChoices();
    [[nodiscard]] static QVariantList horizonChoices();
    [[nodiscard]] static QVariantList priorityChoices();

    /// The row of a lead, or -1.
    Q_INVOKABLE int indexOf(const QString &leadId) const;
    /// Every role of a row as a map (empty for a row that does not exist): for the detail pane.
    Q_INVOKABLE QVariantMap get(int row) const;

signals:
    void accountIdChanged();
    void statusChanged();
    void orderChanged();

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int limit) override;
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override;
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &entity) const override;

private:
    Store::LeadFilter m_filter;
    QList<Store::LeadSummary> m_rows;
    QList<Store::LeadSummary> m_staged;
};

} // namespace fieldnotes::app
