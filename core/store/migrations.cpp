#include "store/migrations.h"

#include "store/sqlite.h"

#include <QByteArray>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

struct Migration
{
    int version;
    const char *sql;
};

// Never edit a migration that has shipped: add the next one. Column names are the API field names;
// lists are JSON arrays in TEXT columns. `field_hlcs` maps each field to the HLC of its value.
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE accounts (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    name TEXT, domain TEXT, segment TEXT, owner_email TEXT);
CREATE INDEX accounts_name ON accounts (name COLLATE NOCASE) WHERE deleted = 0;

CREATE TABLE contacts (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    account_id TEXT, name TEXT, title TEXT, email TEXT, phone TEXT);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    account_id TEXT, contact_ids TEXT, title TEXT, occurred_at TEXT, channel TEXT, consent INTEGER, notes TEXT,
    status TEXT);
CREATE INDEX conversations_account ON conversations (account_id, occurred_at);
CREATE INDEX conversations_time ON conversations (occurred_at) WHERE deleted = 0;

CREATE TABLE insights (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    conversation_id TEXT, account_id TEXT, kind TEXT, text TEXT, quote TEXT, importance INTEGER, tags TEXT,
    published INTEGER);
CREATE INDEX insights_account ON insights (account_id);
CREATE INDEX insights_conversation ON insights (conversation_id);

CREATE TABLE tags (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    name TEXT, color TEXT);

CREATE TABLE leads (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    account_id TEXT, recommendation TEXT, priority INTEGER, horizon TEXT, status TEXT, outcome TEXT);
CREATE INDEX leads_account ON leads (account_id);

CREATE TABLE guides (
    id TEXT PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0, hlc TEXT NOT NULL, field_hlcs TEXT NOT NULL DEFAULT '{}',
    title TEXT, questions TEXT);

