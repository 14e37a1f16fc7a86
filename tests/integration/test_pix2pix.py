"""pix2pix through the real CLI: a short run on edges -> Fashion-MNIST trains with finite losses, writes grids
of (edges | output | target) triplets and checkpoints, and is evaluated while it trains and by `ganforge eval`
(L1, SSIM, FID, label accuracy on the test pairs); `ganforge translate` turns drawings of any size into images;
what cannot work is one line and exit 2 (a pix2pix config without pairs, sampling or exporting a translator
from noise, a bad resolution, an empty, colour or huge drawing, translating with a run that samples noise).

Run by CTest as Integration.pix2pix with Debian's python3 (python3-pil)."""
import json
import os
import shutil
import sys
import tempfile
import unittest

from PIL import Image

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from gf_files import cli  # noqa: E402

SMALL = ["--set", "model.g_channels=8", "--set", "model.d_channels=8", "--set", "data.batch_size=8"]


class Pix2pix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ganforge-pix2pix-")
        cls.run_dir = os.path.join(cls.tmp, "run")
        # A barely trained Fashion-MNIST evaluator in a cache of its own: FID and label accuracy are measured
        # the way they are for real, in seconds.
        cls.env = {"GANFORGE_CACHE": os.path.join(cls.tmp, "cache")}
        os.makedirs(cls.env["GANFORGE_CACHE"])
        cli("evaluator", "train", "--dataset", "fashion-mnist", "--max-steps", "30", "--out",
            os.path.join(cls.env["GANFORGE_CACHE"], "fashion-mnist.pt"))
        cli("train", "configs/edges2fashion-32.toml", "--out", cls.run_dir, "--quiet", *SMALL, "--set", "train.steps=12",
            "--set", "train.log_every=2", "--set", "train.sample_every=6", "--set", "train.checkpoint_every=6",
            "--set", "train.eval_every=6", "--set", "train.eval_n=40", env=cls.env)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_trains_with_finite_losses_and_the_l1_term(self):
        with open(os.path.join(self.run_dir, "metrics.jsonl")) as f:
            steps = [json.loads(l) for l in f if '"loss_g"' in l]
        self.assertEqual([s["step"] for s in steps], [2, 4, 6, 8, 10, 12])
        for s in steps:
            self.assertTrue(0 < s["loss_d"] < 10, s)
            # G's loss carries 100 x mean |G(x) - y|: with outputs and targets in [-1, 1] it is well above the
            # adversarial term alone (a few units) and below 200.
            self.assertTrue(10 < s["loss_g"] < 200, s)
        self.assertTrue(os.path.exists(os.path.join(self.run_dir, "checkpoints", "step-0000012.pt")))

    def test_grids_are_input_output_target_triplets(self):
        path = os.path.join(self.run_dir, "samples", "step-0000012.png")
        im = Image.open(path)
        # 16 pairs, 6 cells a row (two triplets): 8 rows of 32-pixel cells, 2 px apart.
        self.assertEqual(im.size, (6 * 34 + 2, 8 * 34 + 2))
        px = im.convert("L").load()
        # The first cell is an edge map (white paper, black strokes): mostly white.
        white = sum(px[2 + x, 2 + y] > 250 for x in range(32) for y in range(32))
        self.assertGreater(white, 32 * 32 * 0.7)
        # The third is the target garment on Fashion-MNIST's black background: mostly dark at its corners.
        corners = [px[2 + 2 * 34 + x, 2 + y] for x in (0, 31) for y in (0, 31)]
        self.assertTrue(all(c < 40 for c in corners), corners)

    def check_scores(self, line, n):
        self.assertEqual(line["n"], n)
        self.assertTrue(0 < line["l1"] < 2, line)  # outputs and targets in [-1, 1]
        self.assertTrue(-1 <= line["ssim"] < 0.99, line)  # an untrained G is far from its targets
        self.assertTrue(0 < line["fid"] < 1e4, line)
        self.assertTrue(0 <= line["label_accuracy"] <= 1, line)

    def test_periodic_evaluation_measures_the_test_pairs(self):
        with open(os.path.join(self.run_dir, "metrics.jsonl")) as f:
            evals = [json.loads(l) for l in f if '"event": "eval"' in l or '"event":"eval"' in l]
        self.assertEqual([e["step"] for e in evals], [6, 12])
        for e in evals:
            self.check_scores(e, 40)
        self.assertTrue(os.path.exists(os.path.join(self.run_dir, "checkpoints", "best.pt")), "best by FID")

    def test_eval_measures_translations_beside_the_real_targets(self):
        p = cli("eval", "--run", self.run_dir, "--n", "60", "--json", env=self.env)
        line = json.loads(p.stdout.strip().splitlines()[-1])
        self.check_scores(line["generated"], 60)
        real = line["real_floor"]
        self.assertEqual((real["l1"], real["ssim"]), (0.0, 1.0))
        # The targets against the whole test split they come from: far closer than an untrained G's outputs.
        self.assertLess(real["fid"], line["generated"]["fid"])
        self.assertEqual(line["pairs"], {"split": "test", "n": 60, "inputs": "edges"})
        self.assertEqual((line["reference"]["n"], line["reference"]["resized_to"]), (10000, 28))
        with open(os.path.join(self.run_dir, "eval.jsonl")) as f:
            self.assertEqual(json.loads(f.readlines()[-1])["generated"], line["generated"])
        table = cli("eval", "--run", self.run_dir, "--n", "20", env=self.env).stdout
        for row in ("L1 to target", "SSIM to target", "FID vs real test", "label accuracy %"):
            self.assertIn(row, table)
        p = cli("eval", "--run", self.run_dir, "--metrics", "kid", env=self.env, ok=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("image-to-image run is measured by L1, SSIM, FID", p.stderr)

    def test_translate_draws_from_any_drawing(self):
        from PIL import ImageDraw
        # A 300 x 200 drawing on a transparent canvas: composited over white, padded to a square, shrunk 9.4x.
        drawing = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
        ImageDraw.Draw(drawing).rectangle([100, 30, 200, 170], outline=(0, 0, 0, 255), width=4)
        folder = os.path.join(self.tmp, "drawings")
        os.makedirs(folder)
        drawing.save(os.path.join(folder, "box.png"))
        Image.new("L", (64, 64), 255).save(os.path.join(folder, "blank.png"))
        out = os.path.join(self.tmp, "box-out.png")
        p = cli("translate", "--run", self.run_dir, "--in", os.path.join(folder, "box.png"), "--out", out, "--pairs")
        self.assertIn("1 drawing through", p.stderr)
        im = Image.open(out).convert("L")
        self.assertEqual(im.size, (2 * 34 + 2, 34 + 2))  # (sketch | translation), 2 px around each
        px = im.load()
        sketch = [[px[2 + x, 2 + y] for x in range(32)] for y in range(32)]
        ink = [(x, y) for y in range(32) for x in range(32) if sketch[y][x] < 128]
        # The box spans x 100..200 of 300 and y 30..170 of 200 (+50 padding): x 10.7..21.3, y 8.5..23.5 at 32 px.
        self.assertTrue(ink and all(10 <= x <= 22 and 8 <= y <= 24 for x, y in ink), ink)
        self.assertIn((10, 16), ink)  # its left side, mid-height
        self.assertEqual(sketch[16][16], 255, "inside the box is paper")
        cli("translate", "--run", self.run_dir, "--in", os.path.join(folder, "box.png"),
                "--out", os.path.join(self.tmp, "plain.png"))
        self.assertEqual(Image.open(os.path.join(self.tmp, "plain.png")).size, (32, 32))
        # A folder is checked whole before anything is written: the blank page stops it.
        p = cli("translate", "--run", self.run_dir, "--in", folder, "--out", os.path.join(self.tmp, "outs"), ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("blank.png: no strokes", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "outs")))
        os.remove(os.path.join(folder, "blank.png"))
        cli("translate", "--run", self.run_dir, "--in", folder, "--out", os.path.join(self.tmp, "outs"))
        self.assertEqual(os.listdir(os.path.join(self.tmp, "outs")), ["box.png"])

    def test_exported_translator_draws_what_translate_draws(self):
        import numpy as np
        import torch
        from PIL import ImageDraw
        page = Image.new("L", (96, 96), 255)
        ImageDraw.Draw(page).ellipse([20, 10, 76, 86], outline=0, width=2)
        drawing, pair = os.path.join(self.tmp, "oval.png"), os.path.join(self.tmp, "oval-pair.png")
        page.save(drawing)
        cli("translate", "--run", self.run_dir, "--in", drawing, "--out", pair, "--pairs")
        module = os.path.join(self.tmp, "translator.pt")
        p = cli("export", "--run", self.run_dir, "--out", module)
        self.assertIn("TorchScript; checked", p.stdout)
        m = torch.jit.load(module)
        self.assertEqual((m.input_channels, m.channels, m.resolution), (1, 1, 32))
        extra = {"ganforge.json": ""}
        torch.jit.load(module, _extra_files=extra)
        meta = json.loads(extra["ganforge.json"])
        self.assertEqual((meta["arch"], meta["input_channels"]), ("pix2pix", 1))
        self.assertNotIn("z_dim", meta)
        cells = np.asarray(Image.open(pair).convert("L"), dtype=np.float32)
        sketch = cells[2:34, 2:34] / 127.5 - 1  # the sketch as translate fed it: exactly -1 or 1
        self.assertTrue(set(np.unique(sketch)) <= {-1.0, 1.0})
        with torch.no_grad():
            out = m(torch.from_numpy(sketch).view(1, 1, 32, 32))[0, 0].numpy()
        ours = np.clip(np.round((out + 1) * 127.5), 0, 255)
        # translate's image, 8 bits: the module's output rounds to the same pixel, give or take one level
        # where a value lies on a rounding boundary.
        self.assertLessEqual(np.abs(ours - cells[2:34, 36:68]).max(), 1)

    def test_what_cannot_work_is_one_line_and_exit_2(self):
        cases = [
            (["train", "configs/edges2fashion-32.toml", "--out", os.path.join(self.tmp, "x"), "--set", "data.pairs=''"],
             "set data.pairs = 'edges'"),
            (["train", "configs/edges2fashion-32.toml", "--out", os.path.join(self.tmp, "y"),
              "--set", "data.resolution=28"], "32, 64, 128 or 256"),
            (["sample", "--run", self.run_dir, "--out", os.path.join(self.tmp, "s.png")], "translates images"),
            (["export", "--run", self.run_dir, "--format", "state-dict", "--out", os.path.join(self.tmp, "g.pt")],
             "export it with --format torchscript"),
        ]
        bad = os.path.join(self.tmp, "bad")
        os.makedirs(bad, exist_ok=True)
        Image.new("RGB", (40, 40), (200, 30, 30)).save(os.path.join(bad, "red.png"))
        Image.new("L", (40, 40), 255).save(os.path.join(bad, "blank.png"))
        Image.new("1", (4100, 4100), 1).save(os.path.join(bad, "huge.png"))  # 16.8 M pixels, a few KB
        open(os.path.join(bad, "empty.png"), "wb").close()
        drawing = os.path.join(bad, "ok.png")
        im = Image.new("L", (40, 40), 255)
        im.putpixel((20, 20), 0)
        im.save(drawing)
        mlp = os.path.join(self.tmp, "mlp")
        cli("train", "configs/mnist-mlp.toml", "--out", mlp, "--quiet", "--set", "train.steps=1",
            "--set", "train.eval_every=0")
        translate = ["translate", "--run", self.run_dir, "--out", os.path.join(self.tmp, "t.png"), "--in"]
        cases += [
            (translate + [os.path.join(bad, "red.png")], "a colour image"),
            (translate + [os.path.join(bad, "blank.png")], "no strokes (every pixel is light)"),
            (translate + [os.path.join(bad, "huge.png")], "4100 x 4100 pixels is larger than translate takes"),
            (translate + [os.path.join(bad, "empty.png")], "an empty file"),
            (translate + [os.path.join(bad, "missing.png")], "no such file or folder"),
            (["translate", "--run", mlp, "--in", drawing, "--out", os.path.join(self.tmp, "t.png")],
             "is not an image-to-image run"),
            (["translate", "--run", self.run_dir, "--in", drawing, "--out", drawing], "it would be overwritten"),
        ]
        for args, needle in cases:
            p = cli(*args, ok=False)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(needle, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x")), "a refused config writes nothing")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "t.png")), "a refused drawing writes nothing")
        self.assertEqual(Image.open(drawing).getpixel((20, 20)), 0, "the drawing is untouched")


if __name__ == "__main__":
    unittest.main()
