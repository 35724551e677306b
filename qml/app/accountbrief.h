#pragma once

#include "base/result.h"
#include "session.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <optional>

namespace fieldnotes {
class Store;
}

namespace fieldnotes::app {

/** What an account brief says, read once from the store: the page shows it, Markdown and PDF export it. */
struct BriefContent
{
    struct Insight
    {
        QString id;
        QString kind;
        QString text;
        QString quote;
        int importance = 0; ///< 0: not set
        bool published = false;
    };
    struct Group
    {
        QString kind;
        QString title; ///< "Needs", "Pains", …
        QList<Insight> insights; ///< most important first, then newest
    };
    struct Lead
    {
        QString id;
        QString recommendation;
        int priority = 0;
        QString horizon;
    };
    struct Contact
    {
        QString name;
        QString title;
        QString email;
        QString phone;
    };
    struct Conversation
    {
        QString id;
        QString title;
        QString occurredAt; ///< ISO 8601 UTC, may be empty
        QString channel;
    };

    QString accountId;
    QString name;
    QString domain;
    QString segment;
    QString ownerEmail;
    QList<Group> groups; ///< in the kinds' order (need, pain, delight, value, competitor, trend, request); no empty ones
    QList<Insight> quotes; ///< the newest insights with a quote, at most kMaxQuotes
    QList<Lead> openLeads; ///< by priority
    QList<Contact> contacts; ///< by name
    std::optional<Conversation> lastConversation; ///< none when publishedOnly: sales never see conversations
    QDateTime generatedAt;
    bool publishedOnly = false; ///< only what sales sees
};

/**
 * The account brief a sales rep opens before a call (PRODUCT.md, "Screens"): insights grouped by kind, the newest
 * quotes, open leads, contacts and the last conversation, never conversation notes. The content is built once
 * (build()) and rendered from it for the page (the properties), as Markdown and as HTML for the PDF, so the screen
 * and both exports agree. Works on a sales rep's store, which holds published insights and no conversations.
 */
class AccountBrief : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(AccountBrief)
    Q_PROPERTY(fieldnotes::app::Session *session READ session WRITE setSession NOTIFY sessionChanged)
    Q_PROPERTY(QString accountId READ accountId WRITE setAccountId NOTIFY accountIdChanged)
    /// Only published insights (what sales sees); a sales rep's store has no others anyway.
    Q_PROPERTY(bool publishedOnly READ publishedOnly WRITE setPublishedOnly NOTIFY publishedOnlyChanged)
    Q_PROPERTY(bool found READ found NOTIFY contentChanged)
    Q_PROPERTY(QString name READ name NOTIFY contentChanged)
    Q_PROPERTY(QString subtitle READ subtitle NOTIFY contentChanged)
    /// [{kind, title, insights: [{insightId, text, quote, importance, published}]}]
    Q_PROPERTY(QVariantList groups READ groups NOTIFY contentChanged)
    /// [{insightId, quote, kindLabel}]
    Q_PROPERTY(QVariantList quotes READ quotes NOTIFY contentChanged)
    /// [{leadId, recommendation, priority, priorityLabel, horizonLabel}]
    Q_PROPERTY(QVariantList openLeads READ openLeads NOTIFY contentChanged)
    /// [{name, title, email, phone}]
    Q_PROPERTY(QVariantList contacts READ contacts NOTIFY contentChanged)
    /// {conversationId, title, when, channelLabel}, or empty when there is none.
    Q_PROPERTY(QVariantMap lastConversation READ lastConversation NOTIFY contentChanged)
    Q_PROPERTY(int insightCount READ insightCount NOTIFY contentChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)

public:
    static constexpr int kMaxQuotes = 5;

    explicit AccountBrief(QObject *parent = nullptr);

    /// Reads the brief of `accountId`; an account that does not exist gives an empty name.
    [[nodiscard]] static Result<BriefContent> build(Store &store, const QString &accountId, bool publishedOnly,
                                                    const QDateTime &now = QDateTime::currentDateTime());
    [[nodiscard]] static QString toMarkdown(const BriefContent &brief);
    [[nodiscard]] static QString toHtml(const BriefContent &brief);
    /// Writes the file whole or not at all (QSaveFile).
    [[nodiscard]] static Result<void> writeMarkdown(const BriefContent &brief, const QString &path);
    [[nodiscard]] static Result<void> writePdf(const BriefContent &brief, const QString &path);
    /// "need" -> "Needs", the heading of a group.
    [[nodiscard]] static QString groupTitle(const QString &kind);

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);
    [[nodiscard]] QString accountId() const { return m_accountId; }
    void setAccountId(const QString &id);
    [[nodiscard]] bool publishedOnly() const { return m_publishedOnly; }
    void setPublishedOnly(bool publishedOnly);
    [[nodiscard]] const BriefContent &content() const { return m_content; }
    [[nodiscard]] bool found() const { return !m_content.name.isEmpty(); }
    [[nodiscard]] QString name() const { return m_content.name; }
    [[nodiscard]] QString subtitle() const;
    [[nodiscard]] QVariantList groups() const;
    [[nodiscard]] QVariantList quotes() const;
    [[nodiscard]] QVariantList openLeads() const;
    [[nodiscard]] QVariantList contacts() const;
    [[nodiscard]] QVariantMap lastConversation() const;
    [[nodiscard]] int insightCount() const;
    [[nodiscard]] QString errorMessage() const { return m_error; }

    Q_INVOKABLE void reload();
    Q_INVOKABLE QString markdown() const { return toMarkdown(m_content); }
    /// A file name for the export: "<account> brief.<extension>", without characters file systems refuse.
    Q_INVOKABLE QString suggestedFileName(const QString &extension) const;
    /// suggestedFileName() in the user's documents folder, for the save dialog.
    Q_INVOKABLE QUrl suggestedFileUrl(const QString &extension) const;
    /// A local file path of a file: URL, for "Saved to …".
    Q_INVOKABLE static QString displayPath(const QUrl &file);
    /// Writes the brief as it is on screen to a local file; false (and errorMessage) on failure.
    Q_INVOKABLE bool exportMarkdown(const QUrl &file);
    Q_INVOKABLE bool exportPdf(const QUrl &file);

signals:
    void sessionChanged();
    void accountIdChanged();
    void publishedOnlyChanged();
    void contentChanged();
    void errorMessageChanged();

private:
    bool exportTo(const QUrl &file, Result<void> (*write)(const BriefContent &, const QString &));
    void setError(const QString &message);

    QPointer<Session> m_session;
    QString m_accountId;
    bool m_publishedOnly = false;
    BriefContent m_content;
    QString m_error;
};

} // namespace fieldnotes::app
