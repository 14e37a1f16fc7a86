#!/usr/bin/python3
"""Mode-collapse benchmarks over seeds (issue 21): each config trained with several seeds and measured by
`ganforge eval` (2D toys: modes covered, high-quality share, reverse KL, the PacGAN protocol on 2,500
samples; Stacked MNIST: modes covered, KL to the real modes and FID over 26,000 samples), mean and standard deviation per config.

Raw per-seed lines go to OUT.jsonl as they come (a rerun skips the runs already there); OUT.md is the table.
--jobs N trains N runs side by side, each with cores / N intra-op threads (the small 2D networks use two
threads poorly: two one-thread runs finish about twice the work of one two-thread run).

    /usr/bin/python3 bench/remedies.py --configs configs/ring8-gan.toml configs/ring8-pacgan.toml \
        --seeds 0 1 2 3 4 [--set train.steps=N ...] [--jobs 2] [--runs runs/remedies] [--out docs/results/remedies-ring8]
"""
import argparse
import json
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench_util import cli, mean_sd, read_jsonl


def stem(config):
    """A config's name: its file name without .toml (the run folders and table rows use it)."""
    return os.path.splitext(os.path.basename(config))[0]


def is_image(line):
    """A Stacked MNIST (image) line: modes from the evaluator's classes, no high-quality share."""
    return "high_quality" not in line


def row_image(name, lines):
    def stat(key):  # FID may be absent (--eval-metrics without fid)
        v = [l[key] for l in lines if l.get(key) is not None]
        return mean_sd(v) if v else (float("nan"), 0.0)
    cov, cov_sd = stat("modes_covered")
    kl, kl_sd = stat("kl")
    fid, fid_sd = stat("fid")
    modes = lines[0]["modes"]
    secs = statistics.mean(l["train_seconds"] for l in lines)
    all_modes = sum(l["modes_covered"] == modes for l in lines)
    return (f"| `{name}` | {len(lines)} | {cov:.1f} +- {cov_sd:.1f} / {modes} | {all_modes}/{len(lines)} | "
            f"{kl:.3f} +- {kl_sd:.3f} | {fid:.2f} +- {fid_sd:.2f} | {secs:.0f} s |")


def row(name, lines):
    def stat(key, scale=1.0):
        return mean_sd([scale * l[key] for l in lines])
    cov, cov_sd = stat("modes_covered")
    hq, hq_sd = stat("high_quality", 100)
    kl, kl_sd = stat("reverse_kl")
    modes = lines[0]["modes"]
    secs = statistics.mean(l["train_seconds"] for l in lines)
    all_modes = sum(l["modes_covered"] == modes for l in lines)
    return (f"| `{name}` | {len(lines)} | {cov:.2f} +- {cov_sd:.2f} / {modes} | {all_modes}/{len(lines)} | "
            f"{hq:.1f} +- {hq_sd:.1f}% | {kl:.3f} +- {kl_sd:.3f} | {secs:.0f} s |")


