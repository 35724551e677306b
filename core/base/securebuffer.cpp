#include "base/securebuffer.h"

#include <QtGlobal>

#include <sodium.h>

#include <cstring>
#include <new>
#include <utility>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/resource.h>
#endif
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace fieldnotes {

void ensureSodiumInitialized()
{
    // A function-local static is initialised exactly once even with concurrent callers (C++11 magic statics);
    // sodium_init() is itself idempotent, this just keeps the hot path free of its internal lock.
    static const bool initialized = sodium_init() >= 0;
    if (!initialized)
        qFatal("libsodium could not be initialised; refusing to handle secrets without it");
}

namespace {

unsigned char *allocateGuarded(std::size_t size)
{
    ensureSodiumInitialized();
    // sodium_malloc() places the block against a guard page, mlocks it and fills it with 0xdb (not zero);
    // sodium_free() zeroes and unlocks it. Failing to mlock (RLIMIT_MEMLOCK) is not an error in libsodium.
    auto *memory = static_cast<unsigned char *>(sodium_malloc(size));
    if (memory == nullptr)
        throw std::bad_alloc();
    return memory;
}

} // namespace

SecureBuffer::SecureBuffer(std::size_t size)
{
    if (size == 0)
        return;
    m_data = allocateGuarded(size);
    m_size = size;
    sodium_memzero(m_data, m_size);
}

SecureBuffer::~SecureBuffer()
{
    clear();
}

SecureBuffer::SecureBuffer(SecureBuffer &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{ }

SecureBuffer &SecureBuffer::operator=(SecureBuffer &&other) noexcept
{
    if (this != &other) {
        clear();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

SecureBuffer SecureBuffer::random(std::size_t size)
{
    SecureBuffer buffer(size);
    if (size > 0)
        randombytes_buf(buffer.m_data, size);
    return buffer;
}

SecureBuffer SecureBuffer::fromBytes(const char *bytes, std::size_t size)
{
    SecureBuffer buffer(size);
    if (size > 0)
        std::memcpy(buffer.m_data, bytes, size);
    return buffer;
}

SecureBuffer SecureBuffer::fromByteArray(QByteArray &&bytes)
{
    SecureBuffer buffer = fromBytes(bytes.constData(), static_cast<std::size_t>(bytes.size()));
    if (!bytes.isEmpty())
        sodium_memzero(bytes.data(), static_cast<std::size_t>(bytes.size()));
    return buffer;
}

SecureBuffer SecureBuffer::clone() const
{
    return fromBytes(reinterpret_cast<const char *>(m_data), m_size);
}

void SecureBuffer::clear() noexcept
{
    if (m_data != nullptr)
        sodium_free(m_data); // zeroes, unlocks and unmaps
    m_data = nullptr;
    m_size = 0;
}

bool SecureBuffer::equals(const SecureBuffer &other) const noexcept
{
    if (m_size != other.m_size)
        return false;
    if (m_size == 0)
        return true;
    return sodium_memcmp(m_data, other.m_data, m_size) == 0;
}

QByteArray SecureBuffer::copyToByteArrayForKeystore() const
{
    return QByteArray(reinterpret_cast<const char *>(m_data), static_cast<qsizetype>(m_size));
}

void scrubByteArray(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        sodium_memzero(bytes.data(), static_cast<std::size_t>(bytes.size()));
    bytes.clear();
}

void scrubString(QString &text)
{
    if (!text.isEmpty())
        sodium_memzero(text.data(), static_cast<std::size_t>(text.size()) * sizeof(QChar));
    text.clear();
}

void disableCoreDumps()
{
#ifdef Q_OS_UNIX
    const rlimit none {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        qWarning("Could not disable core dumps (setrlimit: %s)", std::strerror(errno));
#endif
#ifdef Q_OS_LINUX
    // Also covers what RLIMIT_CORE does not: systemd-coredump pipes and ptrace/process_vm_readv by
    // other processes running as the same user.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        qWarning("Could not mark the process as not dumpable (prctl: %s)", std::strerror(errno));
#endif
}

} // namespace fieldnotes
