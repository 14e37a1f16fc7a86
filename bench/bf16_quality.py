#!/usr/bin/python3
"""What bf16 costs in quality (issue 16): configs trained in fp32 and in bf16 (train.precision) from the same
seeds, their FID curves (periodic evaluation during training, the fp32 evaluator on train.eval_n images) and
their final FID (`ganforge eval`, 10,000 images, fp32 features), mean and spread over the seeds.

Raw per-run lines go to OUT.jsonl as they come (a rerun skips runs already there); OUT.md is the table,
OUT.png the curves (one thin line per seed, fp32 blue, bf16 orange).

    /usr/bin/python3 bench/bf16_quality.py --configs configs/fashion-dcgan.toml configs/mnist-mlp.toml \
        --seeds 0 1 2 --jobs 2 --out docs/results/bf16-quality
    /usr/bin/python3 bench/bf16_quality.py ... --table-only    # the table and figure again from OUT.jsonl
"""
import argparse
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench_util import cli, mean_sd, read_jsonl

PRECISIONS = ("fp32", "bf16")
COLOURS = {"fp32": (31, 119, 180), "bf16": (255, 127, 14)}


def stem(config):
    return os.path.splitext(os.path.basename(config))[0]


def curve(run):
    """[(step, fid)] of the run's periodic evaluations."""
    out = []
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            if j.get("event") == "eval" and "fid" in j:
                out.append((j["step"], j["fid"]))
    return out


def table(a, done):
    md = ["| config | precision | seeds | final FID (10,000) | per seed | FID floor (real test) | "
          "training time per run |", "|---|---|---:|---:|---|---:|---:|"]
    for config in a.configs:
        for p in PRECISIONS:
            lines = [done[(stem(config), p, s)] for s in a.seeds if (stem(config), p, s) in done]
            if not lines:
                continue
            m, sd = mean_sd([l["fid"] for l in lines])
            per_seed = ", ".join(format(l["fid"], ".2f") for l in lines)
            t = statistics.mean(l["train_seconds"] for l in lines)
            md.append(f"| `{stem(config)}` | {p} | {len(lines)} | {m:.2f} +- {sd:.2f} | "
                      f"{per_seed} | {lines[0]['floor_fid']:.2f} | {t:.0f} s |")
    md += ["", "| config | step | FID fp32 (mean +- sd) | FID bf16 (mean +- sd) |", "|---|---:|---:|---:|"]
    for config in a.configs:
        steps = sorted({s for k, l in done.items() if k[0] == stem(config) for s, _ in l["curve"]})
        for step in steps:
            cells = []
            for p in PRECISIONS:
                v = [dict(map(tuple, done[k]["curve"]))[step] for k in done
                     if k[0] == stem(config) and k[1] == p and k[2] in a.seeds and step in dict(map(tuple, done[k]["curve"]))]
                cells.append(f"{mean_sd(v)[0]:.2f} +- {mean_sd(v)[1]:.2f}" if v else "-")
            md.append(f"| `{stem(config)}` | {step} | {cells[0]} | {cells[1]} |")
    return md


