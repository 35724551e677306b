#include "store/searchrank.h"

#include "store/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

// What FTS5's bm25() computes once per query (fts5_aux.c, SQLite 3.46): the average row size and each phrase's IDF.
struct QueryData
{
    int phraseCount = 0;
    double averageSize = 0;
    std::vector<double> idf;
    std::vector<double> frequency; // per row, reused
};

struct PhraseCount
{
    sqlite3_int64 hits = 0;
    sqlite3_int64 rows = 0;
};

int countHit(const Fts5ExtensionApi *, Fts5Context *, void *user)
{
    auto *count = static_cast<PhraseCount *>(user);
    ++count->hits;
    // From half of the rows on, bm25's IDF is negative and clamped to 1e-6: counting on cannot change it, and a
    // common word is in most of 100k rows.
    return count->hits * 2 >= count->rows ? SQLITE_DONE : SQLITE_OK;
}

int prepareQuery(const Fts5ExtensionApi *api, Fts5Context *fts, QueryData &data)
{
    data.phraseCount = api->xPhraseCount(fts);
    sqlite3_int64 rows = 0;
    sqlite3_int64 tokens = 0;
    int rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK)
        data.averageSize = double(tokens) / double(rows);
    data.idf.assign(size_t(data.phraseCount), 1.0);
    data.frequency.assign(size_t(data.phraseCount), 0.0);
    // With one phrase, its IDF multiplies every score by the same positive number: the order is the same without
    // it. Computing it reads every row that matches (xQueryPhrase), and for a prefix term FTS5 merges the doclists
    // of every term it starts once more: that was most of a search-as-you-type keystroke (decision 0020).
    if (data.phraseCount < 2)
        return rc;
    for (int i = 0; rc == SQLITE_OK && i < data.phraseCount; ++i) {
        PhraseCount count{0, rows};
        rc = api->xQueryPhrase(fts, i, &count, countHit);
        // bm25()'s formula and clamp, in the same floating-point operations: the same scores, bit for bit.
        double idf = std::log((count.rows - count.hits + 0.5) / (count.hits + 0.5));
        if (idf <= 0.0)
            idf = 1e-6;
        data.idf[size_t(i)] = idf;
    }
    return rc;
}

void rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *context, int argCount, sqlite3_value **args)
{
    constexpr double k1 = 1.2;
    constexpr double b = 0.75;
    auto *data = static_cast<QueryData *>(api->xGetAuxdata(fts, 0));
    int rc = SQLITE_OK;
    if (!data) {
        auto fresh = std::make_unique<QueryData>();
        rc = prepareQuery(api, fts, *fresh);
        if (rc == SQLITE_OK) {
            data = fresh.get();
            // xSetAuxdata owns the object from here on, even when it fails.
            rc = api->xSetAuxdata(fts, fresh.release(), [](void *p) { delete static_cast<QueryData *>(p); });
        }
        if (rc != SQLITE_OK) {
            sqlite3_result_error_code(context, rc);
            return;
        }
    }
    std::fill(data->frequency.begin(), data->frequency.end(), 0.0);
    int instances = 0;
    rc = api->xInstCount(fts, &instances);
    for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
        int phrase = 0;
        int column = 0;
        int offset = 0;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK)
            data->frequency[size_t(phrase)] += argCount > column ? sqlite3_value_double(args[column]) : 1.0;
    }
    double size = 0;
    if (rc == SQLITE_OK) {
        int tokens = 0;
        rc = api->xColumnSize(fts, -1, &tokens);
        size = double(tokens);
    }
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(context, rc);
        return;
    }
    double score = 0.0;
    for (size_t i = 0; i < size_t(data->phraseCount); ++i) {
        const double f = data->frequency[i];
        score += data->idf[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * size / data->averageSize)));
    }
    sqlite3_result_double(context, -1.0 * score);
}

} // namespace

Result<void> SearchRank::install(Database &db)
{
    // The documented way to reach FTS5's API: fts5() writes it to a pointer bound with this type name.
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(db.handle(), "SELECT fts5(?1)", -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return db.lastError(u"reach the search index"_s);
    }
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> stmt(raw, &sqlite3_finalize);
    fts5_api *api = nullptr;
    if (sqlite3_bind_pointer(stmt.get(), 1, static_cast<void *>(&api), "fts5_api_ptr", nullptr) != SQLITE_OK
        || sqlite3_step(stmt.get()) != SQLITE_ROW) {
        return db.lastError(u"reach the search index"_s);
    }
    if (!api || api->iVersion < 2)
        return makeError(ErrorCode::Incompatible, u"The SQLCipher library has no usable full-text search."_s);
    if (api->xCreateFunction(api, kFunctionName, nullptr, &rank, nullptr) != SQLITE_OK)
        return db.lastError(u"register the search ranking"_s);
    return {};
}

} // namespace fieldnotes
