#pragma once

#include "base/result.h"

namespace fieldnotes {

class Database;

/** The numbered schema migrations of the local store; each runs once, in its own transaction. */
class Migrations final
{
public:
    /// The schema version this build writes.
    static int latestVersion();
    /// PRAGMA user_version of the open database.
    [[nodiscard]] static Result<int> currentVersion(Database &db);
    /// Brings the database to `target` (default: latest). Refuses a database newer than this build.
    [[nodiscard]] static Result<void> migrate(Database &db, int target = -1);
};

} // namespace fieldnotes
