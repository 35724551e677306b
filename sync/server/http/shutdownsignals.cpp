#include "sync/server/http/shutdownsignals.h"

#include <QObject>
#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {
namespace {

int g_writeFd = -1;

extern "C" void onShutdownSignal(int signal)
{
    const int savedErrno = errno;
    const char byte = char(signal);
    // write(2) is async-signal-safe; a full pipe means a wake-up is already pending, so the byte may be dropped.
    [[maybe_unused]] const ssize_t written = ::write(g_writeFd, &byte, 1);
    errno = savedErrno;
}

} // namespace

Result<void> installShutdownSignalHandler(QObject *context, std::function<void(int signal)> callback)
{
    if (g_writeFd >= 0)
        return makeError(ErrorCode::AlreadyExists, u"The shutdown signal handler is already installed."_s);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        return makeError(
            ErrorCode::Io, u"Cannot create the signal pipe: %1"_s.arg(QString::fromLocal8Bit(std::strerror(errno))));
    g_writeFd = fds[1];

    auto *notifier = new QSocketNotifier(fds[0], QSocketNotifier::Read, context);
    QObject::connect(
        notifier, &QSocketNotifier::activated, notifier, [readFd = fds[0], callback = std::move(callback)] {
            char bytes[16];
            ssize_t n;
            while ((n = ::read(readFd, bytes, sizeof bytes)) > 0) {
                for (ssize_t i = 0; i < n; ++i)
                    callback(int(static_cast<unsigned char>(bytes[i])));
            }
        });

    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = onShutdownSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signal : {SIGTERM, SIGINT}) {
        if (::sigaction(signal, &action, nullptr) != 0)
            return makeError(ErrorCode::Io, u"Cannot install the handler for signal %1."_s.arg(signal));
    }
    return {};
}

} // namespace fieldnotes::http
