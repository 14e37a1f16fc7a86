#!/usr/bin/python3
"""bf16 mixed precision against fp32, ganforge and PyTorch side by side in one run (issue 16, BENCHMARKS.md).

For each case four kinds of worker run in turn, as in compare.py (warm-up, then ROUNDS rounds of about
ROUND_SECONDS each, the order rotating), all with the OpenBLAS variables unset and malloc keeping freed memory
(the fair baseline):

- ganforge fp32 and ganforge bf16 (`ganforge bench --case C --precision fp32|bf16 --serve`);
- PyTorch fp32 and PyTorch bf16 (`bench/reference.py --case C [--bf16] --serve`: torch.autocast("cpu",
  dtype=torch.bfloat16) around each phase's forwards), 2 and 1 threads; the training cases as the careful user
  writes them (--careful).

The table: median ms per iteration, samples/s, the share of the peak of the same precision (the sgemm case:
fp32 2048^3 with oneDNN's sgemm, bf16 with LibTorch's bf16 product), bf16's speed-up over fp32 on each side
(the faster PyTorch worker of each precision), and ganforge bf16 against the best PyTorch bf16 worker.

  /usr/bin/python3 bench/bf16.py --json bench/results/bf16.json > bench/results/bf16.md   # ~10 min
  /usr/bin/python3 bench/bf16.py --table-from bench/results/bf16.json
"""
import os
import statistics
import sys

from bench_util import environment
from compare import ROOT, TRAINING, Worker, run_main, run_rounds

CASES = ["sgemm", "mlp", "dcgan64", "dcgan128", "wgangp", "sample-mlp", "sample-dcgan", "eval"]


def workers_for(case, ganforge):
    env = environment(blas_unset=True, keep_memory=True)
    ref = ["/usr/bin/python3", os.path.join(ROOT, "bench", "reference.py"), "--case", case, "--serve"]
    if case in TRAINING:
        ref.append("--careful")
    specs = []
    for p in ("fp32", "bf16"):
        specs.append((f"ganforge {p}", [ganforge, "bench", "--case", case, "--precision", p, "--serve"]))
    for p in ("fp32", "bf16"):
        for t in ("2", "1"):
            specs.append((f"pytorch {p} {t}t", ref + ["--threads", t] + (["--bf16"] if p == "bf16" else [])))
    return [Worker(label, argv, env) for label, argv in specs]


def measure(case, ganforge, rounds, round_seconds):
    ws = workers_for(case, ganforge)
    run_rounds(ws, rounds, round_seconds)
    flops = next(w for w in ws if not w.label.startswith("ganforge")).hello["flops_per_iter"]
    rows = []
    for w in ws:
        med = statistics.median(w.per_iter)
        rows.append({"side": w.label, "threads": w.hello["threads"], "min_ms": min(w.per_iter), "median_ms": med,
                     "samples_per_s": 1000 * w.hello["samples_per_iter"] / med, "gflops": flops / med / 1e6,
                     "peak_rss_mib": w.rss, "per_iter_ms": w.per_iter})
    return {"case": case, "what": ws[0].hello["what"], "flops_per_iter": flops, "rows": rows}


def precision_of(row):
    return "bf16" if "bf16" in row["side"] else "fp32"


def best(rows, side, precision):
    return min((r for r in rows if r["side"].startswith(side) and precision_of(r) == precision),
               key=lambda r: r["median_ms"])


def report(results, out):
    sgemm = next((r for r in results if r["case"] == "sgemm"), None)
    peak = {p: max(r["gflops"] for r in sgemm["rows"] if precision_of(r) == p) for p in ("fp32", "bf16")} \
        if sgemm else None
    print("| case | side | threads | min ms | median ms | samples/s | GFLOP/s | % of the peak of its precision | "
          "bf16 over fp32 | ganforge bf16 over best PyTorch bf16 |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    for res in results:
        rows = res["rows"]
        pt_bf16 = best(rows, "pytorch", "bf16")
        for i, r in enumerate(rows):
            p = precision_of(r)
            side = "ganforge" if r["side"].startswith("ganforge") else "pytorch"
            speed = vs = ""
            if p == "bf16" and (side == "ganforge" or r is pt_bf16):
                speed = f"{best(rows, side, 'fp32')['median_ms'] / r['median_ms']:.2f}x"
            if side == "ganforge" and p == "bf16":
                vs = f"**{pt_bf16['median_ms'] / r['median_ms']:.2f}x**"
            share = f"{100 * r['gflops'] / peak[p]:.0f}%" if peak else "-"
            rate = "-" if res["case"] == "sgemm" else format(r["samples_per_s"], ",.0f")
            print(f"| {res['case'] if i == 0 else ''} | {r['side']} | {r['threads']} | {r['min_ms']:.3f} | "
                  f"{r['median_ms']:.3f} | {rate} | {r['gflops']:.1f} | {share} | {speed} | {vs} |", file=out)
    out.flush()


def main():
    run_main(__doc__.splitlines()[0], CASES, measure, report, "bf16.py")


if __name__ == "__main__":
    main()
