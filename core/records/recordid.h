#pragma once

#include <QString>

namespace fieldnotes {

/**
 * A new record or mutation id: a UUID version 7 (RFC 9562), lowercase, without braces. Its first 48 bits are the
 * Unix time in ms, so ids made one after another sort together: the stores' unique indexes on ids take new rows
 * near their end instead of at random pages (decision 0013). The remaining 74 bits are random.
 */
QString newRecordId();

/// The same, for a given time (ms since the epoch): for tests.
QString newRecordId(qint64 unixMs);

} // namespace fieldnotes
