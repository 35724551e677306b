#pragma once

#include "base/result.h"

#include <QString>

#include <memory>
#include <optional>

namespace fieldnotes::test {

/** Catches the one answer of an async KeyStore call, for QTRY_VERIFY(answer.ready()). */
template<typename T> class Answer
{
public:
    // The slot is shared so that an answer arriving after the test gave up still writes into live memory.
    [[nodiscard]] auto callback()
    {
        return [slot = m_slot](Result<T> result) {
            ++slot->calls;
            slot->result.emplace(std::move(result));
        };
    }
    [[nodiscard]] bool ready() const { return m_slot->result.has_value(); }
    [[nodiscard]] int calls() const { return m_slot->calls; }
    [[nodiscard]] Result<T> &get() { return *m_slot->result; }
    [[nodiscard]] bool ok() const { return ready() && m_slot->result->ok(); }
    /** The error message, or a placeholder: for QVERIFY2, which evaluates its message even on success. */
    [[nodiscard]] QString message() const
    {
        if (!ready())
            return QStringLiteral("(no answer yet)");
        return m_slot->result->ok() ? QStringLiteral("(success)") : m_slot->result->error().message;
    }
    [[nodiscard]] ErrorCode code() const
    {
        return ready() && !m_slot->result->ok() ? m_slot->result->error().code : ErrorCode::Internal;
    }

private:
    struct Slot
    {
        std::optional<Result<T>> result;
        int calls = 0;
    };
    std::shared_ptr<Slot> m_slot = std::make_shared<Slot>();
};

} // namespace fieldnotes::test
