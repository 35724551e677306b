#pragma once

#include "base/result.h"

namespace fieldnotes {

class Database;

/**
 * The search index's ranking function, `fieldnotes_rank(search, weight, ...)`: FTS5's bm25() without the scan
 * that only changes the scores, not their order (decision 0020).
 */
class SearchRank final
{
public:
    static constexpr const char *kFunctionName = "fieldnotes_rank";

    /// Registers the function on the connection (every connection that searches needs it).
    [[nodiscard]] static Result<void> install(Database &db);
};

} // namespace fieldnotes
