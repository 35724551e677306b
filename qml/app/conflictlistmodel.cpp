#include "conflictlistmodel.h"

#include "records/hlc.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTimeZone>
#include <QJsonDocument>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

namespace {

QString valueText(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return value.toString();
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return {};
    case QJsonValue::Bool:
        return value.toBool() ? QObject::tr("yes") : QObject::tr("no");
    case QJsonValue::Double:
        return QString::number(value.toDouble());
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

} // namespace

ConflictListModel::ConflictListModel(QObject *parent)
    : SessionListModel(parent)
{ }

Result<qsizetype> ConflictListModel::readPage(qsizetype offset, int)
{
    m_staged.clear();
    if (offset > 0 || !store())
        return qsizetype(0);
    auto entries = store()->conflicts();
    if (!entries)
        return entries.error();
    m_staged = std::move(*entries);
    return m_staged.size();
}

void ConflictListModel::appendStaged()
{
    m_rows += m_staged;
    m_staged.clear();
}

QVariant ConflictListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConflictEntry &c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case ValueTextRole:
        return valueText(c.value);
    case ConflictIdRole:
        return c.id;
    case EntityRole:
        return entityName(c.entity);
    case RecordIdRole:
        return c.recordId;
    case FieldRole:
        return c.field;
    case OriginRole:
        return conflictOriginName(c.origin);
    case ReasonRole:
        return c.reason;
    case DeviceRole:
        return c.deviceId;
    case WhenRole: {
        const auto hlc = Hlc::parse(c.hlc);
        return hlc ? QDateTime::fromMSecsSinceEpoch(hlc->millis, QTimeZone::utc()).toString(Qt::ISODate) : QString();
    }
    case RecordDeletedRole:
        return c.recordDeleted;
    default:
        return {};
    }
}

QHash<int, QByteArray> ConflictListModel::roleNames() const
{
    return {{ConflictIdRole, "conflictId"}, {EntityRole, "entity"},     {RecordIdRole, "recordId"},
            {FieldRole, "field"},           {ValueTextRole, "valueText"}, {OriginRole, "origin"},
            {ReasonRole, "reason"},         {DeviceRole, "device"},     {WhenRole, "when"},
            {RecordDeletedRole, "recordDeleted"}};
}

bool ConflictListModel::restore(qint64 conflictId)
{
    if (!store())
        return false;
    auto entry = std::find_if(m_rows.cbegin(), m_rows.cend(), [&](const ConflictEntry &c) { return c.id == conflictId; });
    const Entity entity = entry != m_rows.cend() ? entry->entity : Entity::Account;
    auto written = store()->restoreConflict(conflictId);
    if (!written) {
        qWarning("fieldnotes: restore failed: %s", qPrintable(written.error().message));
        return false;
    }
    session()->notifyRecordsChanged(entity);
    return true;
}

bool ConflictListModel::dismiss(qint64 conflictId)
{
    if (!store())
        return false;
    auto entry = std::find_if(m_rows.cbegin(), m_rows.cend(), [&](const ConflictEntry &c) { return c.id == conflictId; });
    const Entity entity = entry != m_rows.cend() ? entry->entity : Entity::Account;
    if (auto r = store()->dismissConflict(conflictId); !r) {
        qWarning("fieldnotes: dismiss failed: %s", qPrintable(r.error().message));
        return false;
    }
    session()->notifyRecordsChanged(entity);
    return true;
}

} // namespace fieldnotes::app
