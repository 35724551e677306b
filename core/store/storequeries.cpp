// The store's queries for the app's view models: one page of list rows per call, with only the columns a list
// shows. Kept apart from store.cpp, which holds the write path.

#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

constexpr int kMaxPage = 1000;

int pageSize(int limit)
{
    return limit <= 0 ? kMaxPage : std::min(limit, kMaxPage);
}

// Values bound in order; the SQL is built from fixed fragments only, never from the values.
struct Query
{
    QString sql;
    QVariantList values;
    bool hasWhere = false; // the SELECT's own subqueries have WHEREs too: track ours

    void where(const QString &condition, const QVariant &value = {})
    {
        sql += (std::exchange(hasWhere, true) ? u" AND "_s : u" WHERE "_s) + condition;
        if (value.isValid())
            values << value;
    }
    /// " ORDER BY …" and one page of it.
    void page(const QString &orderBy, int limit, int offset)
    {
        sql += u" ORDER BY "_s + orderBy + u" LIMIT ? OFFSET ?"_s;
        values << qint64(pageSize(limit)) << qint64(std::max(0, offset));
    }
    /// The statement with every value bound.
    Result<Statement> prepare(Database &db) const
    {
        const QByteArray utf8 = sql.toUtf8();
        auto stmt = db.prepare(utf8.constData());
        if (!stmt)
            return stmt.error();
        for (int i = 0; i < values.size(); ++i)
            stmt->bindVariant(i + 1, values.at(i));
        return stmt;
    }
};

// Query planning: `+x.deleted = 0` keeps SQLite from looking up rows through an index on `deleted` alone (every
// live row has the same value, but without statistics the planner takes any equality for a selective one: a count
// of one conversation's insights then visits every live insight). Lists read in a fixed order name the partial
// index that holds that order (`INDEXED BY`), so the first page stops after its rows instead of sorting the table.
// Counts of a record's children read only the index on the parent's id: a tombstone has no content (store.cpp:
// remove, applyChange), so a deleted child has no parent id and needs no `deleted` check, which would read every
// child's row (100k insights: every page of the table decrypted for one page of accounts).
// fieldnotes-bench app measures both (docs/performance.md, issue 5).

QString placeholders(qsizetype count)
{
    QStringList marks(count, u"?"_s);
    return marks.join(u", "_s);
}

} // namespace

Result<QList<Store::ConversationSummary>> Store::conversationSummaries(const ConversationFilter &filter)
{
    QList<ConversationSummary> rows;
    if (filter.ids && filter.ids->isEmpty())
        return rows;
    Query q;
    // Newest first through conversations_time unless an account or a list of ids narrows it down more.
    const bool byTime = filter.accountId.isEmpty() && !filter.ids;
    q.sql = u"SELECT c.id, c.title, c.account_id, a.name, c.occurred_at, c.channel, c.status, "
            u"(SELECT count(*) FROM insights i WHERE i.conversation_id = c.id) "
            u"FROM conversations c %1LEFT JOIN accounts a ON a.id = c.account_id AND a.deleted = 0"_s.arg(
                byTime ? u"INDEXED BY conversations_time "_s : QString());
    q.where(byTime ? u"c.deleted = 0"_s : u"+c.deleted = 0"_s);
    if (!filter.accountId.isEmpty())
        q.where(u"c.account_id = ?"_s, filter.accountId.toLower());
    if (!filter.from.isEmpty())
        q.where(u"c.occurred_at >= ?"_s, filter.from);
    if (!filter.to.isEmpty())
        q.where(u"c.occurred_at < ?"_s, filter.to);
    if (!filter.kind.isEmpty() || !filter.tagId.isEmpty()) {
        QString exists = u"EXISTS (SELECT 1 FROM insights i WHERE i.conversation_id = c.id AND +i.deleted = 0"_s;
        if (!filter.kind.isEmpty()) {
            exists += u" AND i.kind = ?"_s;
            q.values << filter.kind;
        }
        if (!filter.tagId.isEmpty()) {
            // Tags are a JSON array of UUIDs: a quoted id cannot match anything but that id.
            exists += u" AND instr(i.tags, ?) > 0"_s;
            q.values << QVariant(u"\""_s + filter.tagId.toLower() + u"\""_s);
        }
        q.where(exists + u")"_s);
    }
    if (filter.ids) {
        q.where(u"c.id IN (%1)"_s.arg(placeholders(filter.ids->size())));
        for (const QString &id : *filter.ids)
            q.values << id.toLower();
    } else {
        q.page(u"c.occurred_at DESC, c.hlc DESC"_s, filter.limit, filter.offset);
    }
    auto stmt = q.prepare(m_db);
    if (!stmt)
        return stmt.error();
    if (auto r = stmt->forEachRow([&] {
        rows << ConversationSummary{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3), stmt->text(4),
                                    stmt->text(5), stmt->text(6), int(stmt->integer(7))};
    }); !r)
        return r.error();
    if (filter.ids) {
        // Keep the caller's order (the search ranking).
        QHash<QString, qsizetype> position;
        for (qsizetype i = 0; i < filter.ids->size(); ++i)
            position.insert(filter.ids->at(i).toLower(), i);
        std::sort(rows.begin(), rows.end(), [&](const ConversationSummary &a, const ConversationSummary &b) {
            return position.value(a.id) < position.value(b.id);
        });
    }
    return rows;
}

