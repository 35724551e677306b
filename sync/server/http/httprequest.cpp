#include "sync/server/http/httprequest.h"

namespace fieldnotes::http {

void HttpHeaders::add(QByteArrayView name, QByteArray value)
{
    m_fields.append({name.toByteArray().toLower(), std::move(value)});
}

void HttpHeaders::set(QByteArrayView name, QByteArray value)
{
    remove(name);
    add(name, std::move(value));
}

void HttpHeaders::remove(QByteArrayView name)
{
    m_fields.removeIf([name](const auto &field) { return field.first.compare(name, Qt::CaseInsensitive) == 0; });
}

bool HttpHeaders::contains(QByteArrayView name) const
{
    return count(name) > 0;
}

QByteArray HttpHeaders::value(QByteArrayView name) const
{
    for (const auto &[fieldName, fieldValue] : m_fields) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            return fieldValue;
    }
    return {};
}

QByteArrayList HttpHeaders::values(QByteArrayView name) const
{
    QByteArrayList result;
    for (const auto &[fieldName, fieldValue] : m_fields) {
        if (fieldName.compare(name, Qt::CaseInsensitive) == 0)
            result.append(fieldValue);
    }
    return result;
}

qsizetype HttpHeaders::count(QByteArrayView name) const
{
    qsizetype n = 0;
    for (const auto &field : m_fields) {
        if (field.first.compare(name, Qt::CaseInsensitive) == 0)
            ++n;
    }
    return n;
}

bool HttpHeaders::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const QByteArray &value : values(name)) {
        for (const QByteArray &part : value.split(',')) {
            if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

} // namespace fieldnotes::http
