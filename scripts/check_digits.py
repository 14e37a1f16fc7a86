#!/usr/bin/python3
"""Independent check of generated digits: is this what a digit classifier recognizes?

Trains a small CNN (PyTorch, seeded) on the MNIST train split in data/mnist, reports its test accuracy,
then classifies the generated images in SAMPLES (an IDX file written by `ganforge sample --out X.idx.gz`)
and prints the class histogram, the number of classes present, and the share classified with
confidence >= 0.9. Exit code 1 if fewer than 10 classes appear or under half are confident.

Usage: /usr/bin/python3 scripts/check_digits.py SAMPLES [--data data/mnist] [--json OUT]
"""
import argparse
import gzip
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def to_input(u8):
    return torch.from_numpy(u8.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)  # [N, 1, 28, 28] in [-1, 1]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc2(F.dropout(F.relu(self.fc1(x.flatten(1))), 0.3, self.training))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("samples")
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.manual_seed(0)
    xtr = to_input(read_idx(f"{args.data}/train-images-idx3-ubyte.gz"))
    ytr = torch.from_numpy(read_idx(f"{args.data}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xte = to_input(read_idx(f"{args.data}/t10k-images-idx3-ubyte.gz"))
    yte = torch.from_numpy(read_idx(f"{args.data}/t10k-labels-idx1-ubyte.gz").astype(np.int64))
    net = Net()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(args.epochs):
        net.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            idx = perm[i:i + 64]
            # Small random shifts make the classifier robust to the slightly off-centre digits GANs draw.
            x = torch.roll(xtr[idx], shifts=tuple(torch.randint(-2, 3, (2,)).tolist()), dims=(2, 3))
            opt.zero_grad()
            F.cross_entropy(net(x), ytr[idx]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        real_probs = F.softmax(net(xte), 1)
        acc = (real_probs.argmax(1) == yte).float().mean().item()
        real_confident = (real_probs.max(1).values >= 0.9).float().mean().item()
        probs = F.softmax(net(to_input(read_idx(args.samples))), 1)
    conf, cls = probs.max(1)
    hist = torch.bincount(cls, minlength=10).tolist()
    confident = (conf >= 0.9).float().mean().item()
    result = {"classifier_test_accuracy": acc, "samples": len(cls), "class_histogram": hist,
              "classes_present": sum(1 for h in hist if h > 0), "confident_share": confident,
              "real_test_confident_share": real_confident,
              "mean_confidence": conf.mean().item()}
    print(f"classifier test accuracy {acc:.4f} (on {len(yte)} real test digits; "
          f"confidence >= 0.9 for {100 * real_confident:.1f}% of them)")
    print(f"{len(cls)} samples: classes present {result['classes_present']}/10, "
          f"confidence >= 0.9 for {100 * confident:.1f}%, mean confidence {result['mean_confidence']:.3f}")
    print("class histogram: " + " ".join(f"{d}:{h}" for d, h in enumerate(hist)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if result["classes_present"] == 10 and confident >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
