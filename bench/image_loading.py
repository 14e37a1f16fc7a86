#!/usr/bin/python3
"""Loading your own images: a folder of PNG files decoded at every start versus the pack that
`ganforge data prepare` writes once (issue 19). Measures images/s and the process's peak memory (the
`data info` line: LibTorch's libraries alone are ~150 MiB of it) for

  - fashion-10k: data/fashion-mnist-png, 10,000 grey 28x28 PNGs in 10 class folders, as they are;
  - grey-100k:   100,000 grey 28x28 PNGs in 10 class folders (Fashion-MNIST's 70,000 and 30,000 of its
                 training images mirrored), written by this script into a temporary folder;
  - colour-64:   data/stacked-mnist-png, 10,000 colour 28x28 PNGs resized to 64x64 (antialiased bilinear).

Each case: `ganforge data info` on the folder (decoding, the way training starts), `data prepare` to a pack,
`data info` on the pack; best of --rounds. Writes OUT.json and OUT.md.

    /usr/bin/python3 bench/image_loading.py [--rounds 2] [--out bench/results/image_loading]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("GANFORGE_BIN", os.path.join(ROOT, "build", "ganforge"))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from gf_files import read_idx  # noqa: E402
LINE = re.compile(r"read in ([\d.]+) s \((\d+) images/s\), peak memory (\d+) MiB")


def write_100k(folder):
    fm = os.path.join(ROOT, "data", "fashion-mnist")
    images = np.concatenate([read_idx(os.path.join(fm, "train-images-idx3-ubyte.gz")),
                             read_idx(os.path.join(fm, "t10k-images-idx3-ubyte.gz"))])
    labels = np.concatenate([read_idx(os.path.join(fm, "train-labels-idx1-ubyte.gz")),
                             read_idx(os.path.join(fm, "t10k-labels-idx1-ubyte.gz"))])
    images = np.concatenate([images, images[:30000, :, ::-1]])
    labels = np.concatenate([labels, labels[:30000]])
    for k in range(10):
        os.makedirs(os.path.join(folder, str(k)))
    for i, (im, y) in enumerate(zip(images, labels)):
        Image.fromarray(np.ascontiguousarray(im), "L").save(os.path.join(folder, str(y), f"{i:06d}.png"))
    return len(images)


def info(path, *opts):
    p = subprocess.run([BIN, "data", "info", path, *opts], capture_output=True, text=True, check=True)
    m = LINE.search(p.stdout)
    return {"seconds": float(m.group(1)), "images_per_s": int(m.group(2)), "peak_mib": int(m.group(3))}


def case(name, folder, tmp, rounds, opts):
    pack = os.path.join(tmp, name + ".pack")
    best = {}
    for _ in range(rounds):
        subprocess.run([BIN, "data", "prepare", "--from", folder, "--out", pack, *opts], check=True,
                       capture_output=True)
        for kind, path, extra in (("folder", folder, opts), ("pack", pack, [])):
            r = info(path, *extra)
            if kind not in best or r["seconds"] < best[kind]["seconds"]:
                best[kind] = r
    return {"case": name, "pack_mib": os.path.getsize(pack) / 2**20, **best}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "image_loading"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ganforge-loading-")
    try:
        big = os.path.join(tmp, "grey-100k")
        t0 = time.time()
        n = write_100k(big)
        print(f"wrote {n} PNGs in {time.time() - t0:.0f} s")
        rows = [case("fashion-10k", os.path.join(ROOT, "data", "fashion-mnist-png"), tmp, a.rounds, []),
                case("grey-100k", big, tmp, a.rounds, []),
                case("colour-64", os.path.join(ROOT, "data", "stacked-mnist-png"), tmp, a.rounds,
                     ["--resolution", "64"])]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(a.out + ".json", "w") as f:
        json.dump({"rounds": a.rounds, "rows": rows}, f, indent=2)
    lines = ["| data | folder: images/s | folder: peak MiB | pack: images/s | pack: peak MiB | pack MiB | pack / folder |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['folder']['images_per_s']:,} | {r['folder']['peak_mib']} | "
                     f"{r['pack']['images_per_s']:,} | {r['pack']['peak_mib']} | {r['pack_mib']:.1f} | "
                     f"{r['pack']['images_per_s'] / r['folder']['images_per_s']:.0f}x |")
    text = "\n".join(lines) + "\n"
    with open(a.out + ".md", "w") as f:
        f.write(f"Measured by `/usr/bin/python3 bench/image_loading.py --rounds {a.rounds}` (best of rounds).\n\n" + text)
    print(text)


if __name__ == "__main__":
    main()
