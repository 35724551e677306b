// libFuzzer target for the push body's readers (built with -DFIELDNOTES_FUZZ=ON and clang; see tests/run-fuzz.sh).
// Input: a push body. Whatever the plain reader reads (decision 0029), Qt's path must read too, to the same request;
// decodePushRequest must give Qt's path's answer, request or message, and never crash.

#include "protocol/protocol.h"

#include <cstdint>
#include <cstdlib>

using namespace fieldnotes::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto plain = detail::readPlainPushRequest(body);
    const auto qt = detail::readPushRequestWithQt(body);
    if (plain && (!qt.ok() || qt->cursor != plain->cursor || qt->mutations != plain->mutations))
        std::abort();
    const auto decoded = decodePushRequest(body);
    if (decoded.ok() != qt.ok())
        std::abort();
    if (!qt.ok() && decoded.error().message != qt.error().message)
        std::abort();
    return 0;
}
