#pragma once

#include "core/base/result.h"

#include <functional>

class QObject;

namespace fieldnotes::http {

/**
 * Calls @p callback (with the signal number) on @p context's thread whenever the process receives SIGTERM or
 * SIGINT. The signal handler only writes a byte to a self-pipe (async-signal-safe); a QSocketNotifier reads it in
 * the event loop. Install once per process, from the thread of @p context (usually the QCoreApplication); the
 * notifier is a child of @p context. Typical use: the first signal calls HttpServer::shutdown(), whose
 * shutdownFinished() quits the application.
 */
[[nodiscard]] Result<void> installShutdownSignalHandler(QObject *context, std::function<void(int signal)> callback);

} // namespace fieldnotes::http
