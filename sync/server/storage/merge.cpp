#include "storage/merge.h"

#include "records/validator.h"

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::server {

using protocol::Mutation;
using protocol::MutationStatus;
using protocol::Op;

namespace {

MergeOutcome rejected(const Mutation &m, const QString &code, const QString &message)
{
    MergeOutcome outcome;
    outcome.result.id = m.id;
    outcome.result.status = MutationStatus::Rejected;
    outcome.result.error = code;
    outcome.result.message = message;
    return outcome;
}

// Adds a conflict unless the same value of that field at that hlc is already kept.
bool addConflict(StoredRecord &record, const QString &field, const QJsonValue &value, const Hlc &hlc, qint64 seq)
{
    for (const StoredConflict &c : record.conflicts) {
        if (c.field == field && c.hlc == hlc)
            return false;
    }
    record.conflicts.append(StoredConflict {field, value, hlc, seq});
    return true;
}

std::optional<Hlc> baseOf(const Mutation &m, const QString &field)
{
    return m.base.value(field, std::nullopt);
}

const QStringList &salesWritableLeadFields()
{
    static const QStringList fields {u"status"_s, u"outcome"_s};
    return fields;
}

} // namespace

bool isEntityReadable(Role role, Entity entity)
{
    if (role != Role::Sales)
        return true;
    return entity == Entity::Account || entity == Entity::Contact || entity == Entity::Tag || entity == Entity::Lead
        || entity == Entity::Insight;
}

bool isVisibleTo(Role role, Entity entity, const QJsonObject &fields)
{
    if (!isEntityReadable(role, entity))
        return false;
    if (role == Role::Sales && entity == Entity::Insight)
        return fields.value(u"published"_s).toBool(false);
    return true;
}

SalesView salesView(const StoredRecord &record)
{
    if (!isEntityReadable(Role::Sales, record.entity))
        return SalesView::Never;
    if (record.deleted) {
        // A tombstone keeps its last values as conflicts for restoring; a deleted insight's content may never
        // have been published, so sales gets none of it.
        return record.entity == Entity::Insight ? SalesView::Removal : SalesView::Full;
    }
    // Left (or never entered) this user's visibility: a removal, without content.
    return isVisibleTo(Role::Sales, record.entity, record.fields) ? SalesView::Full : SalesView::Removal;
}

MergeOutcome applyMutation(StoredRecord &record, const Mutation &m, Role role, qint64 seq, const MergeOptions &options)
{
    // What the wire's decoder guarantees, checked again for callers that build mutations themselves: the stamp is
    // stored and sent to every device of the team, and a device refuses a page with a stamp it cannot read.
    if (!Hlc::parse(m.hlc.toString()))
        return rejected(m, u"bad_request"_s, u"the hlc is not valid"_s);

    // The clock: a stamp far ahead would win every later edit for as long as it stays ahead.
    if (m.hlc.millis > options.serverNowMs + options.maxClockAheadMs) {
        return rejected(m, u"bad_request"_s,
            u"the device clock is ahead of the server's by more than %1 minutes; correct the device's "
            "clock and edit again"_s.arg(options.maxClockAheadMs / 60000.0));
    }

    // Roles (ARCHITECTURE.md): sales may only change status and outcome of existing leads.
    if (role == Role::Sales) {
        if (m.entity != Entity::Lead || m.op != Op::Upsert)
            return rejected(m, u"forbidden"_s, u"sales may only change the status and outcome of leads"_s);
        if (!record.exists || record.entity != Entity::Lead)
            return rejected(m, u"forbidden"_s, u"sales may only change leads that exist"_s);
        for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
            if (!salesWritableLeadFields().contains(it.key()))
                return rejected(m, u"forbidden"_s, u"sales may only change the status and outcome of leads"_s);
        }
    }

    if (record.exists && record.entity != m.entity) {
        return rejected(m, u"bad_request"_s,
            u"record_id names a %1, not a %2"_s.arg(entityName(record.entity), entityName(m.entity)));
    }

    if (m.op == Op::Upsert) {
        const auto mode = record.exists ? Validator::Mode::Update : Validator::Mode::Create;
        if (auto valid = Validator::validateFields(m.entity, m.fields, mode); !valid)
            return rejected(m, u"bad_request"_s, valid.error().message);
    } else if (!m.fields.isEmpty()) {
        return rejected(m, u"bad_request"_s, u"a delete carries no fields"_s);
    }

    MergeOutcome outcome;
    outcome.result.id = m.id;
    outcome.result.status = MutationStatus::Applied;
    if (m.op == Op::Delete) {
        if (!record.exists) {
            // A tombstone for a record this server has not seen yet: its create, when it arrives, loses.
            record.exists = true;
            record.entity = m.entity;
            record.deleted = true;
            record.hlc = m.hlc;
            outcome.changed = true;
            return outcome;
        }
        if (record.deleted) {
            if (m.hlc > record.hlc) {
                record.hlc = m.hlc;
                outcome.changed = true;
            }
            return outcome;
        }
        // Keep the last values as conflicts so a person can restore them; a delete wins over every edit.
        for (auto it = record.fields.begin(); it != record.fields.end(); ++it) {
            if (!it.value().isNull())
                addConflict(record, it.key(), it.value(), record.fieldHlcs.value(it.key()), seq);
        }
        record.fields = {};
        record.fieldHlcs.clear();
        record.fieldSeqs.clear();
        record.deleted = true;
        record.hlc = std::max(record.hlc, m.hlc);
        outcome.changed = true;
        return outcome;
    }

    if (!record.exists) {
        record.exists = true;
        record.entity = m.entity;
        record.deleted = false;
        record.fields = m.fields;
        for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
            record.fieldHlcs.insert(it.key(), m.hlc);
            record.fieldSeqs.insert(it.key(), seq);
        }
        record.hlc = m.hlc;
        outcome.changed = true;
        outcome.exact = true;
        return outcome;
    }

    if (record.deleted) {
        // An edit of a deleted record: its values become conflicts; the record never comes back by itself.
        for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
            outcome.result.lostFields << it.key();
            if (addConflict(record, it.key(), it.value(), m.hlc, seq))
                outcome.changed = true;
        }
        if (!outcome.result.lostFields.isEmpty())
            outcome.result.status = MutationStatus::Superseded;
        return outcome;
    }

    const bool hadConflicts = !record.conflicts.isEmpty();
    bool everyFieldWritten = true;
    for (auto it = m.fields.begin(); it != m.fields.end(); ++it) {
        const QString &field = it.key();
        const bool stored = record.fieldHlcs.contains(field);
        const std::optional<Hlc> storedHlc = stored ? std::optional<Hlc>(record.fieldHlcs.value(field)) : std::nullopt;
        // A device never edits concurrently with itself: its own stored value is one it had, whatever its base
        // says (a device drops an unsent edit that a later one overwrote, and sends the later one with the base of
        // the first: SYNC-API.md, decision 0013).
        const bool ownValue = storedHlc && storedHlc->deviceId == m.hlc.deviceId;
        const bool concurrent = !ownValue && baseOf(m, field) != storedHlc;

        // A value equal to the one stored is not lost, whichever stamp is newer: two devices that wrote the same
        // value (the same default guide, a lead both marked won) leave nothing for a person to review.
        const bool sameValue = storedHlc && record.fields.value(field) == it.value();
        if (!storedHlc || m.hlc > *storedHlc) {
            if (storedHlc && !concurrent) {
                // A plain overwrite by a device that had the current value, and with it every conflict of the
                // field recorded up to when that value was stored: those are resolved. The stored value written
                // again over itself is how a device dismisses the field's conflicts: that resolves every one the
                // device had pulled, also those recorded after the value was stored (decision 0030).
                qint64 knownUpTo = record.fieldSeqs.value(field, 0);
                if (sameValue)
                    knownUpTo = std::max(knownUpTo, options.pusherSeenUpTo);
                record.conflicts.removeIf(
                    [&](const StoredConflict &c) { return c.field == field && c.seq <= knownUpTo; });
            } else if (storedHlc && !sameValue) {
                // The stored value loses a concurrent edit: keep it.
                addConflict(record, field, record.fields.value(field), *storedHlc, seq);
            }
            // A conflict holding the value now stored (a restored one) lost nothing: it goes (decision 0030).
            record.conflicts.removeIf(
                [&](const StoredConflict &c) { return c.field == field && c.value == it.value(); });
            record.fields.insert(field, it.value());
            record.fieldHlcs.insert(field, m.hlc);
            record.fieldSeqs.insert(field, seq);
            outcome.changed = true;
        } else {
            everyFieldWritten = false;
            if (m.hlc < *storedHlc && !sameValue) {
                outcome.result.lostFields << field;
                if (concurrent && addConflict(record, field, it.value(), m.hlc, seq))
                    outcome.changed = true;
            }
            // Equal hlc: this very edit is already stored (the same stamp is never issued twice).
        }
    }
    if (outcome.changed)
        record.hlc = std::max(record.hlc, m.hlc);
    outcome.exact = outcome.changed && everyFieldWritten && !hadConflicts && record.conflicts.isEmpty();
    if (!outcome.result.lostFields.isEmpty())
        outcome.result.status = MutationStatus::Superseded;
    return outcome;
}

} // namespace fieldnotes::server
