#pragma once

#include "session.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

namespace fieldnotes::app {


/**
 * The capture screen's conversation: its fields as properties, every change saved as it is made. The first change
 * after a save starts a kAutosaveMs timer and everything changed until it fires is written in one put, so killing
 * the app loses at most the last kAutosaveMs of edits; focus loss, leaving the page and locking save at once.
 */
class ConversationEditor : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(ConversationEditor)
    Q_PROPERTY(fieldnotes::app::Session *session READ session WRITE setSession NOTIFY sessionChanged)
    Q_PROPERTY(QString conversationId READ conversationId NOTIFY conversationIdChanged)
    Q_PROPERTY(QString title READ title WRITE setTitle NOTIFY titleChanged)
    Q_PROPERTY(QString accountId READ accountId WRITE setAccountId NOTIFY accountIdChanged)
    Q_PROPERTY(QString accountName READ accountName NOTIFY accountIdChanged)
    Q_PROPERTY(QStringList contactIds READ contactIds WRITE setContactIds NOTIFY contactIdsChanged)
    Q_PROPERTY(QDateTime occurredAt READ occurredAt WRITE setOccurredAt NOTIFY occurredAtChanged)
    Q_PROPERTY(QString occurredAtText READ occurredAtText NOTIFY occurredAtChanged)
    Q_PROPERTY(QString channel READ channel WRITE setChannel NOTIFY channelChanged)
    Q_PROPERTY(bool consent READ consent WRITE setConsent NOTIFY consentChanged)
    Q_PROPERTY(QString notes READ notes WRITE setNotes NOTIFY notesChanged)
    Q_PROPERTY(bool final READ isFinal WRITE setFinal NOTIFY finalChanged)
    Q_PROPERTY(QStringList guideQuestions READ guideQuestions NOTIFY guideQuestionsChanged)
    Q_PROPERTY(QString guideTitle READ guideTitle NOTIFY guideQuestionsChanged)
    Q_PROPERTY(bool unsaved READ unsaved NOTIFY unsavedChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
    Q_PROPERTY(QStringList kinds READ kinds CONSTANT)
    Q_PROPERTY(QStringList channels READ channels CONSTANT)

public:
    static constexpr int kAutosaveMs = 300;

    explicit ConversationEditor(QObject *parent = nullptr);
    ~ConversationEditor() override;

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);

    [[nodiscard]] QString conversationId() const { return m_id; }
    [[nodiscard]] QString title() const { return m_title; }
    void setTitle(const QString &title);
    [[nodiscard]] QString accountId() const { return m_accountId; }
    void setAccountId(const QString &id);
    [[nodiscard]] QString accountName() const { return m_accountName; }
    [[nodiscard]] QStringList contactIds() const { return m_contactIds; }
    void setContactIds(const QStringList &ids);
    [[nodiscard]] QDateTime occurredAt() const { return m_occurredAt; }
    void setOccurredAt(const QDateTime &time);
    [[nodiscard]] QString occurredAtText() const;
    [[nodiscard]] QString channel() const { return m_channel; }
    void setChannel(const QString &channel);
    [[nodiscard]] bool consent() const { return m_consent; }
    void setConsent(bool consent);
    [[nodiscard]] QString notes() const { return m_notes; }
    void setNotes(const QString &notes);
    [[nodiscard]] bool isFinal() const { return m_final; }
    void setFinal(bool final);
    [[nodiscard]] QStringList guideQuestions() const { return m_guideQuestions; }
    [[nodiscard]] QString guideTitle() const { return m_guideTitle; }
    [[nodiscard]] bool unsaved() const { return !m_pending.isEmpty(); }
    [[nodiscard]] QString errorMessage() const { return m_error; }
    [[nodiscard]] QStringList kinds() const;
    [[nodiscard]] QStringList channels() const;

    /// Creates a conversation now (a draft at the current time, in person) and edits it; returns its id.
    Q_INVOKABLE QString createNew();
    /// Edits an existing conversation (saving the one being edited first).
    Q_INVOKABLE bool load(const QString &conversationId);
    /// Saves what is pending now.
    Q_INVOKABLE bool save();
    /// Saves and stops editing.
    Q_INVOKABLE void close();
    /// Parses "yyyy-MM-dd HH:mm" (local time); false if it is not a time.
    Q_INVOKABLE bool setOccurredAtText(const QString &text);
    Q_INVOKABLE void setOccurredAtNow();
    Q_INVOKABLE void toggleContact(const QString &contactId);
    /// Creates an account with this name and sets it on the conversation; returns its id.
    Q_INVOKABLE QString createAccount(const QString &name);
    /// Creates a contact at the conversation's account and adds it; returns its id.
    Q_INVOKABLE QString createContact(const QString &name);
    /**
     * Adds an insight to this conversation (and its account). An empty `text` takes the quote; `importance` 0
     * leaves it unset. Returns the new id, or empty with errorMessage set.
     */
    Q_INVOKABLE QString addInsight(const QString &kind, const QString &text, const QString &quote, int importance,
                                   const QStringList &tagIds);
    Q_INVOKABLE QString channelLabel(const QString &channel) const;
    Q_INVOKABLE QString kindLabel(const QString &kind) const;

signals:
    void sessionChanged();
    void conversationIdChanged();
    void titleChanged();
    void accountIdChanged();
    void contactIdsChanged();
    void occurredAtChanged();
    void channelChanged();
    void consentChanged();
    void notesChanged();
    void finalChanged();
    void guideQuestionsChanged();
    void unsavedChanged();
    void errorMessageChanged();
    /// After each successful write of the conversation.
    void saved();

private:
    void change(const QString &field, const QJsonValue &value, bool listVisible);
    void clear();
    void loadGuide();
    void refreshAccountName();
    void setError(const QString &message);

    QPointer<Session> m_session;
    QString m_id;
    QString m_title;
    QString m_accountId;
    QString m_accountName;
    QStringList m_contactIds;
    QDateTime m_occurredAt;
    QString m_channel;
    bool m_consent = false;
    QString m_notes;
    bool m_final = false;
    QStringList m_guideQuestions;
    QString m_guideTitle;
    QJsonObject m_pending; ///< fields changed since the last save
    bool m_listVisibleChange = false; ///< a pending change shows in lists (title, account, time…)
    QString m_error;
    QTimer m_autosave;
};

} // namespace fieldnotes::app
