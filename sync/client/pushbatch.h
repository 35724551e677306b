#pragma once

#include "base/result.h"
#include "store/store.h"

#include <QByteArray>
#include <QStringList>

namespace fieldnotes::sync {

/**
 * One push request as the engine sends it: the body written straight from the outbox's stored text
 * (protocol::PushBodyWriter: the same bytes encode(PushRequest) writes for those entries, without parsing their JSON),
 * the ids it carries and where in the outbox it ends.
 */
struct PushBatch
{
    QByteArray body;
    QStringList ids; ///< the mutation ids, in the body's order: the answer names them in this order
    qint64 lastSeq = 0; ///< the highest outbox seq in the batch
    OutboxVersion version; ///< the outbox's version before the entries were read (Store::outboxVersion)

    [[nodiscard]] bool isEmpty() const { return ids.isEmpty(); }
};

/// Reads up to `limit` outbox entries with a seq above `afterSeq`, oldest first, and writes their push body.
[[nodiscard]] Result<PushBatch> readPushBatch(Store &store, int limit, qint64 afterSeq = 0);

} // namespace fieldnotes::sync
