#pragma once

#include "sessionlistmodel.h"
#include "store/store.h"

#include <QHash>

namespace fieldnotes::app {

/** Insights across accounts (the explorer) or of one conversation or account, newest change first, filtered. */
class InsightListModel : public fieldnotes::app::SessionListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(InsightListModel)
    Q_PROPERTY(QString accountId READ accountId WRITE setAccountId NOTIFY accountIdChanged)
    Q_PROPERTY(QString conversationId READ conversationId WRITE setConversationId NOTIFY conversationIdChanged)
    Q_PROPERTY(QString tagId READ tagId WRITE setTagId NOTIFY tagIdChanged)
    Q_PROPERTY(QString kind READ kind WRITE setKind NOTIFY kindChanged)
    Q_PROPERTY(Published published READ published WRITE setPublished NOTIFY publishedChanged)

public:
    enum Roles {
        IdRole = Qt::UserRole + 1,
        KindRole,
        KindLabelRole,
        TextRole,
        QuoteRole,
        ImportanceRole,
        AccountIdRole,
        AccountNameRole,
        ConversationIdRole,
        PublishedRole,
        TagIdsRole,
        TagNamesRole,
    };
    Q_ENUM(Roles)
    enum class Published { Any, Yes, No };
    Q_ENUM(Published)

    explicit InsightListModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] QString accountId() const { return m_filter.accountId; }
    void setAccountId(const QString &id);
    [[nodiscard]] QString conversationId() const { return m_filter.conversationId; }
    void setConversationId(const QString &id);
    [[nodiscard]] QString tagId() const { return m_filter.tagId; }
    void setTagId(const QString &id);
    [[nodiscard]] QString kind() const { return m_filter.kind; }
    void setKind(const QString &kind);
    [[nodiscard]] Published published() const;
    void setPublished(Published published);

signals:
    void accountIdChanged();
    void conversationIdChanged();
    void tagIdChanged();
    void kindChanged();
    void publishedChanged();

protected:
    qsizetype loadedRows() const override { return m_rows.size(); }
    Result<qsizetype> readPage(qsizetype offset, int limit) override;
    qsizetype stagedRows() const override { return m_staged.size(); }
    void appendStaged() override;
    void clearRows() override { m_rows.clear(); }
    bool showsEntity(const QString &entity) const override;

private:
    Store::InsightFilter m_filter;
    QList<Store::InsightSummary> m_rows;
    QList<Store::InsightSummary> m_staged;
    QHash<QString, QString> m_tagNames;
};

} // namespace fieldnotes::app
