#!/usr/bin/python3
"""The small-data protocol (issue 19): does synthetic data from a conditional GAN trained on few images help
a classifier trained on those few images?

For each dataset (mnist, fashion-mnist), k real images per class (10, 100, 1000; MNIST's train split has
800 per class, so k = 1000 is all of it) and seed:
  1. `data prepare --from DATASET --per-class k --seed SEED`: the real subset, chosen at random;
  2. `train configs/mnist-cgan.toml` (conditional MLP GAN, the mnist-cgan recipe; batch 64) on that subset
     only, GAN_STEPS steps, seed SEED;
  3. `augment --per-class 1000`: 1,000 synthetic images of each class from the trained G (EMA);
  4. `evaluator score` (the evaluator's CNN and recipe, CLS_STEPS steps, seed SEED) trained on real only,
     synthetic only, and real + synthetic (k : 1000 per class), each tested on the full real test split
     (MNIST 2,000 here, Fashion-MNIST 10,000).
Results are appended to OUT.jsonl as they come (a rerun skips cells already there) and summarised in
OUT.md (mean +- standard deviation over seeds).

    /usr/bin/python3 bench/small_data.py [--seeds 0 1 2] [--gan-steps 10000] [--cls-steps 600] \
        [--out docs/results/small_data]
"""
import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

from bench_util import ROOT, cli, read_jsonl


def score(dataset, seed, steps, *packs):
    args = ["evaluator", "score", "--dataset", dataset, "--seed", str(seed), "--steps", str(steps)]
    for p in packs:
        args += ["--train", p]
    return json.loads(cli(*args).strip().splitlines()[-1])


def cell(dataset, k, seed, a, tmp):
    real = os.path.join(tmp, f"{dataset}-{k}-{seed}.pack")
    cli("data", "prepare", "--from", dataset, "--per-class", str(k), "--seed", str(seed), "--out", real)
    run = os.path.join(tmp, "run")
    t0 = time.time()
    cli("train", "configs/mnist-cgan.toml", "--data", real, "--out", run, "--overwrite", "--quiet", "--seed", str(seed),
        "--set", f"train.steps={a.gan_steps}", "--set", "data.batch_size=64", "--set", "train.eval_every=0",
        "--set", "train.sample_every=1000")
    gan_s = time.time() - t0
    syn = os.path.join(tmp, "syn.pack")
    if os.path.exists(syn):
        os.remove(syn)
    cli("augment", "--run", run, "--per-class", "1000", "--seed", str(seed), "--out", syn)
    out = {"dataset": dataset, "k": k, "seed": seed, "gan_steps": a.gan_steps, "cls_steps": a.cls_steps,
           "gan_seconds": round(gan_s, 1)}
    for name, packs in (("real", [real]), ("synthetic", [syn]), ("real+synthetic", [real, syn])):
        r = score(dataset, seed, a.cls_steps, *packs)
        out[name] = r["test_accuracy"]
        out[name + "_count"] = r["train_count"]
    return out


def summarise(rows, a):
    lines = [f"Measured by `/usr/bin/python3 bench/small_data.py --gan-steps {a.gan_steps} --cls-steps {a.cls_steps}` "
             f"(rows in {os.path.basename(a.out)}.jsonl): test accuracy of the same classifier, mean +- std over the "
             f"seeds measured (n per row).", "",
             "| data | real per class | real only | synthetic only | real + synthetic (ratio) | synthetic helps? |",
             "|---|---|---|---|---|---|"]
    for dataset in ("mnist", "fashion-mnist"):
        for k in (10, 100, 1000):
            cells = [r for r in rows if r["dataset"] == dataset and r["k"] == k]
            if not cells:
                continue
            stat = {}
            for name in ("real", "synthetic", "real+synthetic"):
                v = [c[name] for c in cells]
                stat[name] = (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0)
            n_real = cells[0]["real_count"]
            diff = stat["real+synthetic"][0] - stat["real"][0]
            spread = max(stat["real+synthetic"][1], stat["real"][1])
            verdict = "yes" if diff > spread else ("hurts" if diff < -spread else "no clear change")
            fmt = lambda m: f"{100 * m[0]:.2f} +- {100 * m[1]:.2f}"  # noqa: E731
            lines.append(f"| {dataset} | {k} ({n_real} images; n = {len(cells)}) | {fmt(stat['real'])} | {fmt(stat['synthetic'])} | "
                         f"{fmt(stat['real+synthetic'])} ({n_real // 10} : 1000) | {verdict} ({100 * diff:+.2f}) |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--gan-steps", type=int, default=10000)
    ap.add_argument("--cls-steps", type=int, default=600)
    ap.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    ap.add_argument("--ks", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "results", "small_data"))
    ap.add_argument("--summary-only", action="store_true", help="rewrite OUT.md from OUT.jsonl, run nothing")
    a = ap.parse_args()
    rows = []
    rows = read_jsonl(a.out + ".jsonl")
    tmp = tempfile.mkdtemp(prefix="ganforge-small-data-")
    try:
        # Seed outermost: a run stopped early still has every (dataset, k) cell at the seeds it finished.
        cells = [(d, k, s) for s in a.seeds for d in a.datasets for k in a.ks]
        for dataset, k, seed in ([] if a.summary_only else cells):
            if any(r["dataset"] == dataset and r["k"] == k and r["seed"] == seed and
                   r["gan_steps"] == a.gan_steps and r["cls_steps"] == a.cls_steps for r in rows):
                continue
            t0 = time.time()
            r = cell(dataset, k, seed, a, tmp)
            rows.append(r)
            with open(a.out + ".jsonl", "a") as f:
                f.write(json.dumps(r) + "\n")
            print(f"{dataset} k={k} seed={seed}: real {r['real']:.4f} synthetic {r['synthetic']:.4f} "
                  f"both {r['real+synthetic']:.4f} ({time.time() - t0:.0f} s)", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [r for r in rows if r["gan_steps"] == a.gan_steps and r["cls_steps"] == a.cls_steps]
    text = summarise(rows, a)
    with open(a.out + ".md", "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
