#include "platform/keystoreblocking.h"

#include "platform/keystore.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <memory>
#include <optional>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

// Shared with the callback, which may outlive the wait when it arrives after the timeout.
template<typename T> struct Wait
{
    std::optional<Result<T>> result;
    QPointer<QEventLoop> loop;
};

template<typename T, typename Start> Result<T> waitFor(Start start, int timeoutMs, const QString &what)
{
    if (QCoreApplication::instance() == nullptr)
        return makeError(ErrorCode::Internal, u"%1 needs a QCoreApplication."_s.arg(what));
    if (QThread::currentThread()->loopLevel() > 0) {
        return makeError(ErrorCode::Internal,
            u"%1 must not be used while an event loop is running; use the asynchronous KeyStore API."_s.arg(what));
    }

    auto wait = std::make_shared<Wait<T>>();
    start([wait](Result<T> result) {
        wait->result.emplace(std::move(result));
        if (wait->loop)
            wait->loop->quit();
    });

    if (!wait->result) {
        QEventLoop loop;
        wait->loop = &loop;
        QTimer timer;
        timer.setSingleShot(true);
        QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        timer.start(timeoutMs);
        loop.exec();
        wait->loop = nullptr;
    }
    if (!wait->result) {
        return makeError(ErrorCode::Unavailable,
            u"The keystore did not answer within %1 seconds."_s.arg(timeoutMs / 1000.0, 0, 'f', 1));
    }
    Result<T> result = std::move(*wait->result);
    wait->result.reset();
    return result;
}

} // namespace

Result<SecureBuffer> readSecretBlocking(KeyStore &store, const QString &name, int timeoutMs)
{
    return waitFor<SecureBuffer>([&](KeyStore::ReadCallback done) { store.readSecret(name, std::move(done)); },
        timeoutMs, u"readSecretBlocking()"_s);
}

Result<void> writeSecretBlocking(KeyStore &store, const QString &name, const SecureBuffer &secret, int timeoutMs)
{
    return waitFor<void>([&](KeyStore::DoneCallback done) { store.writeSecret(name, secret, std::move(done)); },
        timeoutMs, u"writeSecretBlocking()"_s);
}

Result<void> removeSecretBlocking(KeyStore &store, const QString &name, int timeoutMs)
{
    return waitFor<void>([&](KeyStore::DoneCallback done) { store.removeSecret(name, std::move(done)); }, timeoutMs,
        u"removeSecretBlocking()"_s);
}

} // namespace fieldnotes
