#!/usr/bin/env python3
"""Data-parallel training on this machine, side by side in one run (issue 17).

For each config: 1 process x 2 threads against 2 processes x 1 thread (`train --nproc 2`, torchrun
--standalone), and 2 processes with one allreduce per tensor (`--dist-bucket-mb 0`) against the default
buckets; interleaved rounds, the best time of each kept. Reports steps/s, the share of rank 0's training time
spent in collectives and the MiB averaged per step (both from the run's closing line), then predicts the step
time on 8 and 64 machines at 10 and 100 Gbit/s with a ring allreduce, beside the compute measured here.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/distributed.py [--rounds 3] \
        [--out bench/results/distributed]

writes OUT.json and OUT.md. The equivalence of 2 x B/2 and 1 x B is measured by the tests
(`ctest -R AfterSomeSteps -V`); this script runs them too and copies their lines into the report.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "ganforge")
CASES = {
    # name: (config, steps, extra --set)
    "mnist-mlp": ("mnist-mlp", 300, []),
    "mnist-dcgan": ("mnist-dcgan", 60, []),
    "fashion-wgangp": ("fashion-wgangp", 20, []),
}
COMMON = ["train.sample_every=0", "train.checkpoint_every=0", "train.eval_every=0"]


def run(case, variant, tmp):
    config, steps, sets = CASES[case]
    out = os.path.join(tmp, f"{case}-{variant}")
    cmd = [BIN, "train"]
    if variant != "1x2":
        cmd += ["--nproc", "2"]
    if variant == "2x1-per-tensor":
        cmd += ["--dist-bucket-mb", "0"]
    cmd += ["--config", os.path.join(ROOT, "configs", config + ".toml"), "--out", out, "--overwrite"]
    for s in COMMON + sets + [f"train.steps={steps}", f"train.log_every={steps}",
                              "train.threads=" + ("2" if variant == "1x2" else "0")]:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    with open(os.path.join(out, "metrics.jsonl")) as f:
        last = [json.loads(line) for line in f if '"it_per_s"' in line][-1]
    r = {"steps": steps, "it_per_s": last["it_per_s"], "ms_per_step": 1000.0 / last["it_per_s"]}
    text = p.stdout + p.stderr
    m = re.search(r"(\d+)% of rank 0's training time in collectives, ([\d.]+) MiB averaged per step", text)
    if m:
        r["comm_share"] = int(m.group(1)) / 100.0
        r["mib_per_step"] = float(m.group(2))
    m = re.search(r"G (\d+) params, D (\d+) params", text)
    r["g_params"], r["d_params"] = int(m.group(1)), int(m.group(2))
    return r


def ring_allreduce_s(nbytes, machines, gbit, latency_s):
    """Ring allreduce: 2 (N-1) steps, each sending 1/N of the data and paying one latency."""
    if machines == 1:
        return 0.0
    return 2 * (machines - 1) * (latency_s + nbytes / machines / (gbit * 1e9 / 8))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "distributed"))
    ap.add_argument("--latency-us", type=float, default=50.0, help="per hop of the ring (TCP over Ethernet)")
    args = ap.parse_args()
    variants = ["1x2", "2x1", "2x1-per-tensor"]
    best = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            for case in CASES:
                for v in variants:
                    r = run(case, v, tmp)
                    key = (case, v)
                    if key not in best or r["ms_per_step"] < best[key]["ms_per_step"]:
                        best[key] = r
                    print(f"round {rnd + 1} {case:15s} {v:15s} {r['ms_per_step']:8.2f} ms/step "
                          f"{100 * r.get('comm_share', 0):3.0f}% comm", flush=True)
    eq = subprocess.run(["ctest", "-R", "AfterSomeSteps", "-V"], cwd=os.path.join(ROOT, "build"),
                        capture_output=True, text=True)
    eq_lines = [re.sub(r"^\d+: ", "", l) for l in eq.stdout.splitlines() if "[ distributed ]" in l]

    lines = ["# Data-parallel training (bench/distributed.py)", "",
             "Command: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/distributed.py "
             f"--rounds {args.rounds}`; best of {args.rounds} interleaved rounds; 2 cores.", "",
             "## Throughput on this machine", "",
             "| config | steps | 1 process x 2 threads | 2 processes x 1 thread | comm share | 2 x 1, one allreduce per tensor | comm share | MiB averaged per step |",
             "|---|---|---|---|---|---|---|---|"]
    for case in CASES:
        a, b, c = best[(case, "1x2")], best[(case, "2x1")], best[(case, "2x1-per-tensor")]
        lines.append(f"| {case} | {a['steps']} | {a['ms_per_step']:.2f} ms | {b['ms_per_step']:.2f} ms "
                     f"({a['ms_per_step'] / b['ms_per_step']:.2f}x) | {100 * b['comm_share']:.0f}% | "
                     f"{c['ms_per_step']:.2f} ms | {100 * c['comm_share']:.0f}% | {b['mib_per_step']:.2f} |")
    lines += ["", "## Scale on paper: ring allreduce, fixed global batch", "",
              f"Per step each rank sends its gradients (d_steps x D's + G's, and G's and D's float buffers) "
              f"through one allreduce per phase. Ring allreduce time = 2 (N-1) x ({args.latency_us:.0f} us + "
              "bytes / N / bandwidth). Compute is the 1-process step measured above divided by N (the "
              "optimistic case: the whole batch is split, and small per-process batches run no slower per "
              "sample).", "",
              "| config | MiB per step | compute here (1 machine) | machines | 10 Gbit/s: comm / step / speed-up | 100 Gbit/s: comm / step / speed-up |",
              "|---|---|---|---|---|---|"]
    for case in CASES:
        a, b = best[(case, "1x2")], best[(case, "2x1")]
        nbytes = b["mib_per_step"] * (1 << 20)
        t1 = a["ms_per_step"] / 1000
        for n in (8, 64):
            cells = []
            for gbit in (10, 100):
                comm = ring_allreduce_s(nbytes, n, gbit, args.latency_us * 1e-6)
                step = t1 / n + comm
                cells.append(f"{1000 * comm:.2f} ms / {1000 * step:.2f} ms / {t1 / step:.1f}x")
            lines.append(f"| {case} | {b['mib_per_step']:.2f} | {1000 * t1:.2f} ms | {n} | {cells[0]} | {cells[1]} |")
    lines += ["", "## 2 processes x B/2 against 1 process x B (the tests, `ctest -R AfterSomeSteps -V`)", "", "```"]
    lines += eq_lines + ["```", ""]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out + ".json", "w") as f:
        json.dump({f"{k[0]}/{k[1]}": v for k, v in best.items()} | {"equivalence": eq_lines}, f, indent=1)
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
