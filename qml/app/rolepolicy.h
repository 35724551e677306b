#pragma once

#include "records/entity.h"

#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

namespace fieldnotes::app {

/**
 * What the signed-in role may do, after the roles table of sync-api.md: the pages ask it what to offer, RecordActions
 * what to write, so the app never makes an edit the server would refuse. No role (a local-only store) may do
 * everything; "admin" and "marketer" write everything of theirs; "sales" (and a role this app does not know) reads
 * what the server sends sales (no conversations or guides, published insights only), and writes only a lead's status
 * and outcome.
 */
class RolePolicy : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(RolePolicy)
    Q_PROPERTY(QString role READ role WRITE setRole NOTIFY roleChanged)
    Q_PROPERTY(bool sales READ sales NOTIFY roleChanged)
    /// Conversations and the capture screen (sales never receives notes).
    Q_PROPERTY(bool canCapture READ canEdit NOTIFY roleChanged)
    /// Accounts, contacts, tags, insights (and publishing them), creating and editing leads.
    Q_PROPERTY(bool canEdit READ canEdit NOTIFY roleChanged)

public:
    explicit RolePolicy(QObject *parent = nullptr);

    [[nodiscard]] QString role() const { return m_role; }
    void setRole(const QString &role);
    [[nodiscard]] bool sales() const { return !canEdit(); }
    [[nodiscard]] bool canEdit() const { return mayEditAll(m_role); }

    /// Whether `role` writes every field of its team's records (no role, "admin", "marketer").
    [[nodiscard]] static bool mayEditAll(const QString &role);
    /// Whether `role` may write `fields` of `entity`: a new record (`creating`) or an existing one.
    [[nodiscard]] static bool mayWrite(const QString &role, Entity entity, bool creating, const QStringList &fields);
    /// Whether `role` may delete records of `entity`.
    [[nodiscard]] static bool mayRemove(const QString &role, Entity entity);
    /// Whether `role` sees records of `entity` at all. Sales, as the server sends it: accounts, contacts, insights,
    /// tags and leads; never conversations or interview guides.
    [[nodiscard]] static bool mayRead(const QString &role, Entity entity);
    /// Whether `role` sees this record of `entity` (its `fields`). Sales: an insight only while it is published.
    [[nodiscard]] static bool mayRead(const QString &role, Entity entity, const QJsonObject &fields);
    /// Whether what `role` sees of `entity` depends on the record (mayRead with its fields), not only on the entity.
    [[nodiscard]] static bool readsPerRecord(const QString &role, Entity entity);

signals:
    void roleChanged();

private:
    QString m_role;
};

} // namespace fieldnotes::app
