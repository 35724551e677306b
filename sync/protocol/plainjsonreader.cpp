#include "protocol/plainjsonreader.h"

namespace fieldnotes::protocol::detail {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

} // namespace

void PlainJsonReader::skipSpace()
{
    while (m_at < m_end && isSpace(*m_at))
        ++m_at;
}

bool PlainJsonReader::expect(char c)
{
    skipSpace();
    if (m_failed || m_at == m_end || *m_at != c)
        return fail();
    ++m_at;
    m_first = true;
    return true;
}

bool PlainJsonReader::next(char close)
{
    skipSpace();
    if (m_failed || m_at == m_end)
        return fail();
    if (*m_at == close) {
        ++m_at;
        m_first = false; // back in the enclosing container, after a value
        return false;
    }
    if (!m_first) {
        if (*m_at != ',')
            return fail();
        ++m_at;
    }
    m_first = false;
    return true;
}

bool PlainJsonReader::nextKey(QByteArrayView *key)
{
    if (!next('}'))
        return false;
    auto name = string();
    if (!name)
        return false;
    skipSpace();
    if (m_at == m_end || *m_at != ':')
        return fail();
    ++m_at;
    *key = *name;
    return true;
}

bool PlainJsonReader::nextItem()
{
    return next(']');
}

bool PlainJsonReader::null()
{
    skipSpace();
    if (m_failed || m_end - m_at < 4 || QByteArrayView(m_at, 4) != "null")
        return false;
    m_at += 4;
    return true;
}

std::optional<QByteArrayView> PlainJsonReader::string()
{
    skipSpace();
    if (m_failed || m_at == m_end || *m_at != '"')
        return (fail(), std::nullopt);
    const char *start = ++m_at;
    while (m_at < m_end && *m_at != '"') {
        const auto c = static_cast<unsigned char>(*m_at);
        if (c < 0x20 || c >= 0x7f || c == '\\')
            return (fail(), std::nullopt);
        ++m_at;
    }
    if (m_at == m_end)
        return (fail(), std::nullopt);
    return QByteArrayView(start, m_at++ - start);
}

std::optional<QByteArrayView> PlainJsonReader::rawValue(int maxDepth)
{
    skipSpace();
    if (m_failed || m_at == m_end)
        return (fail(), std::nullopt);
    const char *start = m_at;
    int depth = 0;
    do {
        const char c = *m_at++;
        if (c == '"') {
            while (m_at < m_end && *m_at != '"') {
                if (*m_at == '\\' && m_end - m_at < 2)
                    return (fail(), std::nullopt);
                m_at += *m_at == '\\' ? 2 : 1;
            }
            if (m_at == m_end)
                return (fail(), std::nullopt);
            ++m_at;
        } else if (c == '{' || c == '[') {
            if (++depth > maxDepth)
                return (fail(), std::nullopt);
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return (fail(), std::nullopt);
        } else if (depth == 0) {
            // A literal or a number: up to the next delimiter.
            while (m_at < m_end && !isSpace(*m_at) && *m_at != ',' && *m_at != '}' && *m_at != ']')
                ++m_at;
        }
    } while (depth > 0 && m_at < m_end);
    if (depth != 0)
        return (fail(), std::nullopt);
    m_first = false;
    return QByteArrayView(start, m_at - start);
}

bool PlainJsonReader::atEnd()
{
    skipSpace();
    return !m_failed && m_at == m_end;
}

} // namespace fieldnotes::protocol::detail
