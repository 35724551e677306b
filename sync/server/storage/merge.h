#pragma once

#include "protocol/protocol.h"
#include "storage/role.h"

#include <QJsonObject>
#include <QList>
#include <QMap>

namespace fieldnotes::server {

/** A conflict as stored: a value that lost a concurrent edit, and the record seq at which it was recorded. */
struct StoredConflict
{
    QString field;
    QJsonValue value;
    Hlc hlc;
    qint64 seq = 0;
};

/** One record row of one team as the merge sees it. */
struct StoredRecord
{
    bool exists = false;
    Entity entity = Entity::Account;
    QString recordId;
    bool deleted = false;
    QJsonObject fields; ///< null values are kept: a cleared field still has an hlc
    QMap<QString, Hlc> fieldHlcs;
    QMap<QString, qint64> fieldSeqs; ///< the seq at which each field's current value was stored
    Hlc hlc; ///< newest stamp of any field or of the delete
    qint64 seq = 0;
    QList<StoredConflict> conflicts;
};

struct MergeOptions
{
    qint64 serverNowMs = 0;
    qint64 maxClockAheadMs = protocol::kMaxClockAheadMs;
    /// The seq up to which the pushing device has pulled every change it may see (the cursor its push carried, at
    /// most the team's last seq before the push); 0 when unknown. See applyMutation and decision 0030.
    qint64 pusherSeenUpTo = 0;
};

struct MergeOutcome
{
    protocol::MutationResult result;
    bool changed = false; ///< the row (or its conflicts) changed: it gets `seq`
    /// An upsert stored as the device that sent it holds the record, if that device held the record as it was
    /// stored: every field written with the mutation's hlc (a create, or a newer stamp), no conflict before or after.
    /// Such a change need not be pulled back by that device (decision 0025).
    bool exact = false;
};

/**
 * Applies one mutation to one record (SYNC-API.md "Merge rules"): role, validation and clock checks, then
 * field-level last-writer-wins with concurrent losers kept as conflicts, and tombstones that win over every edit.
 * `seq` is the sequence number the record gets if it changes. Pure: no storage, so it can be reasoned about alone.
 */
MergeOutcome applyMutation(
    StoredRecord &record, const protocol::Mutation &mutation, Role role, qint64 seq, const MergeOptions &options);

/** Whether `role` may see this record's content; sales sees accounts, contacts, tags, leads, published insights. */
bool isVisibleTo(Role role, Entity entity, const QJsonObject &fields);
/** Whether `role` may ever see records of this entity (sales: never conversations or guides). */
bool isEntityReadable(Role role, Entity entity);

/**
 * What a pull carries of a record for a sales user; every other role gets the whole change. Stored with each
 * record (`records.sales_view`) so that a pull never parses stored JSON to filter (decision 0008): a change in
 * these rules needs a migration that recomputes the column.
 */
enum class SalesView {
    Never = 0, ///< conversations and guides: not sent at all
    Removal = 1, ///< `{"deleted": true}` without fields, field hlcs or conflicts: an unpublished or deleted insight
    Full = 2, ///< the change as every role sees it (a tombstone with its conflicts, for restoring)
};
SalesView salesView(const StoredRecord &record);

} // namespace fieldnotes::server
