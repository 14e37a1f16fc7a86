#!/usr/bin/python3
"""Peak RSS of a training run against the size of its dataset.

Writes synthetic MNIST-shaped datasets (random uint8 images, labels) of several sizes as gzipped IDX files,
runs a short `ganforge train` (the mnist-mlp config, 20 steps, no grids) on each under `/usr/bin/time`, and
reports peak RSS against the data's own size: the images as uint8 (784 bytes each) plus their labels as
int64 (8 bytes each), which is how the dataset is held. Target (issue 5): the peak grows by the dataset's
size and no more, i.e. a slope of ~1.

  /usr/bin/python3 bench/memory.py                       # 8k, 60k, 240k images; ~2 minutes
  /usr/bin/python3 bench/memory.py --sizes 8000 480000
  /usr/bin/python3 bench/memory.py --json bench/results/memory.json > bench/results/memory.md
"""
import argparse
import gzip
import os
import random
import struct
import subprocess
import tempfile

from bench_util import add_results_args, read_results, write_results

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def write_dataset(folder, n, seed):
    rng = random.Random(seed)
    os.makedirs(folder, exist_ok=True)
    with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz"), "wb", compresslevel=1) as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28))
        chunk = 10000
        for start in range(0, n, chunk):
            f.write(rng.randbytes(784 * min(chunk, n - start)))
    with gzip.open(os.path.join(folder, "train-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 2049, n))
        f.write(bytes(rng.randrange(10) for _ in range(n)))


def peak_rss_mib(ganforge, folder, out):
    cmd = ["/usr/bin/time", "-f", "%M", ganforge, "train", os.path.join(ROOT, "configs", "mnist-mlp.toml"),
           "--data", folder, "--out", out, "--overwrite", "--quiet", "--set", "train.steps=20", "--set",
           "train.sample_every=0", "--set", "train.checkpoint_every=0", "--set", "train.eval_every=0"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"memory.py: {' '.join(cmd)} failed:\n{r.stderr}")
    return int(r.stderr.strip().splitlines()[-1]) / 1024  # KiB -> MiB


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[8000, 60000, 240000])
    ap.add_argument("--ganforge", default=os.path.join(ROOT, "build", "ganforge"))
    add_results_args(ap)
    args = ap.parse_args()
    if args.table_from:
        report(read_results(args.table_from)["rows"])
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = os.path.join(tmp, f"data-{n}")
            write_dataset(folder, n, seed=n)
            rows.append({"images": n, "data_mib": (784 + 8) * n / 2 ** 20,
                         "peak_rss_mib": peak_rss_mib(args.ganforge, folder, os.path.join(tmp, "run"))})
    report(rows)
    if args.json:
        write_results(args.json, rows=rows)


def report(rows):
    base = rows[0]
    print("| images | data MiB (uint8 images + int64 labels) | peak RSS MiB | RSS growth / data growth |")
    print("|---|---|---|---|")
    for r in rows:
        slope = "-" if r is base else \
            f"{(r['peak_rss_mib'] - base['peak_rss_mib']) / (r['data_mib'] - base['data_mib']):.2f}"
        print(f"| {r['images']:,} | {r['data_mib']:.1f} | {r['peak_rss_mib']:.1f} | {slope} |")


if __name__ == "__main__":
    main()