def figure(a, done, path, w=420, h=300, pad=40):
    """FID against step, log scale, one panel per config."""
    import math
    from PIL import Image, ImageDraw
    out = Image.new("RGB", (w * len(a.configs), h), "white")
    draw = ImageDraw.Draw(out)
    for i, config in enumerate(a.configs):
        runs = [l for k, l in done.items() if k[0] == stem(config) and k[2] in a.seeds]
        pts = [pt for l in runs for pt in l["curve"]]
        if not pts:
            continue
        x1 = max(s for s, _ in pts)
        lo = math.floor(math.log10(min(f for _, f in pts)))
        hi = math.ceil(math.log10(max(f for _, f in pts)))
        hi = max(hi, lo + 1)
        ox = i * w

        def xy(s, f):
            return (ox + pad + s / x1 * (w - 2 * pad),
                    h - pad - (math.log10(f) - lo) / (hi - lo) * (h - 2 * pad))
        draw.rectangle([ox + pad, pad, ox + w - pad, h - pad], outline="black")
        draw.text((ox + pad, 8), f"{stem(config)}: FID during training (log)", fill="black")
        for j, p in enumerate(PRECISIONS):
            draw.text((ox + pad + 12 + 40 * j, 22), p, fill=COLOURS[p])
        draw.text((ox + w - pad - 60, h - pad + 8), f"step {x1}", fill="black")
        for e in range(lo, hi + 1):
            y = xy(1, 10 ** e)[1]
            draw.line([ox + pad - 4, y, ox + pad, y], fill="black")
            draw.text((ox + 4, y - 6), f"{10 ** e:g}", fill="black")
        for l in runs:
            draw.line([xy(s, f) for s, f in l["curve"]], fill=COLOURS[l["precision"]], width=2)
    out.save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", nargs="+", required=True)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--set", action="append", default=[], help="a config override for every run")
    ap.add_argument("--eval-every", type=int, default=500, help="train.eval_every of every run")
    ap.add_argument("--jobs", type=int, default=1, help="runs trained side by side")
    ap.add_argument("--runs", default="runs/bf16-quality")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--out", default="docs/results/bf16-quality")
    a = ap.parse_args()
    done = {(j["config"], j["precision"], j["seed"]): j for j in read_jsonl(a.out + ".jsonl")}
    threads = max(1, (os.cpu_count() or 1) // a.jobs) if a.jobs > 1 else 0
    lock = threading.Lock()

    def one(config, precision, seed):
        name = stem(config)
        run = os.path.join(a.runs, f"{name}-{precision}-seed{seed}")
        sets = []
        for s in a.set + [f"train.seed={seed}", f"train.precision={precision}", f"train.eval_every={a.eval_every}",
                          "train.eval_metrics=fid", "train.eval_best=fid"] + \
                ([f"train.threads={threads}"] if threads else []):
            sets += ["--set", s]
        t0 = time.time()
        cli("train", config, "--out", run, "--overwrite", "--quiet", *sets)
        seconds = time.time() - t0
        # The last checkpoint, not best.pt: what the budget gives.
        e = json.loads(cli("eval", "--run", run, "--metrics", "fid", "--json").strip().splitlines()[-1])
        line = {"config": name, "precision": precision, "seed": seed, "step": e["step"],
                "train_seconds": round(seconds, 1), "jobs": a.jobs, "overrides": a.set,
                "fid": e["generated"]["fid"], "floor_fid": e["real_floor"]["fid"], "curve": curve(run)}
        with lock:
            done[(name, precision, seed)] = line
            with open(a.out + ".jsonl", "a") as f:
                f.write(json.dumps(line) + "\n")
            print(f"{name} {precision} seed {seed}: FID {line['fid']:.2f} ({seconds:.0f} s)", flush=True)

    todo = [(c, p, s) for c in a.configs for s in a.seeds for p in PRECISIONS
            if (stem(c), p, s) not in done and not a.table_only]
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for f in [pool.submit(one, *t) for t in todo]:
            f.result()
    md = table(a, done)
    md += ["", "Final FID: `ganforge eval --metrics fid` on the last checkpoint, 10,000 generated images against the "
           "train split, the fp32 evaluator for both precisions; curve: the periodic evaluations (train.eval_n "
           "images). Command: `/usr/bin/python3 bench/bf16_quality.py --configs " + " ".join(a.configs) +
           " --seeds " + " ".join(map(str, a.seeds)) + "".join(f" --set {s}" for s in a.set) +
           f" --eval-every {a.eval_every}" + (f" --jobs {a.jobs}" if a.jobs > 1 else "") + f" --out {a.out}`" +
           (f"; {a.jobs} runs side by side, {threads} thread(s) each: the training times are under that load"
            if a.jobs > 1 else "")]
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    figure(a, done, a.out + ".png")
    print("\n".join(md))


if __name__ == "__main__":
    main()
