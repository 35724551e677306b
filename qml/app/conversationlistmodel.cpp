#include "conversationlistmodel.h"

#include "textformat.h"

#include <QDate>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

/// The UTC stamp of local midnight starting `date` ("yyyy-MM-dd"), or empty.
QString startOfLocalDay(const QString &date, int addDays = 0)
{
    const QDate day = QDate::fromString(date, Qt::ISODate);
    if (!day.isValid())
        return QString();
    return TextFormat::isoUtc(day.addDays(addDays).startOfDay());
}

} // namespace

ConversationListModel::ConversationListModel(QObject *parent) : SessionListModel(parent) { }

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {
        {IdRole, "conversationId"},
        {TitleRole, "title"},
        {AccountIdRole, "accountId"},
        {AccountNameRole, "accountName"},
        {OccurredAtRole, "occurredAt"},
        {DateTextRole, "dateText"},
        {ChannelRole, "channel"},
        {ChannelLabelRole, "channelLabel"},
        {StatusRole, "status"},
        {InsightCountRole, "insightCount"},
        {SnippetHtmlRole, "snippetHtml"},
    };
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &entry = m_rows.at(index.row());
    const Store::ConversationSummary &row = entry.summary;
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return row.title;
    case IdRole:
        return row.id;
    case AccountIdRole:
        return row.accountId;
    case AccountNameRole:
        return row.accountName;
    case OccurredAtRole:
        return row.occurredAt;
    case DateTextRole:
        return TextFormat::dateText(row.occurredAt);
    case ChannelRole:
        return row.channel;
    case ChannelLabelRole:
        return TextFormat::channelLabel(row.channel);
    case StatusRole:
        return row.status;
    case InsightCountRole:
        return row.insightCount;
    case SnippetHtmlRole:
        return entry.snippetHtml;
    default:
        return {};
    }
}

Result<qsizetype> ConversationListModel::readPage(qsizetype offset, int limit)
{
    m_staged.clear();
    Store *s = store();
    if (!s)
        return qsizetype(0);
    Store::ConversationFilter filter = m_filter;
    filter.offset = int(offset);
    filter.limit = limit;
    // Text without a searchable word yet (one letter being typed) leaves the list as it is, not empty.
    QHash<QString, QString> snippets; // conversation id -> highlighted snippet
    if (!m_query.isEmpty()) {
        auto hits = s->searchConversations(m_searchText, kSearchLimit);
        if (!hits)
            return hits.error();
        QStringList ids;
        ids.reserve(hits->size());
        snippets.reserve(hits->size());
        for (const Store::ConversationHit &hit : std::as_const(*hits)) {
            ids << hit.conversationId;
            snippets.insert(hit.conversationId, TextFormat::highlightedHtml(hit.hit.snippet, hit.hit.highlights));
        }
        filter.ids = ids;
    }
    auto rows = s->conversationSummaries(filter);
    if (!rows)
        return rows.error();
    m_staged.reserve(rows->size());
    for (Store::ConversationSummary &row : *rows) {
        QString snippet = snippets.value(row.id);
        m_staged.append(Row{std::move(row), std::move(snippet)});
    }
    return m_staged.size();
}

void ConversationListModel::appendStaged()
{
    m_rows.append(std::move(m_staged));
    m_staged.clear();
}

void ConversationListModel::replaceWithStaged()
{
    // A keystroke in the search field changes a few rows of the screen, not all of them: the rows that stay keep
    // their delegates (fieldnotes-bench app, docs/performance.md).
    updateRows(m_rows, std::exchange(m_staged, {}), [](const Row &row) { return row.summary.id; }, &changedRoles);
}

QList<int> ConversationListModel::changedRoles(const Row &before, const Row &after)
{
    const Store::ConversationSummary &a = before.summary;
    const Store::ConversationSummary &b = after.summary;
    QList<int> roles;
    if (a.title != b.title)
        roles << Qt::DisplayRole << TitleRole;
    if (a.accountId != b.accountId)
        roles << AccountIdRole;
    if (a.accountName != b.accountName)
        roles << AccountNameRole;
    if (a.occurredAt != b.occurredAt)
        roles << OccurredAtRole << DateTextRole;
    if (a.channel != b.channel)
        roles << ChannelRole << ChannelLabelRole;
    if (a.status != b.status)
        roles << StatusRole;
    if (a.insightCount != b.insightCount)
        roles << InsightCountRole;
    if (before.snippetHtml != after.snippetHtml)
        roles << SnippetHtmlRole;
    return roles;
}

bool ConversationListModel::showsEntity(const QString &entity) const
{
    return entity == u"conversation"_s || entity == u"insight"_s || entity == u"account"_s;
}

void ConversationListModel::setSearchText(const QString &text)
{
    if (text == m_searchText)
        return;
    m_searchText = text;
    // Text that asks the store the same as the rows shown have (a one-letter word being typed) has their result:
    // nothing to read again.
    if (QString query = Store::ftsQuery(text); query != m_query) {
        m_query = std::move(query);
        filterChanged();
    }
    emit searchTextChanged();
}

void ConversationListModel::setAccountId(const QString &id)
{
    if (id == m_filter.accountId)
        return;
    m_filter.accountId = id;
    filterChanged();
    emit accountIdChanged();
    emit filteredChanged();
}

void ConversationListModel::setTagId(const QString &id)
{
    if (id == m_filter.tagId)
        return;
    m_filter.tagId = id;
    filterChanged();
    emit tagIdChanged();
    emit filteredChanged();
}

void ConversationListModel::setKind(const QString &kind)
{
    if (kind == m_filter.kind)
        return;
    m_filter.kind = kind;
    filterChanged();
    emit kindChanged();
    emit filteredChanged();
}

void ConversationListModel::setFromDate(const QString &date)
{
    if (date == m_fromDate)
        return;
    m_fromDate = date;
    applyDates();
    emit fromDateChanged();
    emit filteredChanged();
}

void ConversationListModel::setToDate(const QString &date)
{
    if (date == m_toDate)
        return;
    m_toDate = date;
    applyDates();
    emit toDateChanged();
    emit filteredChanged();
}

void ConversationListModel::applyDates()
{
    m_filter.from = startOfLocalDay(m_fromDate);
    m_filter.to = startOfLocalDay(m_toDate, 1); // the end day is included
    filterChanged();
}

bool ConversationListModel::filtered() const
{
    return !m_filter.accountId.isEmpty() || !m_filter.tagId.isEmpty() || !m_filter.kind.isEmpty()
           || !m_fromDate.isEmpty() || !m_toDate.isEmpty();
}

void ConversationListModel::clearFilters()
{
    setAccountId(QString());
    setTagId(QString());
    setKind(QString());
    setFromDate(QString());
    setToDate(QString());
}

int ConversationListModel::indexOf(const QString &conversationId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).summary.id == conversationId)
            return int(i);
    }
    return -1;
}

} // namespace fieldnotes::app
