#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: set up, build, train the tuned MLP GAN on MNIST, write
# samples, and check them with an independent digit classifier.
# Outputs: runs/mnist-mlp/ (config, metrics.jsonl, samples/, checkpoints/), runs/mnist-mlp/samples-1000.idx.gz,
#          runs/mnist-mlp/samples-1000.png, runs/mnist-mlp/digit-check.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/ganforge train --config configs/mnist-mlp.toml --out runs/mnist-mlp --overwrite
./build/ganforge sample --run runs/mnist-mlp --n 1000 --seed 1 --out runs/mnist-mlp/samples-1000.idx.gz
./build/ganforge sample --run runs/mnist-mlp --n 100 --seed 1 --out runs/mnist-mlp/samples-100.png
/usr/bin/python3 scripts/check_digits.py runs/mnist-mlp/samples-1000.idx.gz --json runs/mnist-mlp/digit-check.json
