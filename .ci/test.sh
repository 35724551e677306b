#!/usr/bin/env bash
# Builds and runs every test: the dev preset (warnings as errors), then the ASan+UBSan preset.
# Called by `./setup.sh test` after the packages are installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
export TZ=UTC

start=$(date +%s)
for preset in dev asan; do
    echo "== $preset: configure and build"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "$jobs"
    echo "== $preset: test"
    ctest --preset "$preset" -j "$jobs" --timeout 600
done
echo "== all tests passed in $(( $(date +%s) - start )) s"
