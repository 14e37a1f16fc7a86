#!/usr/bin/env bash
# Configure and build into build/ (Release, Ninja, ccache, precompiled headers). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache can cache compiles that use a GCC precompiled header only with this sloppiness (ccache manual,
# "Precompiled headers").
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths relative to the checkout in ccache's keys: a fresh clone elsewhere (CI) hits the cache this machine filled.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C build
