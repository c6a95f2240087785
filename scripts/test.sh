#!/usr/bin/env bash
# Builds xmtrack with warnings as errors and runs the whole test suite:
# unit tests of the decoding core and tshark integration tests over testdata/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXMTRACK_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j2 "$@"
