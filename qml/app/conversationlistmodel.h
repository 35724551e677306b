#pragma once

#include "sessionlistmodel.h"
#include "store/store.h"

namespace fieldnotes::app {

/** The conversations list: newest first, or ranked by a full-text search, with account, tag, kind and date filters. */
class ConversationListModel : public fieldnotes::app::SessionListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(ConversationListModel)
    Q_PROPERTY(QString searchText READ searchText WRITE setSearchText NOTIFY searchTextChanged)
    Q_PROPERTY(QString accountId READ accountId WRITE setAccountId NOTIFY accountIdChanged)
    Q_PROPERTY(QString tagId READ tagId WRITE setTagId NOTIFY tagIdChanged)
    Q_PROPERTY(QString kind READ kind WRITE setKind NOTIFY kindChanged)
    Q_PROPERTY(QString fromDate READ fromDate WRITE setFromDate NOTIFY fromDateChanged)
    Q_PROPERTY(QString toDate READ toDate WRITE setToDate NOTIFY toDateChanged)
    Q_PROPERTY(bool filtered READ filtered NOTIFY filteredChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        TitleRole,
        AccountIdRole,
        AccountNameRole,
        OccurredAtRole,
        DateTextRole,
        ChannelRole,
        ChannelLabelRole,
        StatusRole,
        InsightCountRole,
        SnippetHtmlRole,
    };
    Q_ENUM(Roles)

    static constexpr int kSearchLimit = 100;

    explicit ConversationListModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] QString searchText() const { return m_searchText; }
    void setSearchText(const QString &text);
    [[nodiscard]] QString accountId() const { return m_filter.accountId; }
    void setAccountId(const QString &id);
    [[nodiscard]] QString tagId() const { return m_filter.tagId; }
    void setTagId(const QString &id);
    [[nodiscard]] QString kind() const { return m_filter.kind; }
    void setKind(const QString &kind);
    /// Local dates, "yyyy-MM-dd"; both ends included. Empty: open.
    [[nodiscard]] QString fromDate() const { return m_fromDate; }
    void setFromDate(const QString &date);
    [[nodiscard]] QString toDate() const { return m_toDate; }
    void setToDate(const QString &date);
    [[nodiscard]] bool filtered() const;

    /// Clears every filter but the search text.
    Q_INVOKABLE void clearFilters();
    /// The row of a conversation, or -1.
    Q_INVOKABLE int indexOf(const QString &conversationId) const;

signals:
    void searchTextChanged();
    void accountIdChanged();
    void tagIdChanged();
    void kindChanged();
    void fromDateChanged();
    void toDateChanged();
    void filteredChanged();

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int limit) override;
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override;
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &entity) const override;
    bool paged() const override { return m_query.isEmpty(); }
    /// Rows keep their identity (the conversation id) across searches, filters and reloads.
    void replaceWithStaged() override;

private:
    struct Row
    {
        Store::ConversationSummary summary;
        QString snippetHtml; ///< highlighted (search only)
    };
    static QList<int> changedRoles(const Row &before, const Row &after);
    void applyDates();

    QString m_searchText;
    QString m_query; ///< what the store searches for m_searchText (Store::ftsQuery); empty: no search
    QString m_fromDate;
    QString m_toDate;
    Store::ConversationFilter m_filter;
    QList<Row> m_rows;
    QList<Row> m_staged;
};

} // namespace fieldnotes::app
