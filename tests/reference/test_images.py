"""Image folders and packs through the real CLI, against references computed on the same inputs:
resizing against PyTorch (torch.nn.functional.interpolate), decoding and grey conversion against PIL, the
Fashion-MNIST PNG folder against its IDX files; and bad input (exit 2, one line naming the file).

Run by CTest as Reference.images with Debian's python3 (python3-torch, python3-pil); GANFORGE_BIN names the CLI."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from gf_files import cli, read_idx, read_pack  # noqa: E402


class Case(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ganforge-images-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def folder(self, name, images, fmt="png", **save):
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        for i, im in enumerate(images):
            im.save(os.path.join(d, f"{i:03d}.{fmt}"), **save)
        return d

    def prepare(self, folder, *opts):
        out = folder + ".pack"
        cli("data", "prepare", "--from", folder, "--out", out, *opts)
        return read_pack(out)


def random_image(rng, w, h, mode):
    shape = (h, w) if mode == "L" else (h, w, 3)
    # Smooth structure plus noise: both the filter's shape and its edges matter.
    base = rng.integers(0, 256, size=shape).astype(np.float64)
    ramp = np.linspace(0, 255, w)[None, :] if mode == "L" else np.linspace(0, 255, w)[None, :, None]
    return Image.fromarray(((base + ramp) / 2).astype(np.uint8), mode)


class Resize(Case):
    def torch_resize(self, im, r, mode):
        x = torch.from_numpy(np.asarray(im, dtype=np.float32).copy())
        x = x[None, None] if x.dim() == 2 else x.permute(2, 0, 1)[None]
        if mode == "bilinear":
            y = F.interpolate(x, size=(r, r), mode="bilinear", antialias=True, align_corners=False)
        else:
            y = F.interpolate(x, size=(r, r), mode="area")
        return y.round().clamp(0, 255).to(torch.uint8)[0].numpy()

    def test_matches_pytorch_interpolate(self):
        rng = np.random.default_rng(0)
        # (size, resolution, mode, PIL mode): shrink by integer and fractional factors, grow, grey and colour.
        cases = [(56, 28, "bilinear", "L"), (100, 32, "bilinear", "RGB"), (37, 28, "bilinear", "L"),
                 (20, 64, "bilinear", "L"), (64, 32, "area", "L"), (90, 28, "area", "RGB"), (96, 64, "bilinear", "RGB")]
        for k, (size, r, mode, pil_mode) in enumerate(cases):
            with self.subTest(size=size, r=r, mode=mode):
                ims = [random_image(rng, size, size, pil_mode) for _ in range(3)]
                d = self.folder(f"r{k}", ims)
                h, pixels, _ = self.prepare(d, "--resolution", str(r), "--resize", mode)
                self.assertEqual((h["channels"], h["resolution"]), (1 if pil_mode == "L" else 3, r))
                for im, got in zip(ims, pixels):
                    want = self.torch_resize(im, r, mode)
                    diff = np.abs(got.astype(int) - want.astype(int))
                    # PyTorch filters in float32, ganforge in float64: a value within rounding of .5 may
                    # round the other way, so one level apart is allowed on a few pixels, never more.
                    self.assertLessEqual(diff.max(), 1)
                    self.assertLess((diff > 0).mean(), 0.01)

    def test_crop_and_pad_of_non_square_images(self):
        rng = np.random.default_rng(1)
        im = random_image(rng, 40, 30, "L")  # 40 wide, 30 high
        a = np.asarray(im)
        d = self.folder("crop", [im])
        _, pixels, _ = self.prepare(d)
        np.testing.assert_array_equal(pixels[0, 0], a[:, 5:35])  # the centred 30x30, no resize
        d = self.folder("pad", [im])
        _, pixels, _ = self.prepare(d, "--fit", "pad")
        want = np.zeros((40, 40), np.uint8)
        want[5:35, :] = a
        np.testing.assert_array_equal(pixels[0, 0], want)


class Decode(Case):
    def test_jpeg_and_png_decode_as_pil_and_grey_conversion_matches_pil(self):
        rng = np.random.default_rng(2)
        colour = [random_image(rng, 32, 32, "RGB") for _ in range(3)]
        for fmt, save in (("jpg", {"quality": 90}), ("png", {})):
            with self.subTest(fmt=fmt):
                d = self.folder("c" + fmt, colour, fmt, **save)
                _, pixels, _ = self.prepare(d)
                _, grey, _ = self.prepare_again(d, "--channels", "1")
                for i in range(3):
                    pil = Image.open(os.path.join(d, f"{i:03d}.{fmt}"))
                    np.testing.assert_array_equal(pixels[i].transpose(1, 2, 0), np.asarray(pil.convert("RGB")))
                    np.testing.assert_array_equal(grey[i, 0], np.asarray(pil.convert("L")))
        d = self.folder("gjpg", [random_image(rng, 16, 16, "L")], "jpg", quality=80)
        _, pixels, _ = self.prepare(d)
        np.testing.assert_array_equal(pixels[0, 0], np.asarray(Image.open(os.path.join(d, "000.jpg"))))

    def prepare_again(self, folder, *opts):
        out = folder + ".grey.pack"
        cli("data", "prepare", "--from", folder, "--out", out, *opts)
        return read_pack(out)

    def test_fashion_png_folder_is_the_idx_test_split(self):
        folder = os.path.join(SRC, "data", "fashion-mnist-png")
        if not os.path.isdir(folder):
            self.skipTest("data/fashion-mnist-png missing: run scripts/setup.sh")
        h, pixels, labels = self.prepare(folder)
        images = read_idx(os.path.join(SRC, "data", "fashion-mnist", "t10k-images-idx3-ubyte.gz"))
        truth = read_idx(os.path.join(SRC, "data", "fashion-mnist", "t10k-labels-idx1-ubyte.gz"))
        self.assertEqual(h["classes"][0], "0-T-shirt_top")
        order = np.argsort(truth, kind="stable")  # class folders in label order, files by index within each
        np.testing.assert_array_equal(pixels[:, 0], images[order])
        np.testing.assert_array_equal(labels, truth[order])


class BadInput(Case):
    def test_truncated_cmyk_stray_and_empty_are_one_line_errors_or_skipped(self):
        rng = np.random.default_rng(3)
        d = os.path.join(self.tmp, "set")
        os.makedirs(os.path.join(d, "a"))
        os.makedirs(os.path.join(d, "b"))
        os.makedirs(os.path.join(d, "empty"))
        for i in range(4):
            random_image(rng, 12, 12, "RGB").save(os.path.join(d, "a", f"{i}.jpg"), quality=90)
            random_image(rng, 12, 12, "L").save(os.path.join(d, "b", f"{i}.png"))
        with open(os.path.join(d, "a", "0.jpg"), "rb") as f:
            whole = f.read()
        with open(os.path.join(d, "a", "cut.jpg"), "wb") as f:
            f.write(whole[: len(whole) // 2])
        random_image(rng, 12, 12, "RGB").convert("CMYK").save(os.path.join(d, "b", "cmyk.jpg"))
        with open(os.path.join(d, "b", "notes.txt"), "w") as f:
            f.write("not an image")
        out = os.path.join(self.tmp, "set.pack")
        p = cli("data", "prepare", "--from", d, "--out", out, ok=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("notes.txt", p.stderr)
        self.assertFalse(os.path.exists(out))
        p = cli("data", "prepare", "--from", d, "--out", out, "--skip-bad")
        for part in ("cut.jpg: corrupt JPEG (Premature end", "cmyk.jpg: corrupt JPEG (CMYK", "notes.txt: not an image",
                     "empty: class folder has no images"):
            self.assertIn(part, p.stderr)
        h, pixels, labels = read_pack(out)
        self.assertEqual(h["count"], 8)
        self.assertEqual(h["classes"], ["a", "b", "empty"])
        self.assertEqual(sorted(set(labels.tolist())), [0, 1])

    def test_refuses_to_replace_a_file_that_is_not_a_pack_and_a_damaged_pack(self):
        d = self.folder("one", [Image.new("L", (8, 8), 3)])
        victim = os.path.join(self.tmp, "keep.txt")
        with open(victim, "w") as f:
            f.write("precious")
        p = cli("data", "prepare", "--from", d, "--out", victim, ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("refusing", p.stderr)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious")
        self.prepare(d)
        with open(d + ".pack", "r+b") as f:
            f.seek(-10, os.SEEK_END)
            f.write(b"\xff")
        p = cli("data", "info", d + ".pack", ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("CRC-32", p.stderr)


class Train(Case):
    def test_folder_and_pack_train_the_same_run(self):
        folder = os.path.join(SRC, "data", "fashion-mnist-png")
        if not os.path.isdir(folder):
            self.skipTest("data/fashion-mnist-png missing: run scripts/setup.sh")
        pack = os.path.join(self.tmp, "fashion.pack")
        cli("data", "prepare", "--from", folder, "--out", pack)
        metrics = []
        for name, data in (("folder", folder), ("pack", pack)):
            out = os.path.join(self.tmp, name)
            cli("train", "configs/fashion-png-cgan.toml", "--data", data, "--out", out, "--deterministic", "--quiet",
                "--set", "train.steps=4", "--set", "train.log_every=1", "--set", "train.sample_every=4")
            with open(os.path.join(out, "metrics.jsonl")) as f:
                metrics.append([{k: v for k, v in json.loads(l).items() if k not in ("time_s", "it_per_s", "message")}
                                for l in f if '"step"' in l])
            with open(os.path.join(out, "data.json")) as f:
                info = json.load(f)
            self.assertEqual(info["kind"], name)
            self.assertEqual(len(info["classes"]), 10)
        self.assertEqual(metrics[0], metrics[1])
        self.assertGreater(len(metrics[0]), 0)

    def test_conditional_on_unlabelled_images_is_refused(self):
        d = self.folder("flat", [Image.new("L", (28, 28), i) for i in range(70)])
        out = os.path.join(self.tmp, "run")
        p = cli("train", "configs/fashion-png-cgan.toml", "--data", d, "--out", out, "--quiet", ok=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("needs class labels", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "checkpoints")))

    def test_idx_data_at_another_resolution_and_channels(self):
        out = os.path.join(self.tmp, "m32")
        cli("train", "configs/mnist-dcgan.toml", "--out", out, "--quiet", "--set", "train.steps=1",
            "--set", "train.eval_every=0", "--set", "data.resolution=32", "--set", "data.channels=3")
        with Image.open(os.path.join(out, "samples", "step-0000001.png")) as grid:
            self.assertEqual(grid.mode, "RGB")
            # An 8x8 grid of 32x32 images, 2 px apart.
            self.assertEqual(grid.size, (8 * 34 + 2, 8 * 34 + 2))


if __name__ == "__main__":
    unittest.main()
