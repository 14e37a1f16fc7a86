#!/usr/bin/python3
"""Two ganforge builds side by side in one run: did a change cost speed?

For each case it starts `BIN bench --case C --serve` for the old and the new binary, warms both up, then runs
ROUNDS rounds in which each (in alternating order) runs enough iterations for about ROUND_SECONDS. Reports
min and median ms per iteration and new/old of the medians (below 1: the new build is faster).

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare_builds.py \\
      --old /tmp/ganforge-old --new build/ganforge --json bench/results/compare-builds.json
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import Worker, run_rounds  # noqa: E402

CASES = ["mlp", "dcgan64", "dcgan128", "wgangp", "sample-mlp", "sample-dcgan", "eval"]


def measure(case, old, new, rounds, round_seconds):
    env = dict(os.environ)
    ws = [Worker("old", [old, "bench", "--case", case, "--serve"], env),
          Worker("new", [new, "bench", "--case", case, "--serve"], env)]
    run_rounds(ws, rounds, round_seconds)
    rows = {w.label: {"min_ms": min(w.per_iter), "median_ms": statistics.median(w.per_iter),
                      "per_round_ms": w.per_iter} for w in ws}
    return {"case": case, "what": ws[1].hello["what"], "old": rows["old"], "new": rows["new"],
            "new_over_old": rows["new"]["median_ms"] / rows["old"]["median_ms"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--case", action="append", choices=CASES)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--round-seconds", type=float, default=1.0)
    ap.add_argument("--json")
    args = ap.parse_args()
    results = []
    for c in args.case or CASES:
        print(f"compare_builds.py: {c} ...", file=sys.stderr, flush=True)
        results.append(measure(c, args.old, args.new, args.rounds, args.round_seconds))
    print("| case | old min ms | old median ms | new min ms | new median ms | new / old (medians) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['case']} | {r['old']['min_ms']:.3f} | {r['old']['median_ms']:.3f} | {r['new']['min_ms']:.3f} | "
              f"{r['new']['median_ms']:.3f} | {r['new_over_old']:.3f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
