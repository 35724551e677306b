#pragma once

#include "base/result.h"
#include "base/securebuffer.h"

#include <QString>

namespace fieldnotes {

class KeyStore;

// Synchronous wrappers around the async KeyStore, for top-level callers that have no event loop of their own:
// the command-line tool's main(). Each one spins a local QEventLoop until the callback arrives or the timeout
// expires. Never use them in the app or in library code: a nested event loop re-enters whatever is already on
// the stack (that is why KeyStore is callback-based). They refuse with ErrorCode::Internal when an event loop is
// already running on this thread. A QCoreApplication must exist. A timeout gives ErrorCode::Unavailable; the
// late answer, if it ever comes, is discarded (a late secret is wiped).

/** KeyStore::readSecret(), waited for. */
[[nodiscard]] Result<SecureBuffer> readSecretBlocking(KeyStore &store, const QString &name, int timeoutMs = 30000);

/** KeyStore::writeSecret(), waited for. */
[[nodiscard]] Result<void> writeSecretBlocking(
    KeyStore &store, const QString &name, const SecureBuffer &secret, int timeoutMs = 30000);

/** KeyStore::removeSecret(), waited for. */
[[nodiscard]] Result<void> removeSecretBlocking(KeyStore &store, const QString &name, int timeoutMs = 30000);

} // namespace fieldnotes
