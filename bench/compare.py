#!/usr/bin/python3
"""ganforge against eager PyTorch, side by side in one run: the table of BENCHMARKS.md.

For each case it starts worker processes, `ganforge bench --case C --serve` and `bench/reference.py --case C
--serve`, warms each up, then runs ROUNDS rounds in which every worker in turn (the order rotating) runs
enough iterations for about ROUND_SECONDS. The workers:

- ganforge with the environment as it is, and ganforge with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset;
- PyTorch as installed (the environment as it is, PyTorch's default threads, glibc's malloc), and with
  malloc keeping freed memory and 2 threads (the environment as it is);
- the fair baseline, with the two OpenBLAS variables unset in that worker's environment alone (the
  environment's Haswell setting halves OpenBLAS's matrix products on this CPU) and malloc keeping freed
  memory, with 2 and with 1 threads; for the training cases also the careful step (reference.py --careful:
  no graph for G in the D step, D frozen in the G step), 2 and 1 threads.

Each worker reports the OpenBLAS kernel set it runs (openblas_get_corename), so the table shows that the
variables took effect. Per worker: min and median ms per iteration over the rounds, samples/s, GFLOP/s (the
reference's per-layer FLOP count, the same networks), the share of the sgemm peak (the fastest sgemm worker of
the same run), peak RSS; and each ganforge worker's speed-up over the best PyTorch worker (lowest median).

  /usr/bin/python3 bench/compare.py --json bench/results/compare.json > bench/results/compare.md   # ~15 min
  /usr/bin/python3 bench/compare.py --case mlp --case dcgan64 --rounds 5
  /usr/bin/python3 bench/compare.py --table-from bench/results/compare.json   # the table again
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from bench_util import add_results_args, add_round_args, environment, read_results, write_results

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CASES = ["sgemm", "sgemm-blas", "mlp", "dcgan64", "dcgan128", "wgangp", "sample-mlp", "sample-dcgan", "eval"]


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


TRAINING = ("mlp", "dcgan64", "dcgan128", "wgangp")


def workers_for(case, ganforge):
    """(label, argv, env) of every worker of `case`; the first two are ganforge's."""
    ref = ["/usr/bin/python3", os.path.join(ROOT, "bench", "reference.py"), "--case", case, "--serve"]
    gf = [ganforge, "bench", "--case", case, "--serve"]
    fair = environment(blas_unset=True, keep_memory=True)
    specs = [
        ("ganforge", gf, environment()),
        ("ganforge, BLAS vars unset", gf, environment(blas_unset=True)),
        ("pytorch default", ref, environment()),
        ("pytorch keep-memory 2t", ref + ["--threads", "2"], environment(keep_memory=True)),
        ("pytorch fair 2t", ref + ["--threads", "2"], fair),
        ("pytorch fair 1t", ref + ["--threads", "1"], fair),
    ]
    if case in TRAINING:
        specs += [("pytorch fair careful 2t", ref + ["--threads", "2", "--careful"], fair),
                  ("pytorch fair careful 1t", ref + ["--threads", "1", "--careful"], fair)]
    return [Worker(label, argv, env) for label, argv, env in specs]


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
    flops = ws[2].hello["flops_per_iter"]
    rows = []
    for w in ws:
        med = statistics.median(w.per_iter)
        rows.append({"side": w.label, "blas_core": w.hello.get("blas_core", ""), "threads": w.hello["threads"],
                     "min_ms": min(w.per_iter), "median_ms": med,
                     "samples_per_s": 1000 * w.hello["samples_per_iter"] / med, "gflops": flops / med / 1e6,
                     "peak_rss_mib": w.rss, "per_iter_ms": w.per_iter})
    return {"case": case, "what": ws[0].hello["what"], "flops_per_iter": flops, "rows": rows}


def is_ganforge(row):
    return row["side"].startswith("ganforge")


def report(results, out):
    """The markdown table: every worker of every case, each ganforge worker's speed-up over the best PyTorch
    worker, each PyTorch worker's time over ganforge's (variables unset)."""
    sgemm = next((r for r in results if r["case"] == "sgemm"), None)
    peak = max(r["gflops"] for r in sgemm["rows"]) if sgemm else None
    print("| case | side | OpenBLAS core | threads | min ms | median ms | samples/s | GFLOP/s | % of sgemm peak | "
          "peak RSS MiB | ganforge speed-up |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|---|", file=out)
    for res in results:
        rows = res["rows"]
        best = min((r for r in rows if not is_ganforge(r)), key=lambda r: r["median_ms"])
        fair_gf = next(r for r in rows if r["side"] == "ganforge, BLAS vars unset")
        for i, r in enumerate(rows):
            share = f"{100 * r['gflops'] / peak:.0f}%" if peak else "-"
            if is_ganforge(r):
                speed = f"**{best['median_ms'] / r['median_ms']:.2f}x** vs best"
            else:
                speed = f"{r['median_ms'] / fair_gf['median_ms']:.2f}x" + (" (best)" if r is best else "")
            rate = "-" if res["case"].startswith("sgemm") else format(r["samples_per_s"], ",.0f")
            print(f"| {res['case'] if i == 0 else ''} | {r['side']} | {r['blas_core'] or '-'} | {r['threads']} | "
                  f"{r['min_ms']:.3f} | {r['median_ms']:.3f} | {rate} | {r['gflops']:.1f} | {share} | "
                  f"{r['peak_rss_mib']:.0f} | {speed} |", file=out)
    out.flush()


def run_main(description, all_cases, measure, report, prog):
    """The command line of the side-by-side case scripts (compare.py, bf16.py): --case (repeatable), rounds,
    --json / --table-from; sgemm always runs first, the peak every share is a share of."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--case", action="append", choices=all_cases, help="repeatable; default: all")
    add_round_args(ap)
    add_results_args(ap)
    args = ap.parse_args()
    if args.table_from:
        report(read_results(args.table_from)["results"], sys.stdout)
        return
    cases = args.case or all_cases
    if "sgemm" not in cases:
        cases = ["sgemm"] + cases
    results = []
    for c in cases:
        print(f"{prog}: {c} ...", file=sys.stderr, flush=True)
        results.append(measure(c, args.ganforge, args.rounds, args.round_seconds))
    report(results, sys.stdout)
    if args.json:
        write_results(args.json, rounds=args.rounds, round_seconds=args.round_seconds, results=results)


def main():
    run_main(__doc__.splitlines()[0], CASES, measure, report, "compare.py")


if __name__ == "__main__":
    main()