-- Local changes not yet acknowledged by the server, in the order they were made.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    hlc TEXT NOT NULL,
    fields TEXT,
    base TEXT,
    created_ms INTEGER NOT NULL);
)sql"},
    {2, R"sql(
-- Full-text search: one document per searchable record; the FTS rowid is search_docs.docid.
CREATE TABLE search_docs (docid INTEGER PRIMARY KEY, entity TEXT NOT NULL, record_id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE search USING fts5 (title, body, extra, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO search_docs (entity, record_id)
    SELECT 'account', id FROM accounts WHERE deleted = 0
    UNION ALL SELECT 'conversation', id FROM conversations WHERE deleted = 0
    UNION ALL SELECT 'insight', id FROM insights WHERE deleted = 0;
INSERT INTO search (rowid, title, body, extra)
    SELECT d.docid, coalesce(a.name, ''), coalesce(a.domain, ''), coalesce(a.segment, '')
    FROM search_docs d JOIN accounts a ON a.id = d.record_id WHERE d.entity = 'account';
INSERT INTO search (rowid, title, body, extra)
    SELECT d.docid, coalesce(c.title, ''), coalesce(c.notes, ''), ''
    FROM search_docs d JOIN conversations c ON c.id = d.record_id WHERE d.entity = 'conversation';
INSERT INTO search (rowid, title, body, extra)
    SELECT d.docid, '', coalesce(i.text, ''), coalesce(i.quote, '')
    FROM search_docs d JOIN insights i ON i.id = d.record_id WHERE d.entity = 'insight';
)sql"},
    {3, R"sql(
-- Sync: the pull looks up pending edits by record.
CREATE INDEX outbox_record ON outbox (record_id);
-- Values that lost a merge, kept until the user restores or dismisses them. origin: 'server' (kept by the server
-- on the record, replaced by every pull of it), 'superseded' or 'rejected' (this device's pushed value lost).
CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    hlc TEXT NOT NULL,
    device_id TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('server', 'superseded', 'rejected')),
    reason TEXT,
    created_ms INTEGER NOT NULL,
    UNIQUE (record_id, field, hlc));
)sql"},
    {4, R"sql(
-- Live records are counted at every sync (the mass-delete guard) as all rows minus the deleted ones: from the
-- smallest index and these, not from the tables. Only deleted rows are in them, so no query on live records can
-- pick them by mistake (an index on `deleted` alone did, without planner statistics: whole-table scans).
CREATE INDEX accounts_deleted ON accounts (deleted) WHERE deleted = 1;
CREATE INDEX contacts_deleted ON contacts (deleted) WHERE deleted = 1;
CREATE INDEX conversations_deleted ON conversations (deleted) WHERE deleted = 1;
CREATE INDEX insights_deleted ON insights (deleted) WHERE deleted = 1;
CREATE INDEX tags_deleted ON tags (deleted) WHERE deleted = 1;
CREATE INDEX leads_deleted ON leads (deleted) WHERE deleted = 1;
CREATE INDEX guides_deleted ON guides (deleted) WHERE deleted = 1;
-- The insights explorer lists the newest change first (Store::insightSummaries).
CREATE INDEX insights_recent ON insights (hlc DESC, id);
)sql"},
    {5, R"sql(
-- Search as you type: the word being typed is a prefix term, and FTS5 merges the doclists of every term a prefix
-- starts, which for two or three letters is hundreds of terms (45-95 ms at 100k records). Prefix indexes keep one
-- doclist per 2- and 3-character prefix (decision 0024). FTS5 cannot add them to a table: it is rebuilt.
CREATE VIRTUAL TABLE search_prefixed USING fts5 (title, body, extra, tokenize = 'unicode61 remove_diacritics 2',
                                                 prefix = '2 3');
INSERT INTO search_prefixed (rowid, title, body, extra) SELECT rowid, title, body, extra FROM search;
PRAGMA secure_delete = FAST;
DROP TABLE search;
PRAGMA secure_delete = ON;
ALTER TABLE search_prefixed RENAME TO search;
)sql"},
    {6, R"sql(
-- Pulled records whose search text is not indexed yet (decision 0027): a large pulled page is written without its
-- search rows, which are added afterwards in small transactions (Store::indexSearchBacklog).
CREATE TABLE search_backlog (record_id TEXT PRIMARY KEY, entity TEXT NOT NULL) WITHOUT ROWID;
)sql"},
    {7, R"sql(
-- The backlog in the order its records were pulled (its rowid), so that the drain gives them search rows in that
-- order, as indexing at once does: the ranking weighs the newest rows (decision 0004). Rows from version 6 keep the
-- order of their ids, the only one they had.
CREATE TABLE search_backlog_ordered (record_id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL);
INSERT INTO search_backlog_ordered (record_id, entity) SELECT record_id, entity FROM search_backlog ORDER BY record_id;
DROP TABLE search_backlog;
ALTER TABLE search_backlog_ordered RENAME TO search_backlog;
)sql"},
};

} // namespace

int Migrations::latestVersion()
{
    return std::end(kMigrations)[-1].version;
}

Result<int> Migrations::currentVersion(Database &db)
{
    auto version = db.scalar("PRAGMA user_version");
    if (!version)
        return version.error();
    return version->toInt();
}

Result<void> Migrations::migrate(Database &db, int target)
{
    if (target < 0)
        target = latestVersion();
    auto current = currentVersion(db);
    if (!current)
        return current.error();
    if (*current > latestVersion()) {
        return makeError(ErrorCode::Incompatible,
                         u"This store was written by a newer version of Fieldnotes (schema %1; this version knows up "
                         u"to %2). Update Fieldnotes to open it."_s.arg(*current)
                             .arg(latestVersion()));
    }
    for (const Migration &migration : kMigrations) {
        if (migration.version <= *current || migration.version > target)
            continue;
        Transaction transaction(db);
        if (auto r = transaction.begin(); !r)
            return r.error();
        if (auto r = db.exec(migration.sql); !r)
            return r.error();
        const QByteArray setVersion = "PRAGMA user_version = " + QByteArray::number(migration.version);
        if (auto r = db.exec(setVersion.constData()); !r)
            return r.error();
        if (auto r = transaction.commit(); !r)
            return r.error();
    }
    return {};
}

} // namespace fieldnotes