Result<QList<Store::InsightSummary>> Store::insightSummaries(const InsightFilter &filter)
{
    Query q;
    q.sql = u"SELECT i.id, i.conversation_id, i.account_id, a.name, i.kind, i.text, i.quote, i.importance, i.tags, "
            u"i.published FROM insights i LEFT JOIN accounts a ON a.id = i.account_id AND a.deleted = 0"_s;
    q.where(u"+i.deleted = 0"_s);
    if (!filter.accountId.isEmpty())
        q.where(u"i.account_id = ?"_s, filter.accountId.toLower());
    if (!filter.conversationId.isEmpty())
        q.where(u"i.conversation_id = ?"_s, filter.conversationId.toLower());
    if (!filter.kind.isEmpty())
        q.where(u"i.kind = ?"_s, filter.kind);
    if (!filter.tagId.isEmpty())
        q.where(u"instr(i.tags, ?) > 0"_s, QVariant(u"\""_s + filter.tagId.toLower() + u"\""_s));
    if (filter.published)
        q.where(*filter.published ? u"i.published = 1"_s : u"coalesce(i.published, 0) = 0"_s);
    q.page(u"i.hlc DESC, i.id"_s, filter.limit, filter.offset);
    auto stmt = q.prepare(m_db);
    if (!stmt)
        return stmt.error();
    QList<InsightSummary> rows;
    if (auto r = stmt->forEachRow([&] {
        InsightSummary row;
        row.id = stmt->text(0);
        row.conversationId = stmt->text(1);
        row.accountId = stmt->text(2);
        row.accountName = stmt->text(3);
        row.kind = stmt->text(4);
        row.text = stmt->text(5);
        row.quote = stmt->text(6);
        row.importance = stmt->isNull(7) ? 0 : int(stmt->integer(7));
        for (const QJsonValue &tag : QJsonDocument::fromJson(stmt->text(8).toUtf8()).array())
            row.tagIds << tag.toString();
        row.published = stmt->integer(9) != 0;
        rows << row;
    }); !r)
        return r.error();
    return rows;
}

Result<QList<Store::AccountSummary>> Store::accountSummaries(const QString &nameContains, int limit, int offset)
{
    Query q;
    q.sql = u"SELECT a.id, a.name, a.domain, a.segment, "
            u"(SELECT count(*) FROM conversations c WHERE c.account_id = a.id), "
            u"(SELECT count(*) FROM insights i WHERE i.account_id = a.id), "
            u"(SELECT count(*) FROM leads l WHERE l.account_id = a.id AND +l.deleted = 0 "
            u"AND coalesce(l.status, 'open') = 'open') FROM accounts a INDEXED BY accounts_name"_s;
    q.where(u"a.deleted = 0"_s);
    const QString needle = nameContains.trimmed();
    if (!needle.isEmpty()) {
        // instr() rather than LIKE: a % or _ the user typed is just a character.
        q.where(u"instr(lower(a.name), ?) > 0"_s, needle.toLower());
    }
    q.page(u"a.name COLLATE NOCASE, a.id"_s, limit, offset);
    auto stmt = q.prepare(m_db);
    if (!stmt)
        return stmt.error();
    QList<AccountSummary> rows;
    if (auto r = stmt->forEachRow([&] {
        rows << AccountSummary{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3), int(stmt->integer(4)),
                               int(stmt->integer(5)), int(stmt->integer(6))};
    }); !r)
        return r.error();
    return rows;
}

