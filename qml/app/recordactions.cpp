#include "recordactions.h"

#include "personaldatascanner.h"
#include "session.h"
#include "store/store.h"
#include "textformat.h"

#include <QJsonObject>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

RecordActions::RecordActions(QObject *parent) : QObject(parent) { }

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
    if (auto r = store->remove(*kind, id); !r) {
        setError(r.error().message);
        return false;
    }
    m_session->notifyRecordsChanged(*kind);
    return true;
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

void RecordActions::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
