#include "insightlistmodel.h"

#include "textformat.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

InsightListModel::InsightListModel(QObject *parent) : SessionListModel(parent) { }

QHash<int, QByteArray> InsightListModel::roleNames() const
{
    return {
        {IdRole, "insightId"},
        {KindRole, "kind"},
        {KindLabelRole, "kindLabel"},
        {TextRole, "insightText"},
        {QuoteRole, "quote"},
        {ImportanceRole, "importance"},
        {AccountIdRole, "accountId"},
        {AccountNameRole, "accountName"},
        {ConversationIdRole, "conversationId"},
        {PublishedRole, "published"},
        {TagIdsRole, "tagIds"},
        {TagNamesRole, "tagNames"},
    };
}

QVariant InsightListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Store::InsightSummary &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return row.text;
    case IdRole:
        return row.id;
    case KindRole:
        return row.kind;
    case KindLabelRole:
        return TextFormat::kindLabel(row.kind);
    case QuoteRole:
        return row.quote;
    case ImportanceRole:
        return row.importance;
    case AccountIdRole:
        return row.accountId;
    case AccountNameRole:
        return row.accountName;
    case ConversationIdRole:
        return row.conversationId;
    case PublishedRole:
        return row.published;
    case TagIdsRole:
        return row.tagIds;
    case TagNamesRole: {
        QStringList names;
        for (const QString &id : row.tagIds) {
            if (const QString name = m_tagNames.value(id); !name.isEmpty())
                names << name;
        }
        return names.join(u", "_s);
    }
    default:
        return {};
    }
}

Result<qsizetype> InsightListModel::readPage(qsizetype offset, int limit)
{
    m_staged.clear();
    Store *s = store();
    if (!s)
        return qsizetype(0);
    if (offset == 0) {
        // Tags are a short team taxonomy: read their names once per reload.
        m_tagNames.clear();
        auto tags = s->list(Entity::Tag);
        if (!tags)
            return tags.error();
        for (const Record &tag : std::as_const(*tags))
            m_tagNames.insert(tag.id, tag.fields.value(u"name"_s).toString());
    }
    Store::InsightFilter filter = m_filter;
    filter.offset = int(offset);
    filter.limit = limit;
    auto rows = s->insightSummaries(filter);
    if (!rows)
        return rows.error();
    m_staged = std::move(*rows);
    return m_staged.size();
}

void InsightListModel::appendStaged()
{
    m_rows.append(std::move(m_staged));
    m_staged.clear();
}

bool InsightListModel::showsEntity(const QString &entity) const
{
    return entity == u"insight"_s || entity == u"tag"_s || entity == u"account"_s;
}

void InsightListModel::setAccountId(const QString &id)
{
    if (id == m_filter.accountId)
        return;
    m_filter.accountId = id;
    filterChanged();
    emit accountIdChanged();
}

void InsightListModel::setConversationId(const QString &id)
{
    if (id == m_filter.conversationId)
        return;
    m_filter.conversationId = id;
    filterChanged();
    emit conversationIdChanged();
}

void InsightListModel::setTagId(const QString &id)
{
    if (id == m_filter.tagId)
        return;
    m_filter.tagId = id;
    filterChanged();
    emit tagIdChanged();
}

void InsightListModel::setKind(const QString &kind)
{
    if (kind == m_filter.kind)
        return;
    m_filter.kind = kind;
    filterChanged();
    emit kindChanged();
}

InsightListModel::Published InsightListModel::published() const
{
    if (!m_filter.published)
        return Published::Any;
    return *m_filter.published ? Published::Yes : Published::No;
}

void InsightListModel::setPublished(Published published)
{
    if (published == this->published())
        return;
    if (published == Published::Any)
        m_filter.published.reset();
    else
        m_filter.published = published == Published::Yes;
    filterChanged();
    emit publishedChanged();
}

} // namespace fieldnotes::app
