#!/usr/bin/env bash
# Configure and build into build/ (Release, Ninja, ccache, precompiled headers). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C build
