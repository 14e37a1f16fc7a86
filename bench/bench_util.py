"""What the bench scripts share: the ganforge binary they run and their results files."""
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("GANFORGE_BIN", os.path.join(ROOT, "build", "ganforge"))


def cli(*args):
    """Run ganforge in the source tree; its stdout, or exit with its stderr on failure."""
    p = subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{args}: {p.stderr}")
    return p.stdout


def read_jsonl(path):
    """The lines of a results file already written (none when it does not exist yet)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]
