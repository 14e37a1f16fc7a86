"""Shared set-up of the `ganforge serve` tests: small real runs trained by the CLI, and a server process."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SRC = os.environ.get("GANFORGE_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.environ.get("GANFORGE_BIN", os.path.join(SRC, "build", "ganforge"))

# Small budgets: a few seconds each on two cores.
RUNS = {
    "digits": ["configs/mnist-mlp.toml", "train.steps=120", "train.log_every=10", "train.sample_every=40",
               "train.checkpoint_every=60", "train.eval_every=0"],
    "cdigits": ["configs/mnist-cgan.toml", "train.steps=20", "train.log_every=10", "train.sample_every=20",
                "train.checkpoint_every=20", "train.eval_every=0"],
    "ring": ["configs/ring8-gan.toml", "train.steps=300", "train.log_every=20", "train.sample_every=100",
             "train.checkpoint_every=100"],
    # Image-to-image (pix2pix, edges -> Fashion-MNIST at 32 px), narrow networks: what the Translate panel needs.
    "sketches": ["configs/edges2fashion-32.toml", "model.g_channels=8", "model.d_channels=8", "data.batch_size=8",
                 "train.steps=4", "train.log_every=2", "train.sample_every=4", "train.checkpoint_every=4"],
}


def train_args(config, sets, out, quiet=True):
    args = [BIN, "train", "--config", os.path.join(SRC, config), "--out", out, "--deterministic"]
    for s in sets:
        args += ["--set", s]
    return args + (["--quiet"] if quiet else [])


def make_runs(root, names):
    for name in names:
        config, *sets = RUNS[name]
        subprocess.run(train_args(config, sets, os.path.join(root, name)), check=True, cwd=SRC,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)


class Server:
    """`ganforge serve` on a free port of 127.0.0.1; `url` ends with '/'."""

    def __init__(self, runs, *extra, env=None):
        self.proc = subprocess.Popen([BIN, "serve", "--runs", runs, "--port", "0", *extra], cwd=SRC,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, **(env or {})))
        line = self.proc.stdout.readline()
        m = re.search(r"(http://[^ ]+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("serve did not start: " + line + self.proc.stderr.read())
        self.url = m.group(1)
        self.base = self.url.split("?")[0]
        self.banner = line

    def stop(self):
        """SIGINT, as Ctrl-C; returns the exit code. The rest of its output is in `stdout` and `stderr`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.stdout, self.stderr = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.stdout, self.stderr = self.proc.communicate()
        return self.proc.returncode


def get(url, headers=None, data=None, method=None):
    """(status, headers, body bytes) of one request; HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, headers=headers or {}, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url, **kw):
    status, headers, body = get(url, **kw)
    return status, json.loads(body)


def temp_root():
    return tempfile.mkdtemp(prefix="ganforge-serve-")


def remove(root):
    shutil.rmtree(root, ignore_errors=True)


def wait_for(predicate, timeout, every=0.2):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return predicate()
