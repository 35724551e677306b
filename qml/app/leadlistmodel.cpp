#include "leadlistmodel.h"

#include "textformat.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

LeadListModel::LeadListModel(QObject *parent) : SessionListModel(parent) { }

QHash<int, QByteArray> LeadListModel::roleNames() const
{
    return {
        {IdRole, "leadId"},
        {AccountIdRole, "accountId"},
        {AccountNameRole, "accountName"},
        {RecommendationRole, "recommendation"},
        {PriorityRole, "priority"},
        {PriorityLabelRole, "priorityLabel"},
        {HorizonRole, "horizon"},
        {HorizonLabelRole, "horizonLabel"},
        {StatusRole, "status"},
        {StatusLabelRole, "statusLabel"},
        {OutcomeRole, "outcome"},
    };
}

QVariant LeadListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Store::LeadSummary &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case RecommendationRole:
        return row.recommendation;
    case IdRole:
        return row.id;
    case AccountIdRole:
        return row.accountId;
    case AccountNameRole:
        return row.accountName;
    case PriorityRole:
        return row.priority;
    case PriorityLabelRole:
        return TextFormat::priorityLabel(row.priority);
    case HorizonRole:
        return row.horizon;
    case HorizonLabelRole:
        return TextFormat::horizonLabel(row.horizon);
    case StatusRole:
        return row.status;
    case StatusLabelRole:
        return TextFormat::leadStatusLabel(row.status);
    case OutcomeRole:
        return row.outcome;
    default:
        return {};
    }
}

Result<qsizetype> LeadListModel::readPage(qsizetype offset, int limit)
{
    m_staged.clear();
    Store *s = store();
    if (!s)
        return qsizetype(0);
    Store::LeadFilter filter = m_filter;
    filter.offset = int(offset);
    filter.limit = limit;
    auto rows = s->leadSummaries(filter);
    if (!rows)
        return rows.error();
    m_staged = std::move(*rows);
    return m_staged.size();
}

void LeadListModel::appendStaged()
{
    m_rows.append(std::move(m_staged));
    m_staged.clear();
}

bool LeadListModel::showsEntity(const QString &entity) const
{
    return entity == u"lead"_s || entity == u"account"_s;
}

void LeadListModel::setAccountId(const QString &id)
{
    if (id == m_filter.accountId)
        return;
    m_filter.accountId = id;
    filterChanged();
    emit accountIdChanged();
}

void LeadListModel::setStatus(const QString &status)
{
    if (status == m_filter.status)
        return;
    m_filter.status = status;
    filterChanged();
    emit statusChanged();
}

LeadListModel::Order LeadListModel::order() const
{
    return m_filter.order == Store::LeadFilter::Order::Priority ? Order::Priority : Order::Newest;
}

void LeadListModel::setOrder(Order order)
{
    if (order == this->order())
        return;
    m_filter.order = order == Order::Priority ? Store::LeadFilter::Order::Priority : Store::LeadFilter::Order::Newest;
    filterChanged();
    emit orderChanged();
}

QVariantList LeadListModel::statusChoices()
{
    QVariantList choices;
    for (const QString &status : TextFormat::leadStatuses())
        choices << QVariantMap{{u"value"_s, status}, {u"label"_s, TextFormat::leadStatusLabel(status)}};
    return choices;
}

QVariantList LeadListModel::horizonChoices()
{
    QVariantList choices;
    for (const QString &horizon : TextFormat::horizons())
        choices << QVariantMap{{u"value"_s, horizon}, {u"label"_s, TextFormat::horizonLabel(horizon)}};
    return choices;
}

QVariantList LeadListModel::priorityChoices()
{
    QVariantList choices;
    for (int priority = 1; priority <= 3; ++priority) {
        choices << QVariantMap{{u"value"_s, QString::number(priority)},
                               {u"label"_s, TextFormat::priorityLabel(priority)}};
    }
    return choices;
}

int LeadListModel::indexOf(const QString &leadId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == leadId)
            return int(i);
    }
    return -1;
}

QVariantMap LeadListModel::get(int row) const
{
    QVariantMap map;
    if (row < 0 || row >= m_rows.size())
        return map;
    const QModelIndex i = index(row, 0);
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        map.insert(QString::fromUtf8(it.value()), data(i, it.key()));
    return map;
}

} // namespace fieldnotes::app
