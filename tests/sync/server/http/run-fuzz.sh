#!/usr/bin/env bash
# Builds the request-parser fuzzer with clang + libFuzzer in build/fuzz and runs it for N seconds (default 60).
#   tests/sync/server/http/run-fuzz.sh [seconds]
# New interesting inputs go to build/fuzz/corpus (the committed seeds in corpus/ are only read); a crash leaves
# its input in build/fuzz/artifacts and makes this script fail.
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
build="$root/build/fuzz"

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DFIELDNOTES_FUZZ=ON -DFIELDNOTES_WERROR=OFF
fi
cmake --build "$build" --target fuzz_requestparser
mkdir -p "$build/corpus" "$build/artifacts"
exec "$build/tests/sync/server/http/fuzz_requestparser" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$build/corpus" "$here/corpus"
