#!/usr/bin/env bash
# Set up, build and run every test. .ci/run calls this.
#  1. the whole project built with clang under AddressSanitizer + UBSan: the unit, reference and CLI tests
#     (the long end-to-end training runs excepted: under ASan they take 20 minutes, and step 2 runs them),
#     and each libFuzzer target (IDX, config, PNG, zip, checkpoint) for GANFORGE_FUZZ_SECONDS (20) over
#     tests/fuzz/corpus;
#  2. the whole project (Release, GCC, LibTorch): every unit, reference and training test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime

cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGANFORGE_WITH_TORCH=ON -DGANFORGE_SANITIZE=ON -DGANFORGE_FUZZ=ON >/dev/null
ninja -C build-asan
# LibTorch leaks miniz's reader state when an archive is refused mid-parse (tests/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
long_runs='^(SeedRun|ShortEvaluator|Resume\.|Cas\.|Toys\.|Zoo\.EachConfigFamily|Conditional\.(EachKind|SampleByLabel))'
(cd build-asan && ctest -j2 --output-on-failure --timeout 600 -E "$long_runs")

bash scripts/build.sh -DGANFORGE_BUILD_TESTS=ON
cd build
ctest --output-on-failure --timeout 600
