#pragma once

#include "session.h"

#include "base/result.h"
#include "records/entity.h"

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <optional>

namespace fieldnotes::app {

/**
 * Export and import for the settings page, on the same core/io code as `fieldnotes-cli export` and `import-accounts`:
 * the open-format export written to a file the user chose, and accounts (with contacts) from a CRM's CSV export,
 * with every skipped row and why. The outcome lands in message/skippedRows. A sales rep (`role`) exports only what
 * sales may see (RolePolicy::mayRead): accounts, contacts, published insights, tags and leads, as JSON or CSV (the
 * Markdown exporter cannot leave out unpublished insights; the account brief is sales' readable export).
 */
class DataTransfer : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(DataTransfer)
    Q_PROPERTY(fieldnotes::app::Session *session READ session WRITE setSession NOTIFY sessionChanged)
    Q_PROPERTY(QString message READ message NOTIFY finished)
    Q_PROPERTY(bool failed READ failed NOTIFY finished)
    Q_PROPERTY(QVariantList skippedRows READ skippedRows NOTIFY finished)
    /// The signed-in role (AppSync.role): what it may not see is neither offered nor exported.
    Q_PROPERTY(QString role READ role WRITE setRole NOTIFY roleChanged)
    Q_PROPERTY(QStringList entities READ entities NOTIFY roleChanged)
    Q_PROPERTY(QStringList formats READ formats NOTIFY roleChanged)

public:
    explicit DataTransfer(QObject *parent = nullptr);

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);
    [[nodiscard]] QString message() const { return m_message; }
    [[nodiscard]] bool failed() const { return m_failed; }
    /// [{line, reason}] of the last import: rows not imported, and values left out of imported rows.
    [[nodiscard]] QVariantList skippedRows() const { return m_skipped; }
    [[nodiscard]] QString role() const { return m_role; }
    void setRole(const QString &role);
    /// The entity names (API names) an export can be limited to: those the role may see.
    [[nodiscard]] QStringList entities() const;
    /// The formats the role may export: json, csv, markdown.
    [[nodiscard]] QStringList formats() const;

    /// Where the import dialog starts: the documents folder (or home), where the exports are suggested.
    Q_INVOKABLE QUrl documentsFolderUrl() const;
    /// Where the export dialog starts: `fieldnotes-export[-entity].json|csv|md` in the documents folder (or home).
    Q_INVOKABLE QUrl suggestedFileUrl(const QString &format, const QString &entity) const;
    /// `format`: json, csv or markdown; `entity`: empty for all (CSV needs one). Written atomically, mode 0600.
    /// Only what the role may see: an entity or format not in `entities`/`formats` is refused.
    Q_INVOKABLE bool exportTo(const QString &format, const QString &entity, const QUrl &file);
    /// Imports accounts and contacts from a CSV file in one transaction: all rows that are valid, or nothing.
    Q_INVOKABLE bool importAccounts(const QUrl &file);

signals:
    void sessionChanged();
    void roleChanged();
    void finished();

private:
    bool finish(bool ok, const QString &message, QVariantList skipped = {});
    /// The export of what the role sees, when it does not see everything.
    [[nodiscard]] Result<QByteArray> exportVisible(Store &store, const QString &format,
                                                   std::optional<Entity> only) const;

    QPointer<Session> m_session;
    QString m_role;
    QString m_message;
    bool m_failed = false;
    QVariantList m_skipped;
};

} // namespace fieldnotes::app
