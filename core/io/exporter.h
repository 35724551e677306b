#pragma once

#include "base/result.h"
#include "records/entity.h"

#include <QByteArray>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace fieldnotes {

class Store;

/**
 * Open-format export of the store's live (non-deleted) records as JSON, CSV or Markdown, in the store's list order
 * so the same store always gives the same bytes (apart from JSON's `exported_at`).
 */
class Exporter final
{
public:
    /// `{"format":"fieldnotes-export","version":1,"exported_at":"<ISO UTC>","records":{"account":[{fields,"id"}],…}}`
    /// with every entity, or only @p only. UTF-8, indented.
    [[nodiscard]] static Result<QByteArray> exportJson(Store &store, std::optional<Entity> only = std::nullopt);

    /// RFC 4180 CSV (CRLF line ends, UTF-8 without BOM): a header `id` plus every field of @p entity in the order of
    /// entitySpec(entity).fields, one row a record. Lists are JSON array text, booleans true/false, absent fields
    /// empty. Against spreadsheet formula injection, every cell that starts with `=`, `+`, `-`, `@`, tab or CR gets
    /// a leading `'` (OWASP's advice): spreadsheets then show it as text, and it is not removed on re-import.
    [[nodiscard]] static Result<QByteArray> exportCsv(Store &store, Entity entity);

    /// A readable Markdown document: `# Fieldnotes export`, a `## <account name>` section per account with its
    /// fields, contacts, conversations, insights and leads; then records tied to no (live) account, tags and
    /// interview guides. With @p only, just that entity (grouped under account headings where it has an account).
    /// Record text is escaped where it would otherwise start a heading, list, quote, fence or other block.
    [[nodiscard]] static Result<QByteArray> exportMarkdown(Store &store, std::optional<Entity> only = std::nullopt);

    /// One CSV cell for @p value: JSON text for lists, true/false, formula neutralisation, then RFC 4180 quoting.
    [[nodiscard]] static QString csvCell(const QJsonValue &value);
    /// @p text with newlines turned into spaces and its start escaped, safe as one Markdown heading or list item.
    [[nodiscard]] static QString markdownInline(const QString &text);
};

} // namespace fieldnotes
