#!/usr/bin/env bash
# Set up, build and run every test. .ci/run calls this.
#  1. the plain C++ core (IDX, config, PNG parsers) built with clang under AddressSanitizer + UBSan: its
#     unit tests, and each libFuzzer target for GANFORGE_FUZZ_SECONDS (20) over tests/fuzz/corpus;
#  2. the whole project (Release, GCC, LibTorch): every unit, reference and training test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime

cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGANFORGE_WITH_TORCH=OFF -DGANFORGE_SANITIZE=ON -DGANFORGE_FUZZ=ON >/dev/null
ninja -C build-asan
(cd build-asan && ctest --output-on-failure --timeout 300)

bash scripts/build.sh -DGANFORGE_BUILD_TESTS=ON
cd build
ctest --output-on-failure --timeout 600
