"""What the bench scripts share: the ganforge binary they run and their results files."""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("GANFORGE_BIN", os.path.join(ROOT, "build", "ganforge"))
# glibc malloc told to keep freed memory (what ganforge's runtime::configure does for itself)
KEEP_MEMORY = {"MALLOC_TRIM_THRESHOLD_": "4000000000", "MALLOC_MMAP_THRESHOLD_": "33554432"}
# the environment's OpenBLAS settings (Haswell kernels on this AVX-512 CPU), unset for the fair baseline
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cli(*args):
    """Run ganforge in the source tree; its stdout, or exit with its stderr on failure."""
    p = subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{args}: {p.stderr}")
    return p.stdout


def mean_sd(values):
    """Mean and sample standard deviation (n - 1; 0 for one value) of a list of numbers over seeds."""
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def read_jsonl(path):
    """The lines of a results file already written (none when it does not exist yet)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def environment(blas_unset=False, keep_memory=False, **extra):
    """This process's environment for a worker: without the OpenBLAS variables where blas_unset, with glibc
    keeping freed memory where keep_memory (never inherited otherwise), and `extra` on top."""
    env = {k: v for k, v in os.environ.items() if k not in KEEP_MEMORY and not (blas_unset and k in BLAS_VARS)}
    return {**env, **(KEEP_MEMORY if keep_memory else {}), **extra}


def add_round_args(ap):
    """--rounds, --round-seconds and --ganforge of the side-by-side scripts (compare.py, switches.py)."""
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--round-seconds", type=float, default=0.7)
    ap.add_argument("--ganforge", default=os.path.join(ROOT, "build", "ganforge"))


def add_results_args(ap, what="the results"):
    """--json OUT (also write the results there) and --table-from FILE (print the table of one written before)."""
    ap.add_argument("--json", help=f"also write {what} here")
    ap.add_argument("--table-from", metavar="JSON", help="print the table of a results file written before")


def read_results(path):
    with open(path) as f:
        return json.load(f)


def write_results(path, **content):
    """A results file: {"meta": the command that wrote it, the commit, the date (UTC), **content}."""
    meta = {"command": " ".join(["/usr/bin/python3", os.path.relpath(os.path.abspath(sys.argv[0]), ROOT),
                                 *sys.argv[1:]]),
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True).stdout.strip(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with open(path, "w") as f:
        json.dump({"meta": meta, **content}, f, indent=1)
