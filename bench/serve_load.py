#!/usr/bin/env python3
"""`ganforge serve` under load, and what it costs a run that trains beside it (issue 18).

Four phases per round (rounds interleaved, the best time of each kept), each bounded in time, all on
127.0.0.1 of this machine (2 cores shared by trainer, server and clients):
  1. training alone: `train mnist-mlp` for STEPS steps (logged every 5, a grid every 100), timed;
  2. the same training while `ganforge serve` serves its folder to one dashboard (the live stream plus the
     page's requests after each change): the cost of watching;
  3. the same training while CLIENTS clients request the runs list, a run, its metrics and its grids as fast
     as they can, for as long as the training lasts (at most SECONDS): the cost of a crowd;
  4. the same crowd with no training: the server's capacity on this machine.
Reports requests/s, latency p50/p99 and errors per loaded phase, and each training's wall time beside phase 1.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/serve_load.py [--clients 50] [--seconds 30] \
        [--steps 1500] [--rounds 2] [--out bench/results/serve_load]

writes OUT.json and OUT.md.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "serve"))
from serve_fixture import BIN, Server, make_runs, train_args  # noqa: E402

TRAIN_SETS = ["train.log_every=5", "train.sample_every=100", "train.checkpoint_every=500", "train.eval_every=0"]


def train(root, name, steps):
    t0 = time.time()
    subprocess.run(train_args("configs/mnist-mlp.toml", TRAIN_SETS + ["train.steps=%d" % steps], os.path.join(root, name)),
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.time() - t0


def start_train(root, name, steps):
    return subprocess.Popen(train_args("configs/mnist-mlp.toml", TRAIN_SETS + ["train.steps=%d" % steps], os.path.join(root, name)),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Crowd:
    """CLIENTS threads, each with a keep-alive connection, looping over the dashboard's read requests."""

    def __init__(self, port, clients, run):
        self.port, self.clients, self.run = port, clients, run
        self.latencies, self.errors, self.stop = [], 0, threading.Event()
        self.lock = threading.Lock()

    def paths(self, rng):
        steps = [100, 200, 300]
        return rng.choice(["/api/runs", "/api/runs/%s" % self.run, "/api/runs/%s/metrics?since=0" % self.run,
                           "/api/runs/%s/grid/%d.png" % (self.run, rng.choice(steps))])

    def client(self, seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        mine, errors = [], 0
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                conn.request("GET", self.paths(rng))
                r = conn.getresponse()
                r.read()
                if r.status not in (200, 404):
                    errors += 1
            except Exception:
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            mine.append(time.perf_counter() - t0)
        with self.lock:
            self.latencies += mine
            self.errors += errors

    def run_for(self, seconds, until=None):
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(self.clients)]
        t0 = time.time()
        for t in threads:
            t.start()
        while time.time() - t0 < seconds and not (until and until()):
            time.sleep(0.1)
        self.stop.set()
        for t in threads:
            t.join()
        elapsed = time.time() - t0
        lat = sorted(self.latencies)
        pct = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None
        return {"clients": self.clients, "seconds": round(elapsed, 2), "requests": len(lat),
                "requests_per_s": round(len(lat) / elapsed, 1), "p50_ms": round(pct(0.5), 2), "p99_ms": round(pct(0.99), 2),
                "errors": self.errors}


def dashboard(port, run, stop):
    """One page's traffic: the live stream, and after each change of the run its metrics since the last offset."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/live")
    r = conn.getresponse()
    other = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    since = 0
    while not stop.is_set():
        line = r.fp.readline().decode()
        if line.startswith("data: ") and json.loads(line[6:])["run"] == run:
            other.request("GET", "/api/runs/%s/metrics?since=%d" % (run, since))
            since = json.loads(other.getresponse().read())["next"]
            other.request("GET", "/api/runs/%s" % run)
            other.getresponse().read()
    conn.close()


def watched_training(root, port, name, steps):
    stop = threading.Event()
    watcher = threading.Thread(target=dashboard, args=(port, name, stop), daemon=True)
    p = start_train(root, name, steps)
    t0 = time.time()
    watcher.start()
    p.wait()
    stop.set()
    return round(time.time() - t0, 2)


def crowded_training(root, port, name, steps, clients, seconds):
    p = start_train(root, name, steps)
    t0 = time.time()
    load = Crowd(port, clients, "served").run_for(seconds, until=lambda: p.poll() is not None)
    p.wait()
    return round(time.time() - t0, 2), load


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "serve_load"))
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="ganforge-serve-load-")
    res = {"clients": a.clients, "steps": a.steps, "max_seconds": a.seconds, "rounds": a.rounds,
           "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
           "train_alone_s": [], "train_watched_s": [], "train_crowded_s": [], "crowd_while_training": [], "crowd_alone": []}
    try:
        train(root, "served", 300)  # what the crowd reads: 3 grids, 60 metrics lines
        server = Server(root)
        port = int(re.search(r":(\d+)/", server.base).group(1))
        try:
            # Interleaved rounds: alone, watched, crowded, then the crowd without training.
            for r in range(a.rounds):
                res["train_alone_s"].append(round(train(root, "alone%d" % r, a.steps), 2))
                res["train_watched_s"].append(watched_training(root, port, "watched%d" % r, a.steps))
                t, load = crowded_training(root, port, "crowded%d" % r, a.steps, a.clients, a.seconds)
                res["train_crowded_s"].append(t)
                res["crowd_while_training"].append(load)
                res["crowd_alone"].append(Crowd(port, a.clients, "served").run_for(a.seconds))
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write(a.out, res)


def write(out, r):
    with open(out + ".json", "w") as f:
        json.dump(r, f, indent=1)
    best = {k: min(r[k]) for k in ("train_alone_s", "train_watched_s", "train_crowded_s")}
    base = best["train_alone_s"]
    each = lambda k: ", ".join("%.2f" % x for x in r[k])
    lines = ["# ganforge serve under load (bench/serve_load.py)", "",
             "One machine, 2 cores shared by the trainer, the server and the clients (Python threads, one process); "
             "127.0.0.1; OPENBLAS_CORETYPE=%s; %d interleaved rounds, the best of each kept." % (r["env"]["OPENBLAS_CORETYPE"], r["rounds"]), "",
             "| training of mnist-mlp, %d steps, logged every 5 | best wall time (s) | rounds | vs alone |" % r["steps"],
             "|---|---:|---|---:|",
             "| alone | %.2f | %s | 1.00 |" % (base, each("train_alone_s")),
             "| watched by one dashboard (live stream + its fetches) | %.2f | %s | %.3f |" % (best["train_watched_s"], each("train_watched_s"), best["train_watched_s"] / base),
             "| beside %d clients requesting without pause | %.2f | %s | %.3f |" % (r["clients"], best["train_crowded_s"], each("train_crowded_s"), best["train_crowded_s"] / base),
             "", "| load, round | clients | seconds | requests | requests/s | p50 (ms) | p99 (ms) | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, key in [("server alone", "crowd_alone"), ("server while training", "crowd_while_training")]:
        for i, x in enumerate(r[key]):
            lines.append("| %s, %d | %d | %.1f | %d | %.1f | %.2f | %.2f | %d |" % (name, i + 1, x["clients"], x["seconds"],
                         x["requests"], x["requests_per_s"], x["p50_ms"], x["p99_ms"], x["errors"]))
    lines += ["", "Requests: the runs list, a run's details, its whole metrics.jsonl, one of its grids (uniformly mixed)."]
    with open(out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
