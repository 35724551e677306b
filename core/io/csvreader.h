#pragma once

#include "base/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace fieldnotes {

/** One record (row) of a CSV file and the 1-based line on which it starts. */
struct CsvRecord
{
    int line = 0; ///< where the record starts, counting every line break, also those inside quoted fields
    QStringList fields;
};

/** A parsed CSV file: its records in file order (blank lines left out) and the separator that was used. */
struct CsvTable
{
    char separator = ',';
    QList<CsvRecord> records;
};

/**
 * Reads a whole CSV file as RFC 4180 describes it, plus what real exports do: a UTF-8 BOM is dropped, lines may
 * end in CRLF, LF or a lone CR, blank lines are skipped, and `;` is the separator when the first line has
 * semicolons but no commas (European Excel). Line breaks inside quoted fields come out as LF. A quote inside an
 * unquoted field, or after a closing quote, is kept as text. Errors name the line, never the content.
 */
class CsvReader final
{
public:
    static constexpr qsizetype kMaxFileBytes = qsizetype(64) * 1024 * 1024;
    static constexpr qsizetype kMaxFieldBytes = qsizetype(1024) * 1024;

    /// Parses @p data with @p separator `,`, `;` or tab; any other value (0) detects `,` or `;` from the first line.
    [[nodiscard]] static Result<CsvTable> parse(const QByteArray &data, char separator = 0);
    /// Reads and parses the file at @p path; refuses files over kMaxFileBytes before reading them.
    [[nodiscard]] static Result<CsvTable> readFile(const QString &path, char separator = 0);
};

} // namespace fieldnotes
