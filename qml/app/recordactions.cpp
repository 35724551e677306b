#include "recordactions.h"

#include "personaldatascanner.h"
#include "rolepolicy.h"
#include "session.h"
#include "store/store.h"
#include "textformat.h"

#include <QJsonObject>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

RecordActions::RecordActions(QObject *parent) : QObject(parent) { }

void RecordActions::setRole(const QString &role)
{
    if (role == m_role)
        return;
    m_role = role;
    emit roleChanged();
}

void RecordActions::setSession(Session *session)
{
    if (session == m_session)
        return;
    m_session = session;
    emit sessionChanged();
}

QVariantMap RecordActions::fields(const QString &entity, const QString &id)
{
    Store *store = m_session ? m_session->store() : nullptr;
    const auto kind = entityFromName(entity);
    if (!store || !kind || id.isEmpty())
        return {};
    auto record = store->get(*kind, id);
    if (!record) {
        setError(record.error().message);
        return {};
    }
    return record->fields.toVariantMap();
}

QString RecordActions::save(const QString &entity, const QString &id, const QVariantMap &fields)
{
    Store *store = m_session ? m_session->store() : nullptr;
    const auto kind = entityFromName(entity);
    if (!store || !kind)
        return QString();
    if (!RolePolicy::mayWrite(m_role, *kind, id.isEmpty(), fields.keys())) {
        setError(tr("Your role cannot make this change."));
        return QString();
    }
    // Empty text from a form clears an optional field rather than storing "".
    QJsonObject json = QJsonObject::fromVariantMap(fields);
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it->isString() && it->toString().trimmed().isEmpty())
            *it = id.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(QJsonValue::Null);
        else if (it->isString())
            *it = it->toString().trimmed();
    }
    for (const QString &key : json.keys()) {
        if (json.value(key).isUndefined())
            json.remove(key);
    }
    auto stored = store->put(*kind, id, json);
    if (!stored) {
        setError(stored.error().message);
        return QString();
    }
    setError(QString());
    m_session->notifyRecordsChanged(*kind);
    return *stored;
}

bool RecordActions::remove(const QString &entity, const QString &id)
{
    Store *store = m_session ? m_session->store() : nullptr;
    const auto kind = entityFromName(entity);
    if (!store || !kind)
        return false;
    if (!RolePolicy::mayRemove(m_role, *kind)) {
        setError(tr("Your role cannot make this change."));
        return false;
    }
    if (auto r = store->remove(*kind, id); !r) {
        setError(r.error().message);
        return false;
    }
    m_session->notifyRecordsChanged(*kind);
    return true;
}

QStringList RecordActions::insightIds(const QString &conversationId)
{
    Store *store = m_session ? m_session->store() : nullptr;
    QStringList ids;
    if (!store || conversationId.isEmpty())
        return ids;
    Store::InsightFilter filter;
    filter.conversationId = conversationId;
    filter.limit = 500;
    for (;;) {
        auto page = store->insightSummaries(filter);
        if (!page)
            break;
        for (const auto &insight : *page)
            ids << insight.id;
        if (page->size() < filter.limit)
            break;
        filter.offset += int(page->size());
    }
    return ids;
}

QStringList RecordActions::contactIds(const QString &accountId)
{
    Store *store = m_session ? m_session->store() : nullptr;
    QStringList ids;
    if (!store || accountId.isEmpty())
        return ids;
    ListQuery query;
    query.accountId = accountId;
    if (auto contacts = store->list(Entity::Contact, query)) {
        for (const Record &contact : *contacts)
            ids << contact.id;
    }
    return ids;
}

int RecordActions::insightCount(const QString &conversationId)
{
    return int(insightIds(conversationId).size());
}

int RecordActions::contactCount(const QString &accountId)
{
    return int(contactIds(accountId).size());
}

