// libFuzzer target for RequestParser (built with -DFIELDNOTES_FUZZ=ON and clang; see tests/run-fuzz.sh).
// Input: byte 0 chooses the chunk size the bytes arrive in (1–32), the rest is the stream. The parser must never
// crash, take more than it is given, stall with input left, hold more than its limits, or finish a request that
// breaks its own invariants.

#include "sync/server/http/requestparser.h"

#include <cstdint>
#include <cstdlib>

using fieldnotes::http::HttpLimits;
using fieldnotes::http::RequestParser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    HttpLimits limits; // small limits, so inputs of a few KiB reach every limit
    limits.maxRequestLineBytes = 256;
    limits.maxHeaderBytes = 512;
    limits.maxHeaderLines = 8;
    limits.maxBodyBytes = 1024;
    const qsizetype chunk = data[0] % 32 + 1;
    const QByteArrayView input(data + 1, qsizetype(size - 1));

    RequestParser parser(limits);
    qsizetype pos = 0;
    while (pos < input.size()) {
        const qsizetype n = std::min(chunk, input.size() - pos);
        const qsizetype used = parser.feed(input.sliced(pos, n));
        if (used < 0 || used > n)
            std::abort();
        if (parser.bufferedBytes() > limits.maxRequestLineBytes + limits.maxHeaderBytes + limits.maxBodyBytes + 2)
            std::abort();
        pos += used;
        switch (parser.state()) {
        case RequestParser::State::NeedMore:
            if (used < n)
                std::abort(); // it must take everything until the request ends
            break;
        case RequestParser::State::Complete: {
            const auto &request = parser.request();
            if (request.body.size() != parser.contentLength() || parser.contentLength() > limits.maxBodyBytes
                || !request.path.startsWith(u'/') || request.method.isEmpty()
                || request.headers.count("content-length") > 1 || request.headers.contains("transfer-encoding"))
                std::abort();
            parser.reset();
            break;
        }
        case RequestParser::State::Error: {
            const int status = parser.error().status;
            if (status != 400 && status != 413 && status != 414 && status != 417 && status != 431 && status != 501
                && status != 505)
                std::abort();
            if (parser.error().code.isEmpty() || parser.error().message.isEmpty())
                std::abort();
            return 0;
        }
        }
    }
    return 0;
}
