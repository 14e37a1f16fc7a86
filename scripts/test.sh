#!/usr/bin/env bash
# Set up, build (with tests) and run every test. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh -DGANFORGE_BUILD_TESTS=ON
cd build
ctest --output-on-failure --timeout 600
