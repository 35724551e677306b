#!/usr/bin/env bash
# Builds a libFuzzer target with clang in build/fuzz and runs it for N seconds (default 60).
#   tests/run-fuzz.sh requestparser [seconds]   the HTTP request decoder (tests/sync/server/http)
#   tests/run-fuzz.sh pushbody [seconds]        the push body's two readers (tests/sync/protocol)
# New interesting inputs go to build/fuzz/corpus-TARGET (the committed seeds in the target's corpus/ are only read);
# a crash leaves its input in build/fuzz/artifacts and makes this script fail.
set -euo pipefail
target="${1:?usage: tests/run-fuzz.sh requestparser|pushbody [seconds]}"
seconds="${2:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
case "$target" in
    requestparser) dir=tests/sync/server/http; max_len=4096 ;;
    pushbody) dir=tests/sync/protocol; max_len=8192 ;;
    *) echo "unknown fuzz target: $target" >&2; exit 2 ;;
esac

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DFIELDNOTES_FUZZ=ON -DFIELDNOTES_WERROR=OFF
fi
cmake --build "$build" --target "fuzz_$target"
mkdir -p "$build/corpus-$target" "$build/artifacts"
exec "$build/$dir/fuzz_$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$build/corpus-$target" \
    "$root/$dir/corpus"
