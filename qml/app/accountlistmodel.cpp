#include "accountlistmodel.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

AccountListModel::AccountListModel(QObject *parent) : SessionListModel(parent) { }

QHash<int, QByteArray> AccountListModel::roleNames() const
{
    return {
        {IdRole, "accountId"},
        {NameRole, "name"},
        {DomainRole, "domain"},
        {SegmentRole, "segment"},
        {ConversationCountRole, "conversationCount"},
        {InsightCountRole, "insightCount"},
        {OpenLeadCountRole, "openLeadCount"},
    };
}

QVariant AccountListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Store::AccountSummary &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return row.name;
    case IdRole:
        return row.id;
    case DomainRole:
        return row.domain;
    case SegmentRole:
        return row.segment;
    case ConversationCountRole:
        return row.conversationCount;
    case InsightCountRole:
        return row.insightCount;
    case OpenLeadCountRole:
        return row.openLeadCount;
    default:
        return {};
    }
}

Result<qsizetype> AccountListModel::readPage(qsizetype offset, int limit)
{
    m_staged.clear();
    Store *s = store();
    if (!s)
        return qsizetype(0);
    auto rows = s->accountSummaries(m_filterText, limit, int(offset));
    if (!rows)
        return rows.error();
    m_staged = std::move(*rows);
    return m_staged.size();
}

void AccountListModel::appendStaged()
{
    m_rows.append(std::move(m_staged));
    m_staged.clear();
}

bool AccountListModel::showsEntity(const QString &entity) const
{
    return entity == u"account"_s || entity == u"conversation"_s || entity == u"insight"_s || entity == u"lead"_s;
}

void AccountListModel::setFilterText(const QString &text)
{
    if (text == m_filterText)
        return;
    m_filterText = text;
    filterChanged();
    emit filterTextChanged();
}

} // namespace fieldnotes::app
