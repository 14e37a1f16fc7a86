"""HTTP-level tests of `ganforge serve`: every endpoint's JSON shape and status codes, the sampling panel
against `ganforge sample`, path traversal, the token, the limits, files being written or deleted meanwhile,
and the live stream. Real runs, a real server process, requests over 127.0.0.1."""
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse
from contextlib import contextmanager

from serve_fixture import BIN, RUNS, SRC, Server, get, get_json, make_runs, remove, temp_root, train_args, wait_for


@contextmanager
def copy_of(run, name):
    """A copy of the run folder `run` beside it, named `name`, removed afterwards; yields its path."""
    path = os.path.join(os.path.dirname(run), name)
    shutil.copytree(run, path, symlinks=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def served(root, *paths):
    """(status, JSON) of each path from a server started on `root` for these requests only."""
    s = Server(root)
    try:
        return [get_json(s.base + p) for p in paths]
    finally:
        s.stop()


class Translation(unittest.TestCase):
    """POST /api/runs/RUN/translate: the one endpoint with a body, for image-to-image runs."""

    @classmethod
    def setUpClass(cls):
        cls.root = temp_root()
        make_runs(cls.root, ["digits", "sketches"])
        cls.server = Server(cls.root)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        remove(cls.root)

    def post(self, run, body, query=""):
        return get(self.server.base + "api/runs/%s/translate?token=%s%s" % (run, self.token(), query), data=body,
                   method="POST", headers={"Content-Type": "application/octet-stream"})

    def token(self):
        return self.server.url.split("token=")[1] if "token=" in self.server.url else ""

    def drawing(self, size=(120, 90), colour=None):
        from PIL import Image, ImageDraw
        im = Image.new("RGB", size, colour or (255, 255, 255))
        if colour is None:
            ImageDraw.Draw(im).rectangle([30, 10, 90, 80], outline=(0, 0, 0), width=3)
        out = io.BytesIO()
        im.save(out, "PNG")
        return out.getvalue()

    def test_a_drawing_comes_back_as_translate_draws_it(self):
        body = self.drawing()
        status, headers, png = self.post("sketches", body)
        self.assertEqual(status, 200, png)
        self.assertEqual(headers["Content-Type"], "image/png")
        # The same as `ganforge translate --pairs` on the same file and checkpoint, byte for byte.
        path = os.path.join(self.root, "d.png")
        with open(path, "wb") as f:
            f.write(body)
        out = os.path.join(self.root, "cli.png")
        subprocess.run([BIN, "translate", "--run", os.path.join(self.root, "sketches"), "--in", path, "--out", out,
                        "--pairs"], check=True, cwd=SRC, capture_output=True)
        with open(out, "rb") as f:
            self.assertEqual(png, f.read())
        status, _, again = self.post("sketches", body, "&checkpoint=step-0000004.pt")
        self.assertEqual((status, again), (200, png))

    def test_bad_drawings_and_runs_are_400s(self):
        cases = [
            ("sketches", b"", "POST the drawing"),
            ("sketches", b"not an image", "not a PNG or JPEG image"),
            ("sketches", self.drawing(colour=(200, 30, 30)), "a colour image"),
            ("sketches", self.drawing(colour=(255, 255, 255)), "no strokes"),
            ("digits", self.drawing(), "drawings are translated by image-to-image runs"),
        ]
        for run, body, needle in cases:
            status, _, reply = self.post(run, body)
            self.assertEqual(status, 400, (run, needle, reply))
            self.assertIn(needle, json.loads(reply)["error"])
        # Other methods and paths stay read-only; a body larger than the drawing limit is refused.
        self.assertEqual(get(self.server.base + "api/runs/sketches?token=" + self.token(), data=b"x",
                             method="POST")[0], 405)
        status, _, _ = self.post("sketches", b"\x89PNG" + b"x" * (9 << 20))
        self.assertEqual(status, 413)


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = temp_root()
        cls.runs = os.path.join(cls.root, "runs")
        os.makedirs(cls.runs)
        make_runs(cls.runs, ["digits", "cdigits", "ring"])
        # Outside the served folder: what traversal attempts reach for.
        with open(os.path.join(cls.root, "secret.txt"), "w") as f:
            f.write("SECRET-OUTSIDE-THE-RUNS-FOLDER\n")
        os.symlink(os.path.join(cls.root), os.path.join(cls.runs, "link-out"))
        cls.server = Server(cls.runs)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        remove(cls.root)

    def url(self, path):
        return self.server.base + path

    def test_runs_list(self):
        status, j = get_json(self.url("api/runs"))
        self.assertEqual(status, 200)
        names = [r["name"] for r in j["runs"]]
        self.assertEqual(names, ["cdigits", "digits", "ring"])  # link-out is not a run
        r = {x["name"]: x for x in j["runs"]}
        self.assertEqual(r["digits"]["step"], 120)
        self.assertEqual(r["digits"]["steps"], 120)
        self.assertEqual(r["digits"]["state"], "finished")
        self.assertEqual(r["digits"]["dataset"], "mnist")
        self.assertEqual(r["digits"]["grids"], 3)  # steps 40, 80, 120
        self.assertTrue(r["ring"]["points"])
        self.assertTrue(r["cdigits"]["conditional"])
        self.assertGreater(r["digits"]["time_s"], 0)

    def test_run_details(self):
        status, j = get_json(self.url("api/runs/digits"))
        self.assertEqual(status, 200)
        self.assertEqual(j["grid_steps"], [40, 80, 120])
        self.assertEqual([c["name"] for c in j["checkpoint_list"]], ["step-0000000.pt", "step-0000060.pt", "step-0000120.pt"])
        self.assertIn("[train]", j["config_text"])
        self.assertEqual(j["status"]["state"], "finished")
        self.assertEqual(j["status"]["sessions"][0]["from_step"], 0)
        self.assertEqual(get_json(self.url("api/runs/nope"))[0], 404)

    def test_metrics_incremental(self):
        status, j = get_json(self.url("api/runs/digits/metrics"))
        self.assertEqual(status, 200)
        steps = [l["step"] for l in j["lines"] if "event" not in l]
        self.assertEqual(steps, list(range(10, 121, 10)))
        size = os.path.getsize(os.path.join(self.runs, "digits", "metrics.jsonl"))
        self.assertEqual(j["next"], size)
        _, again = get_json(self.url("api/runs/digits/metrics?since=%d" % j["next"]))
        self.assertEqual(again["lines"], [])
        _, beyond = get_json(self.url("api/runs/digits/metrics?since=%d" % (size + 100)))
        self.assertTrue(beyond["reset"])  # a rewritten (shorter) file starts again
        self.assertEqual(len(beyond["lines"]), len(j["lines"]))
        self.assertEqual(get_json(self.url("api/runs/digits/metrics?since=-1"))[0], 400)
        self.assertEqual(get_json(self.url("api/runs/digits/metrics?since=abc"))[0], 400)

    def test_half_written_and_malformed_lines(self):
        with copy_of(os.path.join(self.runs, "digits"), "being-written") as run:
            with open(os.path.join(run, "metrics.jsonl"), "a") as f:
                f.write('{"step": 130, "loss_d": \n')  # malformed
                f.write('{"step": 140, "loss_d": 1.0}\n')
                f.write('{"step": 150, "loss_')  # no newline yet: a line being written
            status, j = get_json(self.url("api/runs/being-written/metrics"))
            self.assertEqual(status, 200)
            self.assertEqual(j["skipped"], 1)
            self.assertEqual(j["lines"][-1]["step"], 140)
            self.assertEqual(get_json(self.url("api/runs"))[0], 200)
            with open(os.path.join(run, "status.json"), "w") as f:
                f.write("{not json")
            status, j = get_json(self.url("api/runs/being-written"))
            self.assertEqual(status, 200)
            self.assertEqual(j["state"], "finished")  # no usable status: by the last step against the budget

    def test_grids_and_exports(self):
        status, headers, body = get(self.url("api/runs/digits/grid/80.png"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "image/png")
        with open(os.path.join(self.runs, "digits", "samples", "step-0000080.png"), "rb") as f:
            self.assertEqual(body, f.read())
        self.assertEqual(get(self.url("api/runs/digits/grid/81.png"))[0], 404)
        status, headers, gif = get(self.url("api/runs/digits/grids.gif"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "image/gif")
        self.assertTrue(gif.startswith(b"GIF89a"))
        self.assertEqual(gif.count(b"\x21\xf9\x04"), 3)  # a graphic control block per frame: 3 grids
        status, _, strip = get(self.url("api/runs/digits/grids.png?frames=2"))
        self.assertEqual(status, 200)
        width = int.from_bytes(strip[16:20], "big")
        with open(os.path.join(self.runs, "digits", "samples", "step-0000080.png"), "rb") as f:
            one = int.from_bytes(f.read()[16:20], "big")
        self.assertEqual(width, 2 * one)

    def sample_cli(self, run, *args):
        out = os.path.join(self.root, "cli-%d.png" % threading.get_ident())
        subprocess.run([BIN, "sample", "--run", os.path.join(self.runs, run), "--out", out, *args], check=True,
                       cwd=SRC, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return f.read()

    def test_sample_is_what_the_cli_draws(self):
        status, headers, body = get(self.url("api/runs/digits/sample?seed=7&n=16&checkpoint=step-0000060.pt"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "image/png")
        ckpt = os.path.join(self.runs, "digits", "checkpoints", "step-0000060.pt")
        self.assertEqual(body, self.sample_cli("digits", "--checkpoint", ckpt, "--seed", "7", "--n", "16"))
        _, _, newest = get(self.url("api/runs/digits/sample?seed=7&n=16"))
        self.assertEqual(newest, self.sample_cli("digits", "--seed", "7", "--n", "16"))
        _, _, label = get(self.url("api/runs/cdigits/sample?seed=2&n=10&label=3"))
        self.assertEqual(label, self.sample_cli("cdigits", "--seed", "2", "--n", "10", "--label", "3"))

    def test_sample_bad_requests(self):
        for query, words in [("n=257", "n must be in [1, 256]"), ("n=0", "n must be"), ("seed=x", "seed must be an integer"),
                             ("label=3", "not conditional"), ("checkpoint=../config.toml", "no checkpoint named"),
                             ("checkpoint=step-0000061.pt", "no checkpoint named")]:
            status, j = get_json(self.url("api/runs/digits/sample?" + query))
            self.assertEqual(status, 400, query)
            self.assertIn(words, j["error"], query)
        status, j = get_json(self.url("api/runs/cdigits/sample?label=10"))
        self.assertEqual(status, 400)
        self.assertIn("out of range", j["error"])

    def test_interpolate(self):
        status, headers, body = get(self.url("api/runs/digits/interpolate?seed=1&seed_b=2&rows=2&steps=5&mode=linear"))
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"\x89PNG"))
        self.assertEqual(get(self.url("api/runs/digits/interpolate?rows=20&steps=16"))[0], 400)  # 320 images > 256
        self.assertEqual(get(self.url("api/runs/digits/interpolate?steps=17"))[0], 400)
        self.assertEqual(get(self.url("api/runs/ring/interpolate"))[0], 400)

    def test_toy(self):
        status, j = get_json(self.url("api/runs/ring/toy?n=500&resolution=32&seed=1"))
        self.assertEqual(status, 200)
        self.assertEqual(len(j["fake"]), 1000)
        self.assertEqual(len(j["d"]), 32 * 32)
        self.assertEqual(j["d_kind"], "probability")
        self.assertTrue(all(0 <= v <= 1 for v in j["d"]))
        self.assertEqual(j["modes"]["of"], 8)
        self.assertLessEqual(j["modes"]["covered"], 8)
        self.assertEqual(j["step"], 300)
        self.assertEqual(get(self.url("api/runs/digits/toy"))[0], 400)
        self.assertEqual(get(self.url("api/runs/ring/toy?resolution=129"))[0], 400)

    def test_traversal(self):
        attempts = ["api/runs/..%2Fsecret.txt", "api/runs/%2e%2e/metrics", "api/runs/..%2F..%2Fetc/metrics",
                    "api/runs/link-out/metrics", "api/runs/link-out", "static/..%2Fsecret.txt", "static/../../secret.txt",
                    "api/runs/digits/grid/..%2F..%2F..%2Fsecret.txt", "api/runs/%2Fetc%2Fpasswd/metrics",
                    "api/runs/.hidden/metrics", "..%2F..%2Fsecret.txt", "api/runs/digits/sample?checkpoint=%2Fetc%2Fpasswd",
                    "api/runs/digits/sample?checkpoint=..%2F..%2Fdigits%2Fcheckpoints%2Fstep-0000060.pt"]
        for a in attempts:
            status, _, body = get(self.url(a))
            self.assertIn(status, (400, 404), a)
            self.assertNotIn(b"SECRET", body, a)
            self.assertNotIn(b"root:", body, a)
        # The raw path, not normalised by a client library.
        with socket.create_connection(("127.0.0.1", urllib.parse.urlparse(self.server.base).port)) as s:
            s.sendall(b"GET /static/../../../../etc/passwd HTTP/1.0\r\n\r\n")
            reply = s.recv(65536)
        self.assertNotIn(b"root:", reply)

    def test_read_only_and_bounded(self):
        self.assertEqual(get(self.url("api/runs"), data=b"x", method="POST")[0], 405)
        self.assertEqual(get(self.url("api/runs/digits"), method="DELETE")[0], 405)
        status, _, _ = get(self.url("api/runs"), data=b"x" * 100000, method="PUT")
        self.assertIn(status, (405, 413))
        # Nothing the server did wrote to the runs folder.
        self.assertFalse([p for p in os.listdir(os.path.join(self.runs, "digits")) if ".tmp." in p])

    def test_run_deleted_while_served(self):
        run = os.path.join(self.runs, "short-lived")
        shutil.copytree(os.path.join(self.runs, "digits"), run, symlinks=True)
        self.assertIn("short-lived", [r["name"] for r in get_json(self.url("api/runs"))[1]["runs"]])
        shutil.rmtree(run)  # while served
        self.assertNotIn("short-lived", [r["name"] for r in get_json(self.url("api/runs"))[1]["runs"]])
        self.assertEqual(get(self.url("api/runs/short-lived/metrics"))[0], 404)
        self.assertEqual(get(self.url("api/runs"))[0], 200)

    def test_killed_run(self):
        with copy_of(os.path.join(self.runs, "digits"), "killed") as run:
            p = subprocess.Popen(["true"])
            p.wait()  # a pid that is gone
            with open(os.path.join(run, "status.json")) as f:
                st = json.load(f)
            st.update(state="training", pid=p.pid, host=socket.gethostname())
            with open(os.path.join(run, "status.json"), "w") as f:
                json.dump(st, f)
            self.assertEqual(get_json(self.url("api/runs/killed"))[1]["state"], "killed")

    def test_live_stream(self):
        import http.client
        port = urllib.parse.urlparse(self.server.base).port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/live")
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "text/event-stream")
        first = {}
        while len(first) < 3:  # one event per run at connection
            line = r.fp.readline().decode()
            if line.startswith("data: "):
                d = json.loads(line[6:])
                first[d["run"]] = d
        self.assertEqual(set(first), {"cdigits", "digits", "ring"})
        with open(os.path.join(self.runs, "ring", "metrics.jsonl"), "a") as f:
            f.write('{"step": 301}\n')
        t0 = time.time()
        while True:
            line = r.fp.readline().decode()
            if line.startswith("data: "):
                d = json.loads(line[6:])
                if d["run"] == "ring":
                    break
        self.assertLess(time.time() - t0, 5)
        self.assertGreater(d["metrics_bytes"], first["ring"]["metrics_bytes"])
        conn.close()


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = temp_root()
        make_runs(cls.root, ["digits"])

    @classmethod
    def tearDownClass(cls):
        remove(cls.root)

    def test_token(self):
        s = Server(self.root, "--token", "abc123")
        try:
            self.assertIn("?token=abc123", s.banner)
            self.assertEqual(get(s.base + "api/runs")[0], 401)
            self.assertEqual(get(s.base + "api/runs?token=wrong")[0], 401)
            self.assertEqual(get(s.base)[0], 401)
            self.assertEqual(get(s.base + "api/runs?token=abc123")[0], 200)
            self.assertEqual(get(s.base + "api/runs", headers={"Authorization": "Bearer abc123"})[0], 200)
        finally:
            s.stop()

    def test_any_address_needs_a_token(self):
        s = Server(self.root, "--host", "0.0.0.0")
        try:
            token = s.url.split("token=")[1]
            self.assertEqual(len(token), 32)
            self.assertEqual(get(s.base + "api/runs")[0], 401)
            self.assertEqual(get(s.base + "api/runs?token=" + token)[0], 200)
        finally:
            self.assertEqual(s.stop(), 0)
        self.assertIn("warning", s.stderr)

    def test_concurrent_sampling_is_bounded(self):
        s = Server(self.root, "--max-sampling", "1", env={"GANFORGE_TEST_FAULT": "slow_sampling:1"})
        try:
            codes = []
            def one():
                codes.append(get(s.base + "api/runs/digits/sample?n=4")[0])
            threads = [threading.Thread(target=one) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            # Each request holds the one slot for a second: the first is served, the others arrive meanwhile.
            self.assertEqual(sorted(codes), [200, 429, 429, 429])
        finally:
            s.stop()

    def test_resume_is_a_new_session_and_stop_is_stopped(self):
        run = os.path.join(self.root, "resumed")
        config, *sets = RUNS["digits"]
        # Stopped by SIGTERM at the first log line after step 30: status "stopped"; resumed to the end.
        p = subprocess.Popen(train_args(config, sets, run), cwd=SRC, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(os.path.join(run, "status.json")) and
                 json.load(open(os.path.join(run, "status.json"))).get("step", 0) >= 30, 120, 0.02)
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=120), 0)
        with open(os.path.join(run, "status.json")) as f:
            first = json.load(f)
        self.assertEqual(first["state"], "stopped")
        self.assertLess(first["step"], 120)
        subprocess.run([BIN, "train", "--resume", run, "--quiet"], check=True, cwd=SRC, stdout=subprocess.DEVNULL)
        [(_, j)] = served(self.root, "api/runs/resumed")
        self.assertEqual(j["state"], "finished")
        sessions = j["status"]["sessions"]
        self.assertEqual(len(sessions), 2)
        self.assertEqual(sessions[0]["outcome"], "stopped")
        self.assertEqual(sessions[1]["outcome"], "finished")
        self.assertEqual(sessions[1]["from_step"], first["step"])  # the page marks the resume here

    def test_failed_run(self):
        run = os.path.join(self.root, "failed")
        config, *sets = RUNS["digits"]
        # The second grid write fails as on a full disk: train exits 3 and leaves status "failed".
        r = subprocess.run(train_args(config, sets, run), cwd=SRC, capture_output=True, text=True,
                           env=dict(os.environ, GANFORGE_TEST_FAULT="nospace:step-0000080.png"))
        self.assertEqual(r.returncode, 3, r.stderr)
        [(_, j)] = served(self.root, "api/runs/failed")
        self.assertEqual(j["state"], "failed")
        self.assertIn("ended with an error at step 80", j["status"]["message"])

    def test_evaluations(self):
        with copy_of(os.path.join(self.root, "digits"), "evaluated") as run:
            line = {"step": 120, "n": 100, "generated": {"fid": 50.5, "classes": {"covered": 7, "of": 10}},
                    "real_floor": {"fid": 0.5}, "extractor": {"name": "x", "hash": "00"}}
            with open(os.path.join(run, "eval.jsonl"), "w") as f:
                f.write(json.dumps(line) + "\n")
            (status, j), (_, runs) = served(self.root, "api/runs/evaluated/evals", "api/runs")
            self.assertEqual(status, 200)
            self.assertEqual(j["lines"], [line])  # everything, the manifest included
            summary = {r["name"]: r for r in runs["runs"]}["evaluated"]
            self.assertEqual(summary["fid"], 50.5)
            self.assertEqual(summary["modes"], {"covered": 7, "of": 10})

    def test_bad_arguments(self):
        for args, words in [(["--runs", "/nonexistent"], "runs folder not found"), (["--port", "70000"], "70000")]:
            r = subprocess.run([BIN, "serve", *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(words, r.stderr + r.stdout)
        busy = Server(self.root)
        try:
            port = urllib.parse.urlparse(busy.base).port
            r = subprocess.run([BIN, "serve", "--runs", self.root, "--port", str(port)], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1)
            self.assertIn("cannot listen", r.stderr)
        finally:
            busy.stop()


if __name__ == "__main__":
    unittest.main()
