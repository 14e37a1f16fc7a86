#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: set up, build, train the tuned MLP GAN on MNIST, write
# samples, measure them with the built-in evaluator (FID, KID, IS, precision/recall, density/coverage, classes,
# beside the real-data floor; the MNIST evaluator is trained on first use), and check them with an independent
# digit classifier written in PyTorch.
# Outputs: runs/mnist-mlp/ (config, metrics.jsonl, samples/, checkpoints/, eval.jsonl),
#          runs/mnist-mlp/samples-1000.idx.gz, runs/mnist-mlp/samples-100.png, runs/mnist-mlp/digit-check.json,
#          data/evaluators/mnist.pt
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/ganforge train --config configs/mnist-mlp.toml --out runs/mnist-mlp --overwrite
./build/ganforge sample --run runs/mnist-mlp --n 1000 --seed 1 --out runs/mnist-mlp/samples-1000.idx.gz
./build/ganforge sample --run runs/mnist-mlp --n 100 --seed 1 --out runs/mnist-mlp/samples-100.png
./build/ganforge eval --run runs/mnist-mlp
/usr/bin/python3 scripts/check_digits.py runs/mnist-mlp/samples-1000.idx.gz --json runs/mnist-mlp/digit-check.json
