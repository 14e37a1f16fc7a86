#!/usr/bin/env bash
# Set up, build and run every test. .ci/run calls this.
#  1. the whole project built with clang under AddressSanitizer + UBSan: the unit, reference and CLI tests,
#     the resume matrix (kills at every kind of instant), SIGTERM, write failures and bad runs (the long
#     end-to-end training runs excepted: under ASan they take 20 minutes, and step 2 runs them), and each
#     libFuzzer target (IDX, config, PNG, PNG/JPEG by content, zip, checkpoint) for GANFORGE_FUZZ_SECONDS (20) over
#     tests/fuzz/corpus;
#  2. the whole project (Release, GCC, LibTorch): every unit, reference and training test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths relative to the checkout in ccache's keys: a fresh clone elsewhere (CI) hits the cache this machine filled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGANFORGE_WITH_TORCH=ON -DGANFORGE_SANITIZE=ON -DGANFORGE_FUZZ=ON >/dev/null
ninja -C build-asan
# LibTorch leaks miniz's reader state when an archive is refused mid-parse: the one suppression (tests/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
# The data-parallel tests that run under ASan are the launches and their failures (the CLI's processes under
# torchrun, ASan-built; c10d and Gloo inside LibTorch are not instrumented); the long equivalence and restart
# runs are left to the GCC build.
# Examples.package installs the build and compiles examples/ against it: the GCC build's job (step 2).
# Golden and Format1 compare bitwise with values the GCC build recorded; clang contracts a*b+c into FMAs by
# default (GCC in ISO mode does not), so its floats may differ in the last bits. Step 2 runs them.
long_runs='^(Examples\.package|SeedRun|ShortEvaluator|Health\.|Cas\.|Toys\.|Zoo\.EachConfigFamily|Conditional\.(EachKind|SampleByLabel)|Runs/Golden|Format1|Distributed/TwoHalves|Distributed\.(KilledRankRestarts|NonFinite|Resuming|TwoNetworkNamespaces))'
(cd build-asan && ctest -j2 --output-on-failure --timeout 600 -E "$long_runs")

bash scripts/build.sh -DGANFORGE_BUILD_TESTS=ON
cd build
ctest --output-on-failure --timeout 600
