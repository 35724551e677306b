#pragma once

#include "session.h"

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace fieldnotes::app {

/**
 * Export and import for the settings page, on the same core/io code as `fieldnotes-cli export` and `import-accounts`:
 * the open-format export written to a file the user chose, and accounts (with contacts) from a CRM's CSV export,
 * with every skipped row and why. The outcome lands in message/skippedRows.
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
    Q_PROPERTY(QStringList entities READ entities CONSTANT)

public:
    explicit DataTransfer(QObject *parent = nullptr);

    [[nodiscard]] Session *session() const { return m_session; }
    void setSession(Session *session);
    [[nodiscard]] QString message() const { return m_message; }
    [[nodiscard]] bool failed() const { return m_failed; }
    /// [{line, reason}] of the last import: rows not imported, and values left out of imported rows.
    [[nodiscard]] QVariantList skippedRows() const { return m_skipped; }
    /// The entity names (API names) an export can be limited to.
    [[nodiscard]] QStringList entities() const;

    /// Where the export dialog starts: `fieldnotes-export[-entity].json|csv|md` in the documents folder (or home).
    Q_INVOKABLE QUrl suggestedFileUrl(const QString &format, const QString &entity) const;
    /// `format`: json, csv or markdown; `entity`: empty for all (CSV needs one). Written atomically, mode 0600.
    Q_INVOKABLE bool exportTo(const QString &format, const QString &entity, const QUrl &file);
    /// Imports accounts and contacts from a CSV file in one transaction: all rows that are valid, or nothing.
    Q_INVOKABLE bool importAccounts(const QUrl &file);

signals:
    void sessionChanged();
    void finished();

private:
    bool finish(bool ok, const QString &message, QVariantList skipped = {});

    QPointer<Session> m_session;
    QString m_message;
    bool m_failed = false;
    QVariantList m_skipped;
};

} // namespace fieldnotes::app
