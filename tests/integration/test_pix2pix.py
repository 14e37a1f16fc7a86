"""pix2pix through the real CLI: a short run on edges -> Fashion-MNIST trains with finite losses, writes grids
of (edges | output | target) triplets and checkpoints; what cannot work is one line and exit 2 (a pix2pix
config without pairs, sampling or exporting a translator from noise, a bad resolution).

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
        cli("train", "configs/edges2fashion-32.toml", "--out", cls.run_dir, "--quiet", *SMALL, "--set", "train.steps=12",
            "--set", "train.log_every=2", "--set", "train.sample_every=6", "--set", "train.checkpoint_every=6")

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

    def test_what_cannot_work_is_one_line_and_exit_2(self):
        cases = [
            (["train", "configs/edges2fashion-32.toml", "--out", os.path.join(self.tmp, "x"), "--set", "data.pairs=''"],
             "set data.pairs = 'edges'"),
            (["train", "configs/edges2fashion-32.toml", "--out", os.path.join(self.tmp, "y"),
              "--set", "data.resolution=28"], "32, 64, 128 or 256"),
            (["sample", "--run", self.run_dir, "--out", os.path.join(self.tmp, "s.png")], "translates images"),
            (["export", "--run", self.run_dir, "--out", os.path.join(self.tmp, "g.pt")], "cannot be exported yet"),
        ]
        for args, needle in cases:
            p = cli(*args, ok=False)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            self.assertIn(needle, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x")), "a refused config writes nothing")


if __name__ == "__main__":
    unittest.main()
