#!/usr/bin/env bash
# The installed package, used as a user would (CTest: Examples.package): `cmake --install` the build into a
# temporary prefix, configure and build examples/ against it with find_package(ganforge), then run both
# programs on a small real run: generate_grid's PNG must be byte-equal to `ganforge sample`'s, and
# load_exported must run the exported generator with LibTorch alone.
# Usage: check_examples.sh BUILD_DIR (the configured build tree holding the CLI)
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src/examples" -B "$tmp/examples" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" "${launcher[@]}" >/dev/null
ninja -C "$tmp/examples" >/dev/null
gf="$tmp/prefix/bin/ganforge"
(cd "$src" && "$gf" train configs/mnist-cgan.toml --out "$tmp/run" --quiet --set train.steps=2 --set train.eval_every=0)
"$gf" sample --run "$tmp/run" --n 20 --seed 3 --out "$tmp/sample.png" >/dev/null
"$tmp/examples/generate_grid" "$tmp/run" "$tmp/grid.png" 20 3
cmp "$tmp/sample.png" "$tmp/grid.png"
"$gf" export --run "$tmp/run" --out "$tmp/g.pt"
"$tmp/examples/load_exported" "$tmp/g.pt" "$tmp/x.pgm" 10
head -c 2 "$tmp/x.pgm" | grep -q P5
[ "$(sed -n 2p "$tmp/x.pgm")" = "280 28" ]
echo "examples: built against the installed package and ran: ok"
