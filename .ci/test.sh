#!/usr/bin/env bash
# Builds and runs every test: the dev preset (warnings as errors), then the ASan+UBSan preset, with a throw-away
# PostgreSQL for the server's tests. Called by `./setup.sh test` after the packages are installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
export TZ=UTC

# The server's tests run on SQLite and on this PostgreSQL; with FIELDNOTES_REQUIRE_PG they fail without it.
pgdir=$(mktemp -d /tmp/fieldnotes-ci-pg.XXXXXX)
FIELDNOTES_TEST_PG_URL=$(tests/support/postgres.sh start "$pgdir")
export FIELDNOTES_TEST_PG_URL FIELDNOTES_REQUIRE_PG=1
trap 'tests/support/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT

start=$(date +%s)
passed=0
log=$(mktemp)
for preset in dev asan; do
    echo "== $preset: configure and build"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    echo "== $preset: test"
    ctest --preset "$preset" -j "$jobs" --timeout 600 | tee "$log"
    passed=$(( passed + $(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log") ))
done

# Short runs of the fuzzers (clang + libFuzzer); longer by hand: tests/run-fuzz.sh TARGET 600.
echo "== fuzz: request decoder, 30 s"
tests/run-fuzz.sh requestparser 30
echo "== fuzz: push body readers, 30 s"
tests/run-fuzz.sh pushbody 30
echo "== all tests passed in $(( $(date +%s) - start )) s"
echo "tests: $passed passed, 0 failed"
