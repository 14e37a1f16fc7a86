"""`ganforge data edges` through the real CLI: pairs of (edge map, image) checked against what the images
are (the images byte-equal to `data prepare` of the same selection), and the edge maps against Canny's
definition recomputed with SciPy on the same images (3x3 Sobel, L2 magnitude, borders repeated): every stroke
is above the low threshold, every clear maximum above the high one is a stroke. Bad input: one line, exit 2.

Run by CTest as Reference.edges with Debian's python3 (python3-scipy, python3-numpy)."""
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
from scipy import ndimage

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from gf_files import cli, read_pack  # noqa: E402


def sobel_magnitude(img):
    """The 3x3 Sobel L2 magnitude Canny thresholds. OpenCV's Canny takes its derivatives with the border
    pixel repeated (BORDER_REPLICATE = SciPy's 'nearest'); with 'mirror' a stroke on the border reads 88 < 100."""
    f = img.astype(np.float64)
    gx = ndimage.sobel(f, axis=1, mode="nearest")
    gy = ndimage.sobel(f, axis=0, mode="nearest")
    return np.hypot(gx, gy)


class Edges(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ganforge-edges-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def out(self, name):
        return os.path.join(self.tmp, name)

    def test_pairs_are_the_selected_images_with_their_edges(self):
        opts = ["--from", "fashion-mnist", "--split", "test", "--per-class", "6", "--seed", "3", "--resolution", "32"]
        cli("data", "edges", *opts, "--blur", "0", "--low", "100", "--high", "200", "--out", self.out("e.pack"),
            "--preview", self.out("e.png"))
        cli("data", "prepare", *opts, "--out", self.out("p.pack"))
        h, pixels, labels = read_pack(self.out("e.pack"))
        _, plain, plain_labels = read_pack(self.out("p.pack"))
        np.testing.assert_array_equal(pixels, plain)  # the images are those `data prepare` keeps
        np.testing.assert_array_equal(labels, plain_labels)
        self.assertEqual(h["input_channels"], 1)
        self.assertEqual(h["inputs_from"], "canny(blur=0, low=100, high=200)")
        edges = h["inputs"][:, 0]
        self.assertEqual(edges.shape, (60, 32, 32))
        self.assertTrue(set(np.unique(edges)) <= {0, 255}, "black strokes on white only")
        strokes_seen = maxima_seen = 0
        for img, e in zip(pixels[:, 0], edges):
            m = sobel_magnitude(img)
            stroke = e == 0
            # Canny keeps no pixel at or below the low threshold (3x3 Sobel and L2 magnitude as SciPy computes).
            self.assertTrue(np.all(m[stroke] > 100 - 1e-9), f"a stroke at magnitude {m[stroke].min()}")
            # A pixel above high whose magnitude beats all 8 neighbours survives any non-maximum suppression.
            neighbours = ndimage.maximum_filter(m, footprint=np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]]), mode="constant")
            clear = (m > 200) & (m > neighbours)
            self.assertTrue(np.all(stroke[clear]), "a clear maximum above high was not drawn")
            strokes_seen += int(stroke.sum())
            maxima_seen += int(clear.sum())
        self.assertGreater(strokes_seen, 60 * 20)  # every garment has an outline
        self.assertGreater(maxima_seen, 0)  # the second check compared something
        self.assertTrue(os.path.getsize(self.out("e.png")) > 0)

    def test_info_and_a_colour_folder(self):
        from PIL import Image
        d = self.out("photos")
        os.makedirs(os.path.join(d, "cats"))
        rng = np.random.default_rng(0)
        for i in range(3):
            a = np.zeros((40, 50, 3), np.uint8)
            a[10:30, 12 + i:38, :] = rng.integers(120, 255, 3)
            Image.fromarray(a).save(os.path.join(d, "cats", f"{i}.png"))
        cli("data", "edges", "--from", d, "--resolution", "32", "--out", self.out("c.pack"))
        h, pixels, _ = read_pack(self.out("c.pack"))
        self.assertEqual((h["channels"], h["input_channels"], pixels.shape[0]), (3, 1, 3))
        self.assertGreater(int((h["inputs"] == 0).sum()), 3 * 40)
        info = cli("data", "info", self.out("c.pack")).stdout
        self.assertIn("paired with canny(blur=1, low=100, high=200)", info)

    def test_bad_input_is_one_line_and_exit_2(self):
        not_pack = self.out("notes.txt")
        with open(not_pack, "w") as f:
            f.write("keep me")
        cases = [
            (["--from", "fashion-mnist", "--low", "300", "--high", "200", "--out", self.out("x.pack")], "low <= high"),
            (["--from", "fashion-mnist", "--out", not_pack], "refusing to replace"),
            (["--from", self.out("nowhere"), "--out", self.out("y.pack")], "nowhere"),
        ]
        for args, needle in cases:
            p = cli("data", "edges", *args, ok=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(needle, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        with open(not_pack) as f:
            self.assertEqual(f.read(), "keep me")


if __name__ == "__main__":
    unittest.main()
