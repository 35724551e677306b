#include "conversationeditor.h"

#include "records/entity.h"
#include "session.h"
#include "store/store.h"
#include "textformat.h"

#include <QJsonArray>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

constexpr auto kTimeFormat = "yyyy-MM-dd HH:mm";

QJsonArray toJsonArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

} // namespace

ConversationEditor::ConversationEditor(QObject *parent) : QObject(parent)
{
    m_autosave.setSingleShot(true);
    m_autosave.setInterval(kAutosaveMs);
    connect(&m_autosave, &QTimer::timeout, this, &ConversationEditor::save);
}

ConversationEditor::~ConversationEditor()
{
    save();
}

void ConversationEditor::setSession(Session *session)
{
    if (session == m_session)
        return;
    if (m_session) {
        save();
        disconnect(m_session, nullptr, this, nullptr);
    }
    m_session = session;
    if (m_session) {
        // Locking closes the store: what is pending must reach it first.
        connect(m_session, &Session::aboutToLock, this, &ConversationEditor::close);
        connect(m_session, &Session::storeOpened, this, &ConversationEditor::loadGuide);
        connect(m_session, &Session::recordsChanged, this, [this](const QString &entity) {
            if (entity == u"guide"_s)
                loadGuide();
        });
    }
    loadGuide();
    emit sessionChanged();
}

QStringList ConversationEditor::kinds() const
{
    return TextFormat::insightKinds();
}

QStringList ConversationEditor::channels() const
{
    return TextFormat::channels();
}

QString ConversationEditor::channelLabel(const QString &channel) const
{
    return TextFormat::channelLabel(channel);
}

QString ConversationEditor::kindLabel(const QString &kind) const
{
    return TextFormat::kindLabel(kind);
}

QString ConversationEditor::occurredAtText() const
{
    return m_occurredAt.isValid() ? m_occurredAt.toLocalTime().toString(QString::fromLatin1(kTimeFormat)) : QString();
}

void ConversationEditor::change(const QString &field, const QJsonValue &value, bool listVisible)
{
    if (m_id.isEmpty())
        return;
    const bool wasUnsaved = unsaved();
    m_pending.insert(field, value);
    m_listVisibleChange |= listVisible;
    // Not restarted by later changes: a save at most kAutosaveMs after the first unsaved change, even while typing.
    if (!m_autosave.isActive())
        m_autosave.start();
    if (!wasUnsaved)
        emit unsavedChanged();
}

void ConversationEditor::setTitle(const QString &title)
{
    if (title == m_title)
        return;
    m_title = title;
    change(u"title"_s, title, true);
    emit titleChanged();
}

void ConversationEditor::setAccountId(const QString &id)
{
    if (id == m_accountId)
        return;
    m_accountId = id;
    refreshAccountName();
    change(u"account_id"_s, id.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(id), true);
    // Contacts belong to an account: a new account starts with none picked.
    if (!m_contactIds.isEmpty())
        setContactIds({});
    emit accountIdChanged();
}

void ConversationEditor::setContactIds(const QStringList &ids)
{
    if (ids == m_contactIds)
        return;
    m_contactIds = ids;
    change(u"contact_ids"_s, toJsonArray(ids), false);
    emit contactIdsChanged();
}

void ConversationEditor::toggleContact(const QString &contactId)
{
    QStringList ids = m_contactIds;
    if (!ids.removeOne(contactId))
        ids << contactId;
    setContactIds(ids);
}

void ConversationEditor::setOccurredAt(const QDateTime &time)
{
    if (!time.isValid() || time == m_occurredAt)
        return;
    m_occurredAt = time;
    change(u"occurred_at"_s, TextFormat::isoUtc(time), true);
    emit occurredAtChanged();
}

bool ConversationEditor::setOccurredAtText(const QString &text)
{
    const QDateTime time = QDateTime::fromString(text.trimmed(), QString::fromLatin1(kTimeFormat));
    if (!time.isValid())
        return false;
    setOccurredAt(time);
    return true;
}

