#pragma once

#include <QString>

#include <optional>

namespace fieldnotes::server {

/** ARCHITECTURE.md "Roles". */
enum class Role { Admin, Marketer, Sales };

inline QString roleName(Role role)
{
    switch (role) {
    case Role::Admin:
        return QStringLiteral("admin");
    case Role::Marketer:
        return QStringLiteral("marketer");
    case Role::Sales:
        return QStringLiteral("sales");
    }
    return QStringLiteral("sales");
}

inline std::optional<Role> roleFromName(QStringView name)
{
    if (name == u"admin")
        return Role::Admin;
    if (name == u"marketer")
        return Role::Marketer;
    if (name == u"sales")
        return Role::Sales;
    return std::nullopt;
}

/** Who is calling: from the device token. Every storage call is scoped to this team. */
struct AuthContext
{
    QString userId;
    QString teamId;
    Role role = Role::Sales;
    QString deviceId;
};

} // namespace fieldnotes::server
