#!/usr/bin/python3
"""Write the image-folder examples from the IDX data, so the image path is trained and tested on real files.

  OUT/fashion-mnist-png/<k>-<class>/<index>.png   Fashion-MNIST's test split, 10,000 grey 28x28 PNGs in one
                                                  folder per class ("0-T-shirt_top" ... "9-Ankle_boot": the
                                                  digit keeps the sorted folder order equal to the labels)
  OUT/stacked-mnist-png/<index>.png               10,000 colour 28x28 PNGs, unlabelled: three MNIST test digits
                                                  as R, G and B (Stacked MNIST), drawn with a fixed seed

Usage: scripts/make_image_folders.py DATA_DIR (reads DATA_DIR/fashion-mnist and DATA_DIR/mnist, writes beside
them; each folder appears whole, through a temporary name, or not at all).
"""
import gzip
import os
import shutil
import struct
import sys

import numpy as np
from PIL import Image

FASHION = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle_boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def write_folder(out, fill):
    if os.path.isdir(out):
        return
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    fill(tmp)
    os.rename(tmp, out)
    print(f"make_image_folders: {out} written")


def fashion(data, tmp):
    images = read_idx(os.path.join(data, "fashion-mnist", "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data, "fashion-mnist", "t10k-labels-idx1-ubyte.gz"))
    for k, name in enumerate(FASHION):
        os.makedirs(os.path.join(tmp, f"{k}-{name}"))
    for i, (im, y) in enumerate(zip(images, labels)):
        Image.fromarray(im, "L").save(os.path.join(tmp, f"{y}-{FASHION[y]}", f"{i:05d}.png"))


def stacked(data, tmp):
    images = read_idx(os.path.join(data, "mnist", "t10k-images-idx3-ubyte.gz"))
    pick = np.random.default_rng(12).integers(0, len(images), size=(10000, 3))
    os.makedirs(tmp)
    for i, p in enumerate(pick):
        Image.fromarray(np.stack([images[j] for j in p], axis=-1), "RGB").save(os.path.join(tmp, f"{i:05d}.png"))


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    write_folder(os.path.join(data, "fashion-mnist-png"), lambda tmp: fashion(data, tmp))
    write_folder(os.path.join(data, "stacked-mnist-png"), lambda tmp: stacked(data, tmp))


if __name__ == "__main__":
    main()