bool RecordActions::removeAll(Entity parentEntity, const QString &parentId, Entity childEntity,
                              const QStringList &childIds)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store)
        return false;
    if (!RolePolicy::mayRemove(m_role, parentEntity) || (!childIds.isEmpty() && !RolePolicy::mayRemove(m_role, childEntity))) {
        setError(tr("Your role cannot make this change."));
        return false;
    }
    // The record must exist before anything is deleted: a bad id changes nothing.
    if (auto parent = store->get(parentEntity, parentId); !parent) {
        setError(parent.error().message);
        return false;
    }
    // Its parts first: if a write fails halfway, the record is still there to delete again.
    for (const QString &id : childIds) {
        if (auto r = store->remove(childEntity, id); !r) {
            setError(r.error().message);
            m_session->notifyRecordsChanged(childEntity);
            return false;
        }
    }
    if (auto r = store->remove(parentEntity, parentId); !r) {
        setError(r.error().message);
        return false;
    }
    setError(QString());
    if (!childIds.isEmpty())
        m_session->notifyRecordsChanged(childEntity);
    m_session->notifyRecordsChanged(parentEntity);
    return true;
}

bool RecordActions::removeConversation(const QString &conversationId, bool withInsights)
{
    return removeAll(Entity::Conversation, conversationId, Entity::Insight,
                     withInsights ? insightIds(conversationId) : QStringList());
}

bool RecordActions::removeAccount(const QString &accountId)
{
    return removeAll(Entity::Account, accountId, Entity::Contact, contactIds(accountId));
}

QVariantList RecordActions::findPersonalData(const QString &text) const
{
    QVariantList findings;
    for (const auto &finding : PersonalDataScanner::scan(text)) {
        findings << QVariantMap{
            {u"kind"_s, finding.kind == PersonalDataScanner::Kind::Email ? u"email"_s : u"phone"_s},
            {u"text"_s, text.mid(finding.start, finding.length)},
            {u"start"_s, int(finding.start)},
            {u"length"_s, int(finding.length)},
        };
    }
    return findings;
}

QVariantList RecordActions::reviewForPublishing(const QString &insightId)
{
    const QVariantMap insight = fields(u"insight"_s, insightId);
    QVariantList findings;
    for (const QString &field : {u"text"_s, u"quote"_s}) {
        for (QVariant &finding : findPersonalData(insight.value(field).toString())) {
            QVariantMap map = finding.toMap();
            map.insert(u"field"_s, field);
            findings << map;
        }
    }
    return findings;
}

QString RecordActions::markPersonalData(const QString &text) const
{
    QList<std::pair<int, int>> marks;
    for (const auto &finding : PersonalDataScanner::scan(text))
        marks.append({int(finding.start), int(finding.length)});
    return TextFormat::highlightedHtml(text, marks);
}

bool RecordActions::setPublished(const QString &insightId, bool published)
{
    return !save(u"insight"_s, insightId, {{u"published"_s, published}}).isEmpty();
}

bool RecordActions::publish(const QString &insightId, const QString &text, const QString &quote)
{
    if (text.trimmed().isEmpty()) {
        setError(tr("An insight needs a text."));
        return false;
    }
    return !save(u"insight"_s, insightId, {{u"text"_s, text}, {u"quote"_s, quote}, {u"published"_s, true}}).isEmpty();
}

QString RecordActions::saveLead(const QString &leadId, const QString &accountId, const QString &recommendation,
                                int priority, const QString &horizon)
{
    if (accountId.isEmpty()) {
        setError(tr("Choose the account this lead is for."));
        return QString();
    }
    if (recommendation.trimmed().isEmpty()) {
        setError(tr("Say what sales should do."));
        return QString();
    }
    QVariantMap fields{{u"account_id"_s, accountId}, {u"recommendation"_s, recommendation}};
    // 0 and "" clear the field on an edit (save() turns "" into null) and leave it out of a new lead.
    if (priority > 0)
        fields.insert(u"priority"_s, priority);
    else if (!leadId.isEmpty())
        fields.insert(u"priority"_s, QVariant::fromValue(nullptr));
    fields.insert(u"horizon"_s, horizon);
    if (leadId.isEmpty())
        fields.insert(u"status"_s, u"open"_s);
    return save(u"lead"_s, leadId, fields);
}

bool RecordActions::setLeadStatus(const QString &leadId, const QString &status, const QString &outcome)
{
    if (leadId.isEmpty())
        return false;
    return !save(u"lead"_s, leadId, {{u"status"_s, status}, {u"outcome"_s, outcome}}).isEmpty();
}

void RecordActions::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
