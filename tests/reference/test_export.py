"""`ganforge export` through the real CLI, loaded by PyTorch: the TorchScript file (torch.jit.load, its
metadata in ganforge.json) gives the images `ganforge sample --out X.pt` gives for the same z and labels,
to float tolerance; the state dict loads (strict) into the reference torch.nn networks of
tests/reference/make_fixtures.py, which then give the same images too. Bad input: exit 2, one line.

Run by CTest as Reference.export with Debian's python3; GANFORGE_BIN names the CLI."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import torch
import torch.nn as nn

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "reference"))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
from gf_files import cli  # noqa: E402
import make_fixtures as mf  # noqa: E402

# name: config, extra --set values, the reference torch.nn network of G (make_fixtures' builders)
LEAKY = lambda: nn.LeakyReLU(0.2)  # noqa: E731
CASES = {
    "mnist-mlp": ("configs/mnist-mlp.toml", [], lambda: mf.mlp([100, 256, 512, 1024, 784], LEAKY, nn.Tanh, True)),
    "mnist-cgan": ("configs/mnist-cgan.toml", [], lambda: mf.mlp([110, 256, 512, 1024, 784], LEAKY, nn.Tanh, True)),
    "fashion-dcgan": ("configs/fashion-dcgan.toml", [], lambda: mf.dcgan(100, 64, 64, 0.2)[0]),
    "colour-32": ("configs/stacked-png-dcgan32.toml", [], lambda: mf.dcgan(100, 64, 64, 0.2, 3, 32)[0]),
    "ring8": ("configs/ring8-gan.toml", [], None),
}
TOL = 1e-5  # float32 through different kernels (oneDNN sgemm and ganforge's tanh vs PyTorch's): ~2e-7 seen


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ganforge-export-")
        for name, (config, sets, _) in CASES.items():
            run = os.path.join(cls.tmp, name)
            args = ["train", config, "--out", run, "--quiet", "--set", "train.steps=3", "--set", "train.eval_every=0"]
            for s in sets:
                args += ["--set", s]
            cli(*args)
            cli("export", "--run", run, "--out", run + ".pt")
            cli("export", "--run", run, "--out", run + ".sd.pt", "--format", "state-dict")
            cli("sample", "--run", run, "--n", "12", "--seed", "5", "--batch", "5", "--out", run + ".samples.pt")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def load(self, name):
        run = os.path.join(self.tmp, name)
        files = {"ganforge.json": ""}
        module = torch.jit.load(run + ".pt", _extra_files=files)
        return module, json.loads(files["ganforge.json"]), torch.load(run + ".samples.pt")

    def test_torchscript_gives_the_samples_of_ganforge_sample(self):
        for name in CASES:
            with self.subTest(name=name):
                module, meta, s = self.load(name)
                args = [s["z"]] + ([s["labels"]] if meta["classes"] else [])
                with torch.no_grad():
                    out = module(*args)
                self.assertEqual(out.shape, s["images"].shape)
                self.assertLess((out - s["images"]).abs().max().item(), TOL)
                self.assertEqual(meta["z_dim"], s["z"].shape[1])
                self.assertEqual(module.z_dim, meta["z_dim"])
                self.assertEqual(list(meta["image_shape"]), list(s["images"].shape[1:]))

    def test_metadata(self):
        _, meta, _ = self.load("mnist-cgan")
        self.assertEqual((meta["classes"], meta["resolution"], meta["channels"], meta["ema"]), (10, 28, 1, True))
        self.assertIn("[-1, 1]", meta["output"])
        _, meta, _ = self.load("colour-32")
        self.assertEqual((meta["channels"], meta["resolution"], meta["classes"]), (3, 32, 0))

    def test_class_names_of_an_image_folder_run(self):
        run = os.path.join(self.tmp, "png")
        cli("train", "configs/fashion-png-cgan.toml", "--out", run, "--quiet", "--set", "train.steps=1")
        cli("export", "--run", run, "--out", run + ".pt")
        files = {"ganforge.json": ""}
        torch.jit.load(run + ".pt", _extra_files=files)
        self.assertEqual(json.loads(files["ganforge.json"])["class_names"][9], "9-Ankle_boot")

    def test_state_dict_loads_into_the_reference_networks(self):
        for name, (_, _, build) in CASES.items():
            if build is None:
                continue
            with self.subTest(name=name):
                _, meta, s = self.load(name)
                net = build()
                net.load_state_dict(torch.load(os.path.join(self.tmp, name + ".sd.pt")), strict=True)
                net.eval()
                x = s["z"]
                if meta["classes"]:
                    x = torch.cat([x, nn.functional.one_hot(s["labels"], meta["classes"]).float()], 1)
                with torch.no_grad():
                    if meta["arch"] == "dcgan":
                        out = net(x.view(x.shape[0], x.shape[1], 1, 1))
                    else:
                        out = net(x).view(s["images"].shape)
                self.assertLess((out - s["images"]).abs().max().item(), TOL)

    def test_bad_input(self):
        keep = os.path.join(self.tmp, "notes.txt")
        with open(keep, "w") as f:
            f.write("mine")
        p = cli("export", "--run", os.path.join(self.tmp, "mnist-mlp"), "--out", keep, ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("refusing to replace", p.stderr)
        with open(keep) as f:
            self.assertEqual(f.read(), "mine")
        p = cli("export", "--run", os.path.join(self.tmp, "nothing-here"), "--out", keep + ".pt", ok=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertFalse(os.path.exists(keep + ".pt"))
        bad = os.path.join(self.tmp, "bad.pt")
        with open(bad, "wb") as f:
            f.write(b"PK\x03\x04 not really a checkpoint")
        p = cli("export", "--checkpoint", bad, "--out", keep + ".pt", ok=False)
        self.assertEqual(p.returncode, 2, p.stderr)


if __name__ == "__main__":
    unittest.main()
