"""Reading ganforge's data files from Python (tests and bench/): image packs and IDX files; running the CLI."""
import gzip
import json
import os
import subprocess

import numpy as np


def read_pack(path):
    """An image pack (`ganforge data prepare`, `augment`): (header dict, uint8 [N, C, R, R], int32 labels [N])."""
    with open(path, "rb") as f:
        assert f.readline() == b"GANFORGE-IMAGES 1\n", f"{path}: not an image pack"
        h = json.loads(f.readline())
        n, c, r = h["count"], h["channels"], h["resolution"]
        pixels = np.frombuffer(f.read(n * c * r * r), dtype=np.uint8).reshape(n, c, r, r)
        ci = h.get("input_channels", 0)
        inputs = np.frombuffer(f.read(n * ci * r * r), dtype=np.uint8).reshape(n, ci, r, r)
        labels = np.frombuffer(f.read(4 * n), dtype="<i4")
        assert not f.read(1), f"{path}: bytes after the labels"
    if ci:
        h["inputs"] = inputs  # a paired pack (`data edges`): each image's input, uint8 [N, Ci, R, R]
    return h, pixels, labels


def read_idx(path):
    """A gzipped IDX file as a uint8 array of its shape."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GANFORGE_BIN", os.path.join(SRC, "build", "ganforge"))


def cli(*args, ok=True, env=None, timeout=600):
    """Run the ganforge CLI in the source tree; with `ok`, a failure raises with its stderr."""
    p = subprocess.run([BIN, *args], cwd=SRC, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    if ok and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr}")
    return p
