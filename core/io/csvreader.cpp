#include "io/csvreader.h"

#include <QFile>
#include <QFileInfo>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

// Offset of the first byte that does not start a well-formed UTF-8 sequence (no overlongs, no surrogates,
// nothing above U+10FFFF), or -1 when all of @p data is valid.
qsizetype firstInvalidUtf8(QByteArrayView data)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(data.data());
    const qsizetype size = data.size();
    qsizetype i = 0;
    while (i < size) {
        const unsigned char lead = bytes[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }
        int extra = 0;
        char32_t codePoint = 0;
        char32_t minimum = 0;
        if ((lead & 0xE0) == 0xC0) {
            extra = 1;
            codePoint = lead & 0x1F;
            minimum = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            extra = 2;
            codePoint = lead & 0x0F;
            minimum = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            extra = 3;
            codePoint = lead & 0x07;
            minimum = 0x10000;
        } else {
            return i;
        }
        if (size - i <= extra)
            return i;
        for (int k = 1; k <= extra; ++k) {
            const unsigned char next = bytes[i + k];
            if ((next & 0xC0) != 0x80)
                return i;
            codePoint = (codePoint << 6) | (next & 0x3F);
        }
        if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            return i;
        i += extra + 1;
    }
    return -1;
}

// The 1-based line of byte @p pos: LF, CRLF and a lone CR each end one line.
int lineAt(QByteArrayView data, qsizetype pos)
{
    int line = 1;
    for (qsizetype i = 0; i < pos && i < data.size(); ++i) {
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= data.size() || data[i + 1] != '\n')))
            ++line;
    }
    return line;
}

// `;` when the first line has semicolons but no commas outside quotes, else `,`.
char detectSeparator(QByteArrayView data)
{
    bool quoted = false;
    bool commas = false;
    bool semicolons = false;
    for (const char c : data) {
        if (c == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (c == '\n' || c == '\r')
            break;
        else if (c == ',')
            commas = true;
        else if (c == ';')
            semicolons = true;
    }
    return semicolons && !commas ? ';' : ',';
}

Error fieldTooLong(int line)
{
    return makeError(ErrorCode::InvalidInput,
                     u"Line %1 has a field longer than %2 MiB; the file does not look like a CSV export."_s.arg(line)
                         .arg(CsvReader::kMaxFieldBytes / (1024 * 1024)));
}

Error fileTooLarge()
{
    return makeError(ErrorCode::InvalidInput, u"The CSV file is larger than %1 MiB; split it into smaller files."_s.arg(
                                                  CsvReader::kMaxFileBytes / (1024 * 1024)));
}

} // namespace

Result<CsvTable> CsvReader::parse(const QByteArray &input, char separator)
{
    if (input.size() > kMaxFileBytes)
        return fileTooLarge();
    QByteArrayView data(input);
    if (data.startsWith("\xEF\xBB\xBF"))
        data = data.sliced(3);
    if (const qsizetype bad = firstInvalidUtf8(data); bad >= 0) {
        return makeError(ErrorCode::InvalidInput,
                         u"Line %1 is not valid UTF-8 text; save the file as CSV UTF-8 and try again."_s.arg(
                             lineAt(data, bad)));
    }
    if (separator != ',' && separator != ';' && separator != '\t')
        separator = detectSeparator(data);

    CsvTable table;
    table.separator = separator;
    const qsizetype size = data.size();
    const auto isLineBreak = [](char c) { return c == '\n' || c == '\r'; };
    // Consumes one line break at i (CRLF, LF or CR).
    const auto skipLineBreak = [&](qsizetype &i) {
        if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n')
            i += 2;
        else
            ++i;
    };

    qsizetype i = 0;
    int line = 1;
    QByteArray quotedBytes;
    while (i < size) {
        CsvRecord record;
        record.line = line;
        bool lastFieldQuoted = false;
        while (true) {
            const int fieldLine = line;
            const qsizetype fieldStart = i;
            bool quoted = false;
            QString field;
            if (i < size && data[i] == '"') {
                quoted = true;
                quotedBytes.clear();
                ++i;
                while (true) {
                    if (i >= size) {
                        return makeError(ErrorCode::InvalidInput,
                                         u"Line %1 opens a quoted field that is never closed; check for a missing "
                                         u"\" in that line."_s.arg(fieldLine));
                    }
                    qsizetype end = i;
                    while (end < size && data[end] != '"' && !isLineBreak(data[end]))
                        ++end;
                    quotedBytes.append(data.sliced(i, end - i));
                    i = end;
                    if (quotedBytes.size() > kMaxFieldBytes)
                        return fieldTooLong(fieldLine);
                    if (i >= size)
                        continue;
                    if (data[i] == '"') {
                        if (i + 1 < size && data[i + 1] == '"') {
                            quotedBytes.append('"');
                            i += 2;
                            continue;
                        }
                        ++i; // the closing quote
                        break;
                    }
                    skipLineBreak(i);
                    quotedBytes.append('\n');
                    ++line;
                    if (quotedBytes.size() > kMaxFieldBytes)
                        return fieldTooLong(fieldLine);
                }
                // Lenient: text after the closing quote (`"a"b`) is kept as it stands.
                qsizetype end = i;
                while (end < size && data[end] != separator && !isLineBreak(data[end]))
                    ++end;
                quotedBytes.append(data.sliced(i, end - i));
                i = end;
                if (quotedBytes.size() > kMaxFieldBytes)
                    return fieldTooLong(fieldLine);
                field = QString::fromUtf8(quotedBytes);
            } else {
                qsizetype end = i;
                while (end < size && data[end] != separator && !isLineBreak(data[end]))
                    ++end;
                if (end - fieldStart > kMaxFieldBytes)
                    return fieldTooLong(fieldLine);
                field = QString::fromUtf8(data.sliced(fieldStart, end - fieldStart));
                i = end;
            }
            record.fields.append(std::move(field));
            lastFieldQuoted = quoted;
            if (i < size && data[i] == separator) {
                ++i;
                continue;
            }
            if (i < size) {
                skipLineBreak(i);
                ++line;
            }
            break;
        }
        const bool blank = record.fields.size() == 1 && record.fields.constFirst().isEmpty() && !lastFieldQuoted;
        if (!blank)
            table.records.append(std::move(record));
    }
    return table;
}

Result<CsvTable> CsvReader::readFile(const QString &path, char separator)
{
    const QFileInfo info(path);
    if (!info.exists() || !info.isFile())
        return makeError(ErrorCode::NotFound, u"There is no file at %1."_s.arg(path));
    if (info.size() > kMaxFileBytes)
        return fileTooLarge();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, u"Cannot read %1: %2"_s.arg(path, file.errorString()));
    const QByteArray data = file.read(kMaxFileBytes + 1);
    if (file.error() != QFileDevice::NoError)
        return makeError(ErrorCode::Io, u"Cannot read %1: %2"_s.arg(path, file.errorString()));
    return parse(data, separator);
}

} // namespace fieldnotes
