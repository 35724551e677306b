#pragma once

#include "base/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace fieldnotes {

class Store;
struct CsvTable;

/** A data row of the CSV file that was not imported, and why (names the line and field, never a value). */
struct SkippedRow
{
    int line = 0; ///< 1-based line where the row starts in the file
    QString reason;
};

/** What an account import did: records created and reused, rows skipped, columns not understood. */
struct ImportReport
{
    int rows = 0; ///< data rows read (the header row not counted)
    int accountsCreated = 0;
    int accountsReused = 0; ///< distinct accounts already in the store that rows of the file matched
    int contactsCreated = 0;
    QList<SkippedRow> skipped;
    /// Values left out of rows that were still imported: an account owner that is not an email address (CRMs
    /// often export the owner's name) is not worth losing the whole row over.
    QList<SkippedRow> droppedValues;
    QStringList ignoredColumns; ///< header names of columns that were not imported, in file order

    /// {"rows", "accounts_created", "accounts_reused", "contacts_created", "skipped": [{"line", "reason"}],
    /// "dropped_values": [{"line", "reason"}], "ignored_columns": [..]}, as `fieldnotes-cli import-accounts` prints it.
    [[nodiscard]] QJsonObject toJson() const;
};

/**
 * Imports accounts and their contacts from a CRM export (CSV with a header row) in one transaction.
 *
 * Columns are matched by header name, ignoring case, spaces, underscores and hyphens. When several columns map to
 * the same field, the one whose name comes first in the list below wins (e.g. `domain` over `website`), then the
 * leftmost; the others are reported as ignored.
 *   - account name: name, account, account name, company, company name, organization (organisation)
 *   - domain: domain, website (either is reduced to a bare domain: scheme, `www.`, port and path are stripped;
 *     a value with no domain in it makes the row invalid)
 *   - segment: segment, industry
 *   - owner_email: owner_email, owner, account owner
 *   - contact name: contact_name, contact, full name
 *   - contact title: contact_title, title, job title
 *   - contact email: contact_email, email
 *   - contact phone: contact_phone, phone
 * Without a contact name column the other contact columns are ignored too (a company phone is not a person).
 * Unknown columns are ignored and listed in the report.
 *
 * Rows with the same account name (trimmed, case-insensitive) make one account; the first non-empty value of
 * each field wins. An account of that name already in the store is reused, never duplicated: the import only
 * fills fields the stored account does not have and never overwrites a value someone entered. Contacts are the
 * same person when they have the same email, or the same name when the incoming row has no email (or the known
 * contact has none); they are merged the same way. A row with an invalid value is skipped as a whole; a row with
 * contact values but no contact name is skipped. Everything is written by one Store::putMany: all or nothing.
 */
class AccountImport final
{
public:
    [[nodiscard]] static Result<ImportReport> importFile(Store &store, const QString &path);
    [[nodiscard]] static Result<ImportReport> importData(Store &store, const QByteArray &csv);
    [[nodiscard]] static Result<ImportReport> importTable(Store &store, const CsvTable &table);

    /// `https://www.Example.com:443/about?x` -> `example.com`; empty if nothing like a host is left.
    [[nodiscard]] static QString domainFromWebsite(const QString &website);
};

} // namespace fieldnotes