def figure(a, path, tile=160):
    """Rows of configs, columns of seeds: the last samples picture of each run (the scatter plot for 2D data)."""
    from PIL import Image, ImageDraw
    names = [stem(c) for c in a.configs]
    label = 12 + 6 * max(len(n) for n in names)  # PIL's default font: 6 px a character; no name cut off
    out = Image.new("RGB", (label + tile * len(a.seeds), 20 + tile * len(names)), "white")
    draw = ImageDraw.Draw(out)
    for j, seed in enumerate(a.seeds):
        draw.text((label + j * tile + tile // 2 - 20, 4), f"seed {seed}", fill="black")
    for i, name in enumerate(names):
        draw.text((4, 20 + i * tile + tile // 2 - 6), name, fill="black")
        for j, seed in enumerate(a.seeds):
            samples = os.path.join(a.runs, f"{name}-seed{seed}", "samples")
            pngs = sorted(p for p in os.listdir(samples) if p.endswith(".png")) if os.path.isdir(samples) else []
            if pngs:
                im = Image.open(os.path.join(samples, pngs[-1])).convert("RGB").resize((tile, tile), Image.LANCZOS)
                out.paste(im, (label + j * tile, 20 + i * tile))
    out.save(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", nargs="+", required=True)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--set", action="append", default=[], help="a config override for every run")
    ap.add_argument("--jobs", type=int, default=1, help="runs trained side by side")
    ap.add_argument("--runs", default="runs/remedies")
    ap.add_argument("--table-only", action="store_true",
                    help="train nothing: write the table (and figure) from the runs already in OUT.jsonl")
    ap.add_argument("--figure", action="store_true",
                    help="also OUT.png: each run's last samples picture, a row per config, a column per seed")
    ap.add_argument("--out", default="docs/results/remedies")
    ap.add_argument("--eval-metrics", default="",
                    help="image runs: `ganforge eval --metrics` (default: every metric; e.g. fid,classes)")
    a = ap.parse_args()
    a.eval_args = ["--metrics", a.eval_metrics] if a.eval_metrics else []
    done = {(j["config"], j["seed"]): j for j in read_jsonl(a.out + ".jsonl")}
    threads = max(1, (os.cpu_count() or 1) // a.jobs) if a.jobs > 1 else 0
    lock = threading.Lock()

    def one(config, seed):
        name = stem(config)
        run = os.path.join(a.runs, f"{name}-seed{seed}")
        sets = []
        for s in a.set + [f"train.seed={seed}"] + ([f"train.threads={threads}"] if threads else []):
            sets += ["--set", s]
        t0 = time.time()
        cli("train", config, "--out", run, "--overwrite", "--quiet", *sets)
        seconds = time.time() - t0
        e = json.loads(cli("eval", "--run", run, "--json", *a.eval_args).strip().splitlines()[-1])
        line = {"config": name, "seed": seed, "step": e["step"], "train_seconds": round(seconds, 1),
                "jobs": a.jobs, "overrides": a.set}
        g = e["generated"]
        if "classes" in g:  # Stacked MNIST: the evaluator's 1,000 modes (VEEGAN/PacGAN protocol), and FID
            c = g["classes"]
            line.update({"n": g["n"], "modes_covered": c["covered"], "modes": c["of"], "kl": c["kl"],
                         "kl_uniform": c["kl_uniform"], "fid": g.get("fid"), "modes_counts": c["counts"]})
        else:
            line.update(g)
            line.pop("counts", None)
            line["modes_counts"] = g.get("counts")
        with lock:
            done[(name, seed)] = line
            with open(a.out + ".jsonl", "a") as f:
                f.write(json.dumps(line) + "\n")
            quality = (f"KL {line['kl']:.3f}, FID {line['fid']:.2f}" if is_image(line) else
                       f"{100 * line['high_quality']:.1f}% high quality, reverse KL {line['reverse_kl']:.4f}")
            print(f"{name} seed {seed}: {line['modes_covered']}/{line['modes']} modes, {quality} "
                  f"({seconds:.0f} s)", flush=True)

    todo = [(c, s) for c in a.configs for s in a.seeds
            if (stem(c), s) not in done and not a.table_only]
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for f in [pool.submit(one, c, s) for c, s in todo]:
            f.result()  # a failed run stops the table with its error
    rows = {}
    for config in a.configs:
        name = stem(config)
        lines = [done[(name, s)] for s in a.seeds if (name, s) in done]
        if lines:
            rows[name] = lines
    images = any(is_image(lines[0]) for lines in rows.values())
    if images:
        md = ["| config | seeds | modes covered (mean +- sd) | seeds with every mode | KL to the real modes | FID | "
              "training time per seed |", "|---|---:|---:|---:|---:|---:|---:|"]
    else:
        md = ["| config | seeds | modes covered (mean +- sd) | seeds with every mode | high quality | reverse KL | "
              "training time per seed |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, lines in rows.items():
        md.append(row_image(name, lines) if images else row(name, lines))
    md.append("")
    first = next(iter(rows.values()))[0] if rows else {}
    stacked = first.get("modes") == 1000
    protocol = ((f"{first.get('n', 0):,} samples per seed (VEEGAN/PacGAN protocol: each channel's digit named by the "
                 "evaluator, a mode covered by at least one sample; KL of the mode histogram to the real data's; FID "
                 "of the stacked features against the real train split)") if images and stacked else
                (f"{first.get('n', 0):,} samples per seed (modes: the classes the evaluator names, a class covered by "
                 "at least one sample; KL of the class histogram to the real data's; FID against the real train "
                 "split)") if images else
                "2,500 samples per seed (PacGAN protocol: nearest mode within 3 sigma is high quality; a mode is "
                "covered by at least one such sample; reverse KL of the covered-mode histogram to uniform)")
    md.append(protocol + "; standard deviation over seeds (n - 1). Command: `/usr/bin/python3 bench/remedies.py --configs "
              + " ".join(a.configs) + " --seeds " + " ".join(map(str, a.seeds))
              + "".join(f" --set {s}" for s in a.set) + (f" --jobs {a.jobs}" if a.jobs > 1 else "")
              + (f" --eval-metrics {a.eval_metrics}" if a.eval_metrics else "")
              + f" --out {a.out}`" + (f"; {a.jobs} runs side by side, {threads} thread(s) each: the training "
                                      "times are under that load" if a.jobs > 1 else ""))
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    if a.figure:
        figure(a, a.out + ".png")
    print("\n".join(md))


if __name__ == "__main__":
    main()
