#pragma once

#include <QByteArray>
#include <QString>

#include <cstddef>

namespace fieldnotes {

/**
 * Calls sodium_init() once per process (thread-safe); aborts if libsodium cannot start, because nothing
 * that depends on it (random numbers, guarded memory) would be safe to use.
 */
void ensureSodiumInitialized();

/** Bytes of secret material in libsodium guarded memory: mlocked, fenced by guard pages, zeroed when freed. */
class SecureBuffer
{
public:
    SecureBuffer() noexcept = default;
    /** @p size zero bytes. Throws std::bad_alloc if guarded memory cannot be had. */
    explicit SecureBuffer(std::size_t size);
    ~SecureBuffer();

    SecureBuffer(SecureBuffer &&other) noexcept;
    SecureBuffer &operator=(SecureBuffer &&other) noexcept;
    SecureBuffer(const SecureBuffer &) = delete;
    SecureBuffer &operator=(const SecureBuffer &) = delete;

    /** @p size bytes from the operating system's CSPRNG. */
    [[nodiscard]] static SecureBuffer random(std::size_t size);
    /** A copy of @p size bytes at @p bytes; the caller remains responsible for scrubbing its own copy. */
    [[nodiscard]] static SecureBuffer fromBytes(const char *bytes, std::size_t size);
    /**
     * Copies @p bytes, then overwrites them with zeros in place. The array keeps its size (all zeros) so callers
     * can drop it; if it was shared with other QByteArrays only this copy can be reached and scrubbed.
     */
    [[nodiscard]] static SecureBuffer fromByteArray(QByteArray &&bytes);

    /** An explicit deep copy: secrets are never duplicated implicitly. */
    [[nodiscard]] SecureBuffer clone() const;

    [[nodiscard]] unsigned char *data() noexcept { return m_data; }
    [[nodiscard]] const unsigned char *data() const noexcept { return m_data; }
    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    [[nodiscard]] bool isEmpty() const noexcept { return m_size == 0; }

    /** Zeroes and frees the bytes now rather than at destruction. */
    void clear() noexcept;

    /** Constant-time comparison of the contents (the sizes themselves are not secret). */
    [[nodiscard]] bool equals(const SecureBuffer &other) const noexcept;

    /**
     * The one way out of guarded memory, for APIs that only take a QByteArray (QtKeychain). The caller must
     * scrub the result with scrubByteArray() as soon as it has been handed over.
     */
    [[nodiscard]] QByteArray copyToByteArrayForKeystore() const;

private:
    unsigned char *m_data = nullptr;
    std::size_t m_size = 0;
};

/** Overwrites the bytes of @p bytes with zeros in place (detaching first if shared), then empties it. */
void scrubByteArray(QByteArray &bytes);

/** Overwrites the characters of @p text with zeros in place (detaching first if shared), then empties it. */
void scrubString(QString &text);

/**
 * Stops this process from writing core dumps (RLIMIT_CORE = 0) and, on Linux, from being dumpable or
 * ptrace-attachable by other processes of the same user (PR_SET_DUMPABLE = 0), so keys in memory do not end
 * up on disk after a crash. Call it first thing in main() of the app and the CLI. Failures are logged, not fatal.
 */
void disableCoreDumps();

} // namespace fieldnotes
