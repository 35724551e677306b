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

public:
    explicit RecordActions(QObject *parent = nullptr);

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);
    [[nodiscard]] QString errorMessage() const { return m_error; }

    /// The fields of a record as a map (empty if there is none): for edit forms.
    Q_INVOKABLE QVariantMap fields(const QString &entity, const QString &id);
    /// Creates (empty id) or updates a record of `entity` with `fields`; returns its id, or empty on error.
    Q_INVOKABLE QString save(const QString &entity, const QString &id, const QVariantMap &fields);
    Q_INVOKABLE bool remove(const QString &entity, const QString &id);

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

signals:
    void sessionChanged();
    void errorMessageChanged();

private:
    void setError(const QString &message);

    QPointer<Session> m_session;
    QString m_error;
};

} // namespace fieldnotes::app
