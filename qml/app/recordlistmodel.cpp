#include "recordlistmodel.h"

#include "store/store.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {
constexpr int kMaxRows = 1000;
}

RecordListModel::RecordListModel(QObject *parent) : SessionListModel(parent) { }

QHash<int, QByteArray> RecordListModel::roleNames() const
{
    return {{IdRole, "recordId"}, {NameRole, "name"}, {DetailRole, "detail"}, {ColorRole, "color"},
            {FieldsRole, "fields"}};
}

QVariant RecordListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Record &row = m_rows.at(index.row());
    const auto field = [&](const char16_t *name) { return row.fields.value(QStringView(name)).toString(); };
    switch (role) {
    case IdRole:
        return row.id;
    case Qt::DisplayRole:
    case NameRole:
        if (row.fields.contains(u"name"_s))
            return field(u"name");
        if (row.fields.contains(u"recommendation"_s))
            return field(u"recommendation");
        return field(u"title");
    case DetailRole:
        if (row.entity == Entity::Contact)
            return field(u"title");
        if (row.entity == Entity::Lead)
            return field(u"horizon");
        if (row.entity == Entity::Tag)
            return field(u"color");
        return QString();
    case ColorRole:
        return field(u"color");
    case FieldsRole:
        return row.fields.toVariantMap();
    default:
        return {};
    }
}

Result<qsizetype> RecordListModel::readPage(qsizetype offset, int limit)
{
    m_staged.clear();
    Store *s = store();
    const auto entity = entityFromName(m_entity);
    if (!s || !entity)
        return qsizetype(0);
    ListQuery query;
    query.accountId = m_accountId;
    query.limit = std::max(limit, kMaxRows);
    query.offset = int(offset);
    auto rows = s->list(*entity, query);
    if (!rows)
        return rows.error();
    const qsizetype read = rows->size();
    for (Record &record : *rows) {
        if (!m_status.isEmpty() && record.fields.value(u"status"_s).toString(u"open"_s) != m_status)
            continue;
        m_staged << std::move(record);
    }
    return read;
}

void RecordListModel::appendStaged()
{
    m_rows.append(std::move(m_staged));
    m_staged.clear();
}

void RecordListModel::setEntity(const QString &entity)
{
    if (entity == m_entity)
        return;
    m_entity = entity;
    filterChanged();
    emit entityChanged();
}

void RecordListModel::setAccountId(const QString &id)
{
    if (id == m_accountId)
        return;
    m_accountId = id;
    filterChanged();
    emit accountIdChanged();
}

void RecordListModel::setStatus(const QString &status)
{
    if (status == m_status)
        return;
    m_status = status;
    filterChanged();
    emit statusChanged();
}

int RecordListModel::indexOf(const QString &recordId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == recordId)
            return int(i);
    }
    return -1;
}

} // namespace fieldnotes::app
