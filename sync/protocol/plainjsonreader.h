#pragma once

#include <QByteArrayView>
#include <QString>

#include <optional>

namespace fieldnotes::protocol::detail {

/**
 * A pull reader for the envelope of the JSON a client writes (decision 0029): objects and arrays whose keys and
 * strings are printable ASCII without escapes, `null`, and values passed over as raw text for QJsonDocument to read.
 * It reads nothing QJsonDocument could read differently, and gives up on anything else: giving up is not an error,
 * the caller then reads the whole text with QJsonDocument, which decides and names the problem.
 *
 * Every method returns false or std::nullopt once the reader gave up (failed() is then true), so a caller may check
 * once at the end, or wherever it would otherwise go on with a wrong value.
 */
class PlainJsonReader
{
public:
    explicit PlainJsonReader(QByteArrayView text)
        : m_at(text.data())
        , m_end(text.data() + text.size())
    { }

    [[nodiscard]] bool failed() const { return m_failed; }
    /// Gives up (for the caller's own reasons, e.g. a key it does not read).
    void giveUp() { m_failed = true; }

    /// Expects `{`.
    bool beginObject() { return expect('{'); }
    /// The next key of the object begun last, and its `:`; false at the object's `}` (consumed) or when giving up.
    bool nextKey(QByteArrayView *key);
    /// Expects `[`.
    bool beginArray() { return expect('['); }
    /// Whether the array begun last has another item (its `,` consumed); false at its `]` (consumed) or giving up.
    bool nextItem();
    /// Whether the next value is `null` (consumed if so).
    bool null();
    /// A string of printable ASCII without escapes.
    std::optional<QByteArrayView> string();
    /// The text of the next value, whatever it is, from its first byte to its last, found by matching quotes and
    /// brackets only: whether it is JSON is for QJsonDocument to say. Gives up at nesting deeper than `maxDepth`.
    std::optional<QByteArrayView> rawValue(int maxDepth);
    /// Whether only whitespace is left.
    bool atEnd();

private:
    void skipSpace();
    bool expect(char c);
    /// Past the `,` before the next member or item of the container begun last; false at its `close` (consumed).
    bool next(char close);
    bool fail()
    {
        m_failed = true;
        return false;
    }

    const char *m_at;
    const char *m_end;
    bool m_failed = false;
    bool m_first = true; ///< no member or item read yet in the container begun last
};

} // namespace fieldnotes::protocol::detail
