#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace fieldnotes {

/** The kinds of failure a caller can act on; the message says what happened and what to do. */
enum class ErrorCode {
    InvalidInput, ///< the caller's data breaks a rule (unknown field, wrong type, out of range)
    NotFound,
    AlreadyExists,
    WrongPassphrase,
    Throttled, ///< too many failed unlocks; retry later
    Corrupt, ///< a file is damaged
    Incompatible, ///< a file was written by another format or cipher version
    Io, ///< the operating system refused a read or write
    DiskFull,
    Locked, ///< the store is locked or busy
    Unavailable, ///< a service (keystore, network) is not there
    Internal,
};

/** An error as a value: a code to branch on and a human message that never holds secrets or record content. */
struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
};

/** A value or the Error that prevented it. */
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) { }
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) { }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_data); }
    const T &value() const & { return std::get<0>(m_data); }
    // By value: `*store.list()` in a range-for must not dangle once the temporary Result is gone.
    T value() && { return std::get<0>(std::move(m_data)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T operator*() && { return std::move(*this).value(); }

    const Error &error() const { return std::get<1>(m_data); }

    /// The value, or `fallback` when there is an error (for figures where an error changes nothing shown).
    T value_or(T fallback) const & { return ok() ? value() : std::move(fallback); }

private:
    std::variant<T, Error> m_data;
};

/** Success with nothing to return, or an Error. */
template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) { }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

inline Error makeError(ErrorCode code, QString message)
{
    return Error{code, std::move(message)};
}

} // namespace fieldnotes
