#include "rolepolicy.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::app {

RolePolicy::RolePolicy(QObject *parent) : QObject(parent) { }

void RolePolicy::setRole(const QString &role)
{
    if (role == m_role)
        return;
    m_role = role;
    emit roleChanged();
}

bool RolePolicy::mayEditAll(const QString &role)
{
    return role.isEmpty() || role == u"admin"_s || role == u"marketer"_s;
}

bool RolePolicy::mayWrite(const QString &role, Entity entity, bool creating, const QStringList &fields)
{
    if (mayEditAll(role))
        return true;
    // Sales: the status and outcome of an existing lead, nothing else (the server answers `forbidden`).
    if (entity != Entity::Lead || creating)
        return false;
    for (const QString &field : fields) {
        if (field != u"status"_s && field != u"outcome"_s)
            return false;
    }
    return true;
}

bool RolePolicy::mayRemove(const QString &role, Entity /*entity*/)
{
    return mayEditAll(role);
}

bool RolePolicy::mayRead(const QString &role, Entity entity)
{
    if (mayEditAll(role))
        return true;
    switch (entity) {
    case Entity::Account:
    case Entity::Contact:
    case Entity::Insight:
    case Entity::Tag:
    case Entity::Lead:
        return true;
    case Entity::Conversation:
    case Entity::Guide:
        return false;
    }
    return false;
}

bool RolePolicy::mayRead(const QString &role, Entity entity, const QJsonObject &fields)
{
    if (!mayRead(role, entity))
        return false;
    return !readsPerRecord(role, entity) || fields.value(u"published"_s).toBool();
}

bool RolePolicy::readsPerRecord(const QString &role, Entity entity)
{
    return !mayEditAll(role) && entity == Entity::Insight;
}

} // namespace fieldnotes::app