void ConversationEditor::setOccurredAtNow()
{
    QDateTime now = QDateTime::currentDateTime();
    now.setTime(QTime(now.time().hour(), now.time().minute()));
    setOccurredAt(now);
}

void ConversationEditor::setChannel(const QString &channel)
{
    if (channel == m_channel || !TextFormat::channels().contains(channel))
        return;
    m_channel = channel;
    change(u"channel"_s, channel, true);
    emit channelChanged();
}

void ConversationEditor::setConsent(bool consent)
{
    if (consent == m_consent)
        return;
    m_consent = consent;
    change(u"consent"_s, consent, false);
    emit consentChanged();
}

void ConversationEditor::setNotes(const QString &notes)
{
    if (notes == m_notes)
        return;
    m_notes = notes;
    change(u"notes"_s, notes, false);
    emit notesChanged();
}

void ConversationEditor::setFinal(bool final)
{
    if (final == m_final)
        return;
    m_final = final;
    change(u"status"_s, final ? u"final"_s : u"draft"_s, true);
    emit finalChanged();
}

bool ConversationEditor::save()
{
    m_autosave.stop();
    if (m_pending.isEmpty())
        return true;
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store || m_id.isEmpty()) {
        setError(tr("Not saved: the store is locked."));
        return false;
    }
    auto stored = store->put(Entity::Conversation, m_id, m_pending);
    if (!stored) {
        // Kept pending: the next change or save tries again.
        setError(tr("Not saved: %1").arg(stored.error().message));
        return false;
    }
    m_pending = {};
    setError(QString());
    emit unsavedChanged();
    emit saved();
    if (std::exchange(m_listVisibleChange, false))
        m_session->notifyRecordsChanged(Entity::Conversation);
    return true;
}

void ConversationEditor::close()
{
    save();
    clear();
}

void ConversationEditor::clear()
{
    m_autosave.stop();
    m_pending = {};
    m_listVisibleChange = false;
    m_id.clear();
    m_title.clear();
    m_accountId.clear();
    m_accountName.clear();
    m_contactIds.clear();
    m_occurredAt = {};
    m_channel.clear();
    m_consent = false;
    m_notes.clear();
    m_final = false;
    emit conversationIdChanged();
    emit titleChanged();
    emit accountIdChanged();
    emit contactIdsChanged();
    emit occurredAtChanged();
    emit channelChanged();
    emit consentChanged();
    emit notesChanged();
    emit finalChanged();
    emit unsavedChanged();
}

QString ConversationEditor::createNew()
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store)
        return QString();
    save();
    m_session->ensureDefaultGuide(); // this device's first capture: the guide beside the notes
    QDateTime now = QDateTime::currentDateTime();
    now.setTime(QTime(now.time().hour(), now.time().minute()));
    auto id = store->put(Entity::Conversation, QString(),
                         {{u"occurred_at"_s, TextFormat::isoUtc(now)},
                          {u"channel"_s, u"in_person"_s},
                          {u"consent"_s, false},
                          {u"status"_s, u"draft"_s}});
    if (!id) {
        setError(id.error().message);
        return QString();
    }
    m_session->notifyRecordsChanged(Entity::Conversation);
    load(*id);
    return *id;
}

bool ConversationEditor::load(const QString &conversationId)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store)
        return false;
    if (conversationId == m_id)
        return true;
    save();
    auto record = store->get(Entity::Conversation, conversationId);
    if (!record) {
        setError(record.error().message);
        return false;
    }
    clear();
    const QJsonObject &f = record->fields;
    m_id = record->id;
    m_title = f.value(u"title"_s).toString();
    m_accountId = f.value(u"account_id"_s).toString();
    for (const QJsonValue &v : f.value(u"contact_ids"_s).toArray())
        m_contactIds << v.toString();
    m_occurredAt = QDateTime::fromString(f.value(u"occurred_at"_s).toString(), Qt::ISODate).toLocalTime();
    m_channel = f.value(u"channel"_s).toString();
    m_consent = f.value(u"consent"_s).toBool();
    m_notes = f.value(u"notes"_s).toString();
    m_final = f.value(u"status"_s).toString() == u"final"_s;
    refreshAccountName();
    setError(QString());
    emit conversationIdChanged();
    emit titleChanged();
    emit accountIdChanged();
    emit contactIdsChanged();
    emit occurredAtChanged();
    emit channelChanged();
    emit consentChanged();
    emit notesChanged();
    emit finalChanged();
    return true;
}

