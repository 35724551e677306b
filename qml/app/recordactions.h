#pragma once

#include "session.h"

#include <QObject>
#include <QPointer>
#include <QVariantList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

namespace fieldnotes::app {


/**
 * What the pages do to records outside the capture screen: create and edit accounts, contacts and tags, review an
 * insight for personal data and publish it to sales. Verbs take ids; errors land in errorMessage.
 */
class RecordActions : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(RecordActions)
    Q_PROPERTY(fieldnotes::app::Session *session READ session WRITE setSession NOTIFY sessionChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
    /// The signed-in role (AppSync.role): writes it may not make are refused here, before the server would.
    Q_PROPERTY(QString role READ role WRITE setRole NOTIFY roleChanged)

public:
    explicit RecordActions(QObject *parent = nullptr);

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);
    [[nodiscard]] QString errorMessage() const { return m_error; }
    [[nodiscard]] QString role() const { return m_role; }
    void setRole(const QString &role);

    /// The fields of a record as a map (empty if there is none): for edit forms.
    Q_INVOKABLE QVariantMap fields(const QString &entity, const QString &id);
    /// Creates (empty id) or updates a record of `entity` with `fields`; returns its id, or empty on error.
    Q_INVOKABLE QString save(const QString &entity, const QString &id, const QVariantMap &fields);
    /// Deletes one record (a tombstone; it syncs as a delete). Any entity; see the verbs below for those with parts.
    Q_INVOKABLE bool remove(const QString &entity, const QString &id);
    /// The live insights distilled from a conversation (the delete confirmation offers to delete them too).
    Q_INVOKABLE int insightCount(const QString &conversationId);
    /// Deletes a conversation and, if `withInsights`, its insights (decision 0012: kept unless the user says so).
    Q_INVOKABLE bool removeConversation(const QString &conversationId, bool withInsights);
    /// The live contacts of an account.
    Q_INVOKABLE int contactCount(const QString &accountId);
    /// Deletes an account and its contacts; its conversations, insights and leads stay (decision 0012).
    Q_INVOKABLE bool removeAccount(const QString &accountId);

    /**
     * The personal data in an insight's text and quote, as a list of {field, kind ("email"|"phone"), text, start,
     * length}, for the review before publishing.
     */
    Q_INVOKABLE QVariantList reviewForPublishing(const QString &insightId);
    /// Rich text of `text` with the personal data found in it marked.
    Q_INVOKABLE QString markPersonalData(const QString &text) const;
    /// The personal data in `text`: a list of {kind ("email"|"phone"), text, start, length}.
    Q_INVOKABLE QVariantList findPersonalData(const QString &text) const;
    Q_INVOKABLE bool setPublished(const QString &insightId, bool published);
    /// Saves the reviewed text and quote and publishes the insight to sales.
    Q_INVOKABLE bool publish(const QString &insightId, const QString &text, const QString &quote);

    /**
     * Creates (empty id; status "open") or updates a lead: what marketing recommends for an account. `priority` 1–3
     * (0: none), `horizon` "now" | "quarter" | "year" (empty: none). Returns its id, or empty on error.
     */
    Q_INVOKABLE QString saveLead(const QString &leadId, const QString &accountId, const QString &recommendation,
                                 int priority, const QString &horizon);
    /// Sales' answer to a lead: its status ("open", "accepted", "declined", "done") and the outcome note. Only
    /// these two fields are written, so a sales rep may do it.
    Q_INVOKABLE bool setLeadStatus(const QString &leadId, const QString &status, const QString &outcome);

signals:
    void sessionChanged();
    void errorMessageChanged();
    void roleChanged();

private:
    void setError(const QString &message);
    QStringList insightIds(const QString &conversationId);
    QStringList contactIds(const QString &accountId);
    bool removeAll(Entity parentEntity, const QString &parentId, Entity childEntity, const QStringList &childIds);

    QPointer<Session> m_session;
    QString m_error;
    QString m_role;
};

} // namespace fieldnotes::app
