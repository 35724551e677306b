#include "sync/client/pushbatch.h"

#include "protocol/protocol.h"

namespace fieldnotes::sync {

Result<PushBatch> readPushBatch(Store &store, int limit, qint64 afterSeq)
{
    PushBatch batch;
    // The version first: a write after it (here, or by another connection before the read) makes it differ later.
    auto version = store.outboxVersion();
    if (!version)
        return version.error();
    batch.version = *version;
    auto entries = store.pendingMutationTexts(limit, afterSeq);
    if (!entries)
        return entries.error();
    qsizetype bytes = 32;
    for (const OutboxText &entry : std::as_const(*entries))
        bytes += entry.fields.size() + entry.base.size() + entry.hlc.size() + 160;
    protocol::PushBodyWriter writer(bytes);
    batch.ids.reserve(entries->size());
    for (const OutboxText &entry : std::as_const(*entries)) {
        // As the outbox's text is read into an OutboxEntry and a protocol::Mutation: an unknown entity name would
        // be an account there too, and anything but "delete" an upsert.
        const Entity entity = entityFromName(QString::fromUtf8(entry.entity)).value_or(Entity::Account);
        const protocol::Op op = entry.op == "delete" ? protocol::Op::Delete : protocol::Op::Upsert;
        writer.append(entry.mutationId, entity, entry.recordId, op, entry.hlc, entry.fields, entry.base);
        batch.ids << QString::fromUtf8(entry.mutationId);
        batch.lastSeq = entry.seq;
    }
    batch.body = writer.take();
    return batch;
}

} // namespace fieldnotes::sync