QString ConversationEditor::createAccount(const QString &name)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store || name.trimmed().isEmpty())
        return QString();
    auto id = store->put(Entity::Account, QString(), {{u"name"_s, name.trimmed()}});
    if (!id) {
        setError(id.error().message);
        return QString();
    }
    m_session->notifyRecordsChanged(Entity::Account);
    setAccountId(*id);
    return *id;
}

QString ConversationEditor::createContact(const QString &name)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store || name.trimmed().isEmpty() || m_accountId.isEmpty())
        return QString();
    auto id = store->put(Entity::Contact, QString(), {{u"name"_s, name.trimmed()}, {u"account_id"_s, m_accountId}});
    if (!id) {
        setError(id.error().message);
        return QString();
    }
    m_session->notifyRecordsChanged(Entity::Contact);
    setContactIds(m_contactIds + QStringList{*id});
    return *id;
}

QString ConversationEditor::addInsight(const QString &kind, const QString &text, const QString &quote,
                                       int importance, const QStringList &tagIds)
{
    Store *store = m_session ? m_session->store() : nullptr;
    if (!store || m_id.isEmpty())
        return QString();
    const QString body = text.trimmed().isEmpty() ? quote.trimmed() : text.trimmed();
    if (body.isEmpty()) {
        setError(tr("Write the insight, or select words in the notes to quote them."));
        return QString();
    }
    save(); // the insight refers to the conversation as it is now
    QJsonObject fields{{u"conversation_id"_s, m_id}, {u"kind"_s, kind}, {u"text"_s, body}, {u"published"_s, false}};
    if (!m_accountId.isEmpty())
        fields.insert(u"account_id"_s, m_accountId);
    if (!quote.trimmed().isEmpty())
        fields.insert(u"quote"_s, quote.trimmed());
    if (importance > 0)
        fields.insert(u"importance"_s, importance);
    if (!tagIds.isEmpty())
        fields.insert(u"tags"_s, toJsonArray(tagIds));
    auto id = store->put(Entity::Insight, QString(), fields);
    if (!id) {
        setError(id.error().message);
        return QString();
    }
    setError(QString());
    m_session->notifyRecordsChanged(Entity::Insight);
    return *id;
}

void ConversationEditor::loadGuide()
{
    Store *store = m_session ? m_session->store() : nullptr;
    m_guideQuestions.clear();
    m_guideTitle.clear();
    if (store) {
        ListQuery first;
        first.limit = 1;
        if (auto guides = store->list(Entity::Guide, first); guides && !guides->isEmpty()) {
            m_guideTitle = guides->constFirst().fields.value(u"title"_s).toString();
            for (const QJsonValue &q : guides->constFirst().fields.value(u"questions"_s).toArray())
                m_guideQuestions << q.toString();
        } else if (guides) {
            // No guide yet: the one the first conversation writes (Session::ensureDefaultGuide).
            m_guideTitle = Session::defaultGuideTitle();
            m_guideQuestions = Session::defaultGuideQuestions();
        }
    }
    emit guideQuestionsChanged();
}

void ConversationEditor::refreshAccountName()
{
    m_accountName.clear();
    Store *store = m_session ? m_session->store() : nullptr;
    if (store && !m_accountId.isEmpty()) {
        if (auto account = store->get(Entity::Account, m_accountId))
            m_accountName = account->fields.value(u"name"_s).toString();
    }
}

void ConversationEditor::setError(const QString &message)
{
    if (message == m_error)
        return;
    m_error = message;
    emit errorMessageChanged();
}

} // namespace fieldnotes::app
