#!/usr/bin/python3
"""ganforge against eager PyTorch, side by side in one run: the table of BENCHMARKS.md.

For each case it starts one worker per side, `ganforge bench --case C --serve` and `bench/reference.py --case C
--serve` in three configurations (PyTorch as installed; glibc malloc told to keep freed memory, with 2 and with
1 intra-op threads), warms each up, then runs ROUNDS rounds in which every worker in turn (the order rotating)
runs enough iterations for about ROUND_SECONDS. Per side: min and median ms per iteration over the rounds,
samples/s, GFLOP/s (the reference's per-layer FLOP count, the same networks), the share of the sgemm peak
measured in the same run, peak RSS; and ganforge's speed-up over PyTorch's best configuration.

  /usr/bin/python3 bench/compare.py                       # every case; about 10 minutes
  /usr/bin/python3 bench/compare.py --case mlp --case dcgan64 --rounds 5 --json out.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CASES = ["sgemm", "sgemm-blas", "mlp", "dcgan64", "dcgan128", "wgangp", "sample-mlp", "sample-dcgan", "eval"]
KEEP_MEMORY = {"MALLOC_TRIM_THRESHOLD_": "4000000000", "MALLOC_MMAP_THRESHOLD_": "33554432"}


class Worker:
    def __init__(self, label, argv, env):
        self.label = label
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True,
                                     cwd=ROOT)
        self.hello = self.read()
        self.per_iter = []

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"compare.py: worker {self.label} ended early (exit {self.proc.wait()})")
        return json.loads(line)

    def ask(self, request):
        self.proc.stdin.write(request + "\n")
        self.proc.stdin.flush()
        return self.read()

    def run(self, n):
        return self.ask(f"run {n}")["ms"]

    def close(self):
        self.rss = self.ask("rss")["peak_rss_mib"]
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


def workers_for(case, ganforge):
    base = {k: v for k, v in os.environ.items() if k not in KEEP_MEMORY}
    ref = ["/usr/bin/python3", os.path.join(ROOT, "bench", "reference.py"), "--case", case, "--serve"]
    return [
        Worker("ganforge", [ganforge, "bench", "--case", case, "--serve"], base),
        Worker("pytorch default", ref, base),
        Worker("pytorch keep-memory 2t", ref + ["--threads", "2"], {**base, **KEEP_MEMORY}),
        Worker("pytorch keep-memory 1t", ref + ["--threads", "1"], {**base, **KEEP_MEMORY}),
    ]


def run_rounds(ws, rounds, round_seconds):
    """Warm every worker up, then `rounds` rounds of ~round_seconds each, the order rotating; closes them."""
    iters = {}
    for w in ws:  # warm-up, and each worker's iterations per round
        first = w.run(1)
        iters[w.label] = max(1, int(1000 * round_seconds / max(first, 1e-3)))
        w.run(iters[w.label])
    for r in range(rounds):
        for i in range(len(ws)):
            w = ws[(r + i) % len(ws)]
            w.per_iter.append(w.run(iters[w.label]) / iters[w.label])
    for w in ws:
        w.close()


def measure(case, ganforge, rounds, round_seconds):
    ws = workers_for(case, ganforge)
    run_rounds(ws, rounds, round_seconds)
    flops = ws[1].hello["flops_per_iter"]
    rows = []
    for w in ws:
        med = statistics.median(w.per_iter)
        rows.append({"side": w.label, "threads": w.hello["threads"], "min_ms": min(w.per_iter), "median_ms": med,
                     "samples_per_s": 1000 * w.hello["samples_per_iter"] / med, "gflops": flops / med / 1e6,
                     "peak_rss_mib": w.rss})
    return {"case": case, "what": ws[0].hello["what"], "flops_per_iter": flops, "rows": rows}


def report(results, out):
    peak = next((r["rows"][0]["gflops"] for r in results if r["case"] == "sgemm"), None)
    print("| case | side | threads | min ms | median ms | samples/s | GFLOP/s | % of sgemm peak | peak RSS MiB | "
          "ganforge speed-up |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    for res in results:
        rows = res["rows"]
        best = min(rows[1:], key=lambda r: r["median_ms"])
        for r in rows:
            share = f"{100 * r['gflops'] / peak:.0f}%" if peak else "-"
            if r is rows[0]:
                speed = f"**{best['median_ms'] / r['median_ms']:.2f}x** vs best"
            else:
                speed = f"{r['median_ms'] / rows[0]['median_ms']:.2f}x" + (" (best)" if r is best else "")
            print(f"| {res['case'] if r is rows[0] else ''} | {r['side']} | {r['threads']} | {r['min_ms']:.3f} | "
                  f"{r['median_ms']:.3f} | {'-' if res['case'].startswith('sgemm') else format(r['samples_per_s'], ',.0f')} | {r['gflops']:.1f} | {share} | "
                  f"{r['peak_rss_mib']:.0f} | {speed} |", file=out)
    out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", choices=CASES, help="repeatable; default: all")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--round-seconds", type=float, default=1.0)
    ap.add_argument("--ganforge", default=os.path.join(ROOT, "build", "ganforge"))
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    cases = args.case or CASES
    if "sgemm" not in cases:
        cases = ["sgemm"] + cases  # the peak every share is a share of
    results = []
    for c in cases:
        print(f"compare.py: {c} ...", file=sys.stderr, flush=True)
        results.append(measure(c, args.ganforge, args.rounds, args.round_seconds))
    report(results, sys.stdout)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