Result<QList<Store::LeadSummary>> Store::leadSummaries(const LeadFilter &filter)
{
    Query q;
    q.sql = u"SELECT l.id, l.account_id, a.name, l.recommendation, l.priority, l.horizon, "
            u"coalesce(l.status, 'open'), l.outcome "
            u"FROM leads l LEFT JOIN accounts a ON a.id = l.account_id AND a.deleted = 0"_s;
    q.where(u"l.deleted = 0"_s);
    if (!filter.accountId.isEmpty())
        q.where(u"l.account_id = ?"_s, filter.accountId.toLower());
    if (!filter.status.isEmpty())
        q.where(u"coalesce(l.status, 'open') = ?"_s, filter.status);
    q.page(filter.order == LeadFilter::Order::Priority ? u"l.priority IS NULL, l.priority, l.hlc DESC, l.id"_s
                                                       : u"l.hlc DESC, l.id"_s,
           filter.limit, filter.offset);
    auto stmt = q.prepare(m_db);
    if (!stmt)
        return stmt.error();
    QList<LeadSummary> rows;
    if (auto r = stmt->forEachRow([&] {
        rows << LeadSummary{stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3),
                            stmt->isNull(4) ? 0 : int(stmt->integer(4)), stmt->text(5), stmt->text(6),
                            stmt->text(7)};
    }); !r)
        return r.error();
    return rows;
}

Result<QList<Store::ConversationHit>> Store::searchConversations(const QString &text, int limit)
{
    QList<ConversationHit> result;
    const QString query = ftsQuery(text);
    if (query.isEmpty() || limit <= 0)
        return result;
    // Accounts and insights share the index with conversations, so rank more matches than we keep.
    auto matches = rankMatches(query, std::min(limit * 4, kMaxPage));
    if (!matches)
        return matches.error();
    // The best match of each conversation stands for it; only those need a snippet. An insight is looked up for its
    // conversation only when the walk reaches it, a slice at a time: matches rarely share a conversation (on the
    // bench store the first 100-101 matches give 100 conversations), and the first query of a new word reads and
    // decrypts each insight's page (up to 20 ms for all 400; fieldnotes-bench app).
    const qsizetype slice = std::max<qsizetype>(16, qsizetype(limit) * 3 / 2);
    QHash<QString, QString> conversationOfInsight;
    QSet<QString> seen;
    QList<SearchMatch> kept;
    QStringList conversationIds;
    for (qsizetype from = 0; from < matches->size() && kept.size() < limit; from += slice) {
        const qsizetype to = std::min(matches->size(), from + slice);
        QStringList insightIds;
        for (qsizetype i = from; i < to; ++i) {
            if (matches->at(i).hit.entity == Entity::Insight)
                insightIds << matches->at(i).hit.id;
        }
        if (!insightIds.isEmpty()) {
            const QByteArray sql = u"SELECT id, conversation_id FROM insights WHERE +deleted = 0 AND "
                                   u"conversation_id IS NOT NULL AND id IN (%1)"_s.arg(placeholders(insightIds.size()))
                                       .toUtf8();
            auto stmt = m_db.prepare(sql.constData());
            if (!stmt)
                return stmt.error();
            for (int i = 0; i < insightIds.size(); ++i)
                stmt->bind(i + 1, insightIds.at(i));
            if (auto r = stmt->forEachRow([&] {
                conversationOfInsight.insert(stmt->text(0), stmt->text(1));
            }); !r)
                return r.error();
        }
        for (qsizetype i = from; i < to && kept.size() < limit; ++i) {
            SearchMatch &match = (*matches)[i];
            QString conversationId;
            if (match.hit.entity == Entity::Conversation)
                conversationId = match.hit.id;
            else if (match.hit.entity == Entity::Insight)
                conversationId = conversationOfInsight.value(match.hit.id);
            if (conversationId.isEmpty() || seen.contains(conversationId))
                continue;
            seen.insert(conversationId);
            conversationIds << conversationId;
            kept << std::move(match);
        }
    }
    if (auto r = readSnippets(query, kept); !r)
        return r.error();
    result.reserve(kept.size());
    for (qsizetype i = 0; i < kept.size(); ++i)
        result << ConversationHit{conversationIds.at(i), std::move(kept[i].hit)};
    return result;
}

} // namespace fieldnotes
