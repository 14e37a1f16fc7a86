#!/usr/bin/python3
"""Where the time goes: a `perf` profile of each benchmark case, ganforge and the fair PyTorch baseline,
broken down into matrix products, convolutions, elementwise kernels, Adam, framework overhead (dispatch,
autograd, Python), memory (allocation, page faults, copies), the OpenMP runtime (threads waiting at barriers)
and the rest.

Each side runs as bench/compare.py's worker (`ganforge bench --case C --serve`, `bench/reference.py --case C
--serve`), is warmed up, and `perf record -p PID` samples it only while it runs ~SECONDS of iterations, so
start-up (library loading, operator registration, oneDNN's JIT compilation) is not in the profile. oneDNN
names its JIT kernels for perf (ONEDNN_JIT_PROFILE=2 writes /tmp/perf-PID.map). The PyTorch worker is the
fair, careful one with 2 threads (OpenBLAS variables unset, malloc keeping freed memory, --careful for the
training cases); ganforge runs with the variables unset too. Needs `perf` (Debian's linux-perf).

  /usr/bin/python3 bench/profile.py --json bench/results/profile.json > bench/results/profile.md   # ~4 min
  /usr/bin/python3 bench/profile.py --table-from bench/results/profile.json
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from bench_util import ROOT, add_results_args, environment, read_results, write_results
from compare import TRAINING, Worker

CASES = ["mlp", "dcgan64", "wgangp", "sample-mlp", "sample-dcgan", "eval"]
CATEGORIES = ["matrix products", "convolutions", "elementwise", "Adam", "overhead", "memory", "OpenMP runtime",
              "other"]
LINE = re.compile(r"^\s*([\d.]+)%\s+(\S.*?)\s+\[(.)\]\s+(.*)$")
KERNEL_MEMORY = ("page", "fault", "clear_", "mm_", "alloc", "munmap", "mmap", "brk", "lru", "memcg", "rmqueue")


def category(dso, sym):
    """One of CATEGORIES for a (shared object, symbol) row of `perf report --sort dso,sym`."""
    s = sym.lower()
    if "adam" in s:
        return "Adam"
    if "gemm" in s or "openblas" in dso or dso.startswith("libblas"):
        return "matrix products"
    if "conv" in s or "reorder" in s or dso.startswith("[JIT]"):
        return "convolutions"  # oneDNN's convolution kernels and the layout reorders around them
    if dso.startswith("libgomp"):
        return "OpenMP runtime"
    if dso == "[kernel.kallsyms]":
        return "memory" if any(k in s for k in KERNEL_MEMORY) else "other"
    if dso.startswith("libc.so") or dso.startswith("libc-"):
        return "memory" if any(k in s for k in ("malloc", "free", "mem", "_int_", "realloc", "calloc")) else "other"
    if dso.startswith("libtorch_cpu") and sym.startswith("0x"):
        # libtorch_cpu exports its operators and dispatch (c10::, at::_ops, at::native, torch::autograd: named
        # here); what perf cannot name is its internal code, which is mostly the per-ISA kernels (elementwise
        # loops, pooling, normalization, im2col), compiled in anonymous namespaces.
        return "elementwise"
    if "sleef" in s or "ganforge::kernels" in s or "_omp_fn" in s or "vectorized" in s or "cpu_kernel" in s or \
            re.search(r"at::native::(avx512|avx2|default)::", s) or "function_ref<void (char**" in s or \
            "basic_loop" in s or "batch_norm" in s:
        return "elementwise"
    if "python" in dso or dso.startswith("libc10") or dso.startswith("libtorch") or dso.startswith("libdnnl") or \
            dso.startswith("ganforge") or dso.startswith("libstdc++") or dso == "[JIT] tid" or dso.startswith("[JIT]"):
        return "overhead"
    return "other"


def profile(case, side, seconds):
    env = environment(blas_unset=True, keep_memory=True, ONEDNN_JIT_PROFILE="2")
    if side == "ganforge":
        argv = [os.path.join(ROOT, "build", "ganforge"), "bench", "--case", case, "--serve"]
    else:
        argv = ["/usr/bin/python3", os.path.join(ROOT, "bench", "reference.py"), "--case", case, "--serve",
                "--threads", "2"] + (["--careful"] if case in TRAINING else [])
    w = Worker(side, argv, env)
    first = w.run(1)
    w.run(max(1, int(1000 / max(first, 1e-3))))  # warm-up, about a second
    n = max(1, int(1000 * seconds / max(first, 1e-3)))
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        perf = subprocess.Popen(["perf", "record", "-q", "-F", "2999", "-p", str(w.proc.pid), "-o", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        ms = w.run(n)
        perf.send_signal(signal.SIGINT)
        perf.wait()
        report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "--stdio",
                                 "--percent-limit", "0"], capture_output=True, text=True).stdout
    w.close()
    symbols = []
    for line in report.splitlines():
        m = LINE.match(line)
        if m:
            symbols.append({"percent": float(m.group(1)), "dso": m.group(2).strip(), "symbol": m.group(4).strip()})
    return {"case": case, "side": side, "ms_per_iter": ms / n, "symbols": symbols}


def shares(row):
    """Each category's share of the profile's samples (categories computed here, so a results file can be
    tabled again after category() changes)."""
    out = dict.fromkeys(CATEGORIES, 0.0)
    for x in row["symbols"]:
        out[category(x["dso"], x["symbol"])] += x["percent"]
    total = sum(out.values()) or 1.0
    return {k: v / total for k, v in out.items()}


def report(rows, out):
    print("| case | side | ms / iteration (profiled) | " + " | ".join(CATEGORIES) + " |", file=out)
    print("|---|---|---|" + "---|" * len(CATEGORIES), file=out)
    for r in rows:
        sh = shares(r)
        cells = " | ".join(f"{100 * sh[c]:.0f}%" for c in CATEGORIES)
        print(f"| {r['case']} | {r['side']} | {r['ms_per_iter']:.2f} | {cells} |", file=out)
    out.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", action="append", choices=CASES, help="repeatable; default: all")
    ap.add_argument("--seconds", type=float, default=8.0, help="profiled time per side and case")
    add_results_args(ap, "the results (with every profile's symbols)")
    args = ap.parse_args()
    if args.table_from:
        report(read_results(args.table_from)["results"], sys.stdout)
        return
    rows = []
    for case in args.case or CASES:
        for side in ("ganforge", "pytorch fair careful 2t" if case in TRAINING else "pytorch fair 2t"):
            print(f"profile.py: {case}, {side} ...", file=sys.stderr, flush=True)
            rows.append(profile(case, side, args.seconds))
    report(rows, sys.stdout)
    if args.json:
        write_results(args.json, results=rows)


if __name__ == "__main__":
    main()
