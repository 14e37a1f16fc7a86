"""Synthetic data through the real CLI: `data prepare --from DATASET --per-class`, `augment` (conditional
and unconditional runs; pack, IDX and folder output) and `evaluator score`.

Run by CTest as Integration.augment with Debian's python3; GANFORGE_BIN names the CLI."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from gf_files import cli, read_idx, read_pack  # noqa: E402


class Augment(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ganforge-augment-")
        cls.cgan = os.path.join(cls.tmp, "cgan")
        cli("train", "configs/mnist-cgan.toml", "--out", cls.cgan, "--quiet", "--set", "train.steps=2",
            "--set", "train.eval_every=0")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_per_class_subset_of_a_built_in_set(self):
        a, b, c = (os.path.join(self.tmp, n) for n in ("a.pack", "b.pack", "c.pack"))
        cli("data", "prepare", "--from", "mnist", "--per-class", "5", "--seed", "1", "--out", a)
        cli("data", "prepare", "--from", "mnist", "--per-class", "5", "--seed", "1", "--out", b)
        cli("data", "prepare", "--from", "mnist", "--per-class", "5", "--seed", "2", "--out", c)
        h, pixels, labels = read_pack(a)
        self.assertEqual(h["count"], 50)
        self.assertEqual(np.bincount(labels).tolist(), [5] * 10)
        with open(a, "rb") as f1, open(b, "rb") as f2, open(c, "rb") as f3:
            one, two, three = f1.read(), f2.read(), f3.read()
        self.assertEqual(one, two)  # the same seed, the same subset
        self.assertNotEqual(one, three)
        train = read_idx(os.path.join(SRC, "data", "mnist", "train-images-idx3-ubyte.gz"))
        truth = read_idx(os.path.join(SRC, "data", "mnist", "train-labels-idx1-ubyte.gz"))
        index = {im.tobytes(): y for im, y in zip(train, truth)}
        for im, y in zip(pixels[:, 0], labels):  # each image is a training image, with its label
            self.assertEqual(index[im.tobytes()], y)

    def test_conditional_run_gives_each_class_its_images(self):
        pack = os.path.join(self.tmp, "syn.pack")
        p = cli("augment", "--run", self.cgan, "--per-class", "3", "--seed", "4", "--out", pack)
        self.assertIn("30 images", p.stdout)
        h, pixels, labels = read_pack(pack)
        self.assertEqual(labels.tolist(), [k for k in range(10) for _ in range(3)])
        # The images `sample` makes for the same classes and seed, as pixels.
        s = os.path.join(self.tmp, "s.pt")
        cli("sample", "--run", self.cgan, "--labels", "all", "--n", "3", "--seed", "4", "--out", s)
        want = torch.load(s)["images"].add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8).numpy()
        np.testing.assert_array_equal(pixels, want)

    def test_idx_and_folder_outputs(self):
        out = os.path.join(self.tmp, "syn.idx.gz")
        cli("augment", "--run", self.cgan, "--per-class", "2", "--out", out)
        self.assertEqual(read_idx(out).shape, (20, 28, 28))
        self.assertEqual(read_idx(os.path.join(self.tmp, "syn-labels.idx.gz")).tolist(),
                         [k for k in range(10) for _ in range(2)])
        folder = os.path.join(self.tmp, "folder")
        cli("augment", "--run", self.cgan, "--per-class", "2", "--out", folder)
        self.assertEqual(sorted(os.listdir(folder)), [str(k) for k in range(10)])
        self.assertEqual(len(os.listdir(os.path.join(folder, "7"))), 2)
        p = cli("augment", "--run", self.cgan, "--per-class", "2", "--out", folder, ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("exists", p.stderr)
        # The folder reads back as a labelled image folder.
        h, _, labels = read_pack(self.prepare(folder))
        self.assertEqual((h["count"], h["classes"][:2]), (20, ["0", "1"]))

    def prepare(self, folder):
        out = folder + ".pack"
        cli("data", "prepare", "--from", folder, "--out", out)
        return out

    def test_unconditional_run_is_labelled_by_the_evaluator(self):
        cache = os.path.join(self.tmp, "cache")
        os.makedirs(cache)
        cli("evaluator", "train", "--dataset", "mnist", "--max-steps", "40", "--out", os.path.join(cache, "mnist.pt"))
        run = os.path.join(self.tmp, "mlp")
        cli("train", "configs/mnist-mlp.toml", "--out", run, "--quiet", "--set", "train.steps=2",
            "--set", "train.eval_every=0")
        pack = os.path.join(self.tmp, "u.pack")
        p = cli("augment", "--run", run, "--per-class", "2", "--min-confidence", "0", "--max-draws", "3000",
                "--out", pack, env={"GANFORGE_CACHE": cache})
        self.assertIn("labels from the mnist evaluator", p.stdout)
        h, _, labels = read_pack(pack)
        self.assertLessEqual(np.bincount(labels, minlength=10).max(), 2)
        self.assertEqual(h["count"], len(labels))

    def test_score_trains_on_packs_and_tests_on_the_real_split(self):
        real = os.path.join(self.tmp, "r.pack")
        cli("data", "prepare", "--from", "mnist", "--per-class", "20", "--out", real)
        r = json.loads(cli("evaluator", "score", "--train", real, "--dataset", "mnist", "--steps", "20").stdout)
        self.assertEqual((r["train_count"], r["test_count"], r["steps"]), (200, 2000, 20))
        self.assertTrue(0.0 <= r["test_accuracy"] <= 1.0)
        colour = os.path.join(self.tmp, "colour.pack")
        cli("data", "prepare", "--from", "data/stacked-mnist-png", "--out", colour)
        p = cli("evaluator", "score", "--train", colour, "--dataset", "mnist", "--steps", "5", ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("grey 28x28", p.stderr)


if __name__ == "__main__":
    unittest.main()
