#!/usr/bin/python3
"""What each of ganforge's optimizations contributes, measured on the current build: every optimization that
has a switch back to LibTorch's or glibc's way is timed with and without it, side by side in one run (the
workers of bench/compare.py, rounds interleaved, the order rotating). Writes the table and its results file.

Switches (environment variables read by the binary):
  GANFORGE_GEMM=libtorch            linear layers multiply with LibTorch's mm (OpenBLAS here) instead of oneDNN's sgemm
  GANFORGE_CONV_TRANSPOSE=libtorch  transposed convolutions by LibTorch's slow_conv_transpose2d instead of the
                                    convolution's input gradient
  GANFORGE_MALLOC=default           glibc's malloc returns freed memory to the kernel (its default)

The GEMM switch is timed both with the environment as it is and with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
unset, since LibTorch's mm is OpenBLAS and those variables pick its kernels; the others with them unset.

  /usr/bin/python3 bench/switches.py --json bench/results/switches.json > bench/results/switches.md  # ~6 min
  /usr/bin/python3 bench/switches.py --table-from bench/results/switches.json
"""
import argparse
import statistics
import sys

from bench_util import add_results_args, add_round_args, environment, read_results, write_results
from compare import Worker, run_rounds

# (switch variable, value, cases, BLAS settings to time it under)
SWITCHES = [
    ("GANFORGE_GEMM", "libtorch", ["mlp", "sample-mlp"], ["as set", "unset"]),
    ("GANFORGE_CONV_TRANSPOSE", "libtorch", ["dcgan64", "sample-dcgan"], ["unset"]),
    ("GANFORGE_MALLOC", "default", ["mlp", "dcgan64"], ["unset"]),
]


def measure(ganforge, rounds, round_seconds):
    results = []
    for var, value, cases, blas in SWITCHES:
        for case in cases:
            print(f"switches.py: {var}={value}, {case} ...", file=sys.stderr, flush=True)
            ws, specs = [], []
            for b in blas:
                for switched in (False, True):
                    specs.append({"blas_vars": b, "switched": switched})
                    ws.append(Worker(f"{b} {'switched' if switched else 'default'}",
                                     [ganforge, "bench", "--case", case, "--serve"],
                                     environment(blas_unset=b == "unset", **({var: value} if switched else {}))))
            run_rounds(ws, rounds, round_seconds)
            for spec, w in zip(specs, ws):
                results.append({"switch": f"{var}={value}", "case": case, "what": w.hello["what"],
                                "blas_core": w.hello.get("blas_core", ""), **spec,
                                "min_ms": min(w.per_iter), "median_ms": statistics.median(w.per_iter),
                                "per_iter_ms": w.per_iter})
    return results


def report(results, out):
    print("| switch | case | OpenBLAS core | ganforge's way: median ms (min) | switched back: median ms (min) | "
          "gain |", file=out)
    print("|---|---|---|---|---|---|", file=out)
    pairs = {}
    for r in results:
        pairs.setdefault((r["switch"], r["case"], r["blas_vars"]), {})[r["switched"]] = r
    for (switch, case, _), p in pairs.items():
        ours, theirs = p[False], p[True]
        print(f"| `{switch}` | {case} | {ours['blas_core'] or '-'} | {ours['median_ms']:.3f} ({ours['min_ms']:.3f}) | "
              f"{theirs['median_ms']:.3f} ({theirs['min_ms']:.3f}) | **{theirs['median_ms'] / ours['median_ms']:.2f}x** |",
              file=out)
    out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_round_args(ap)
    add_results_args(ap)
    args = ap.parse_args()
    if args.table_from:
        report(read_results(args.table_from)["results"], sys.stdout)
        return
    results = measure(args.ganforge, args.rounds, args.round_seconds)
    report(results, sys.stdout)
    if args.json:
        write_results(args.json, rounds=args.rounds, round_seconds=args.round_seconds, results=results)


if __name__ == "__main__":
    main()
