#!/usr/bin/python3
"""The benchmark cases of `ganforge bench` written the usual eager PyTorch way: the reference side.

Each case builds the same networks as ganforge (layer for layer: the DCGAN of tests/reference/make_fixtures.py,
which the tests check against ganforge's), with the same optimizer settings and batch sizes, and times the
training step a PyTorch user writes: D on real and on fake (detached), backward, Adam; then G through D.
--careful writes it as a careful user does: G's forward in the D step under torch.no_grad() (no graph to
detach), D's weights frozen for the G step (its backward computes only input gradients), gradients set to
None instead of zeroed.
--bf16 runs every case under torch.autocast("cpu", dtype=torch.bfloat16), the way PyTorch's documentation
writes CPU mixed precision: each phase's forwards inside one autocast region (matrix products and
convolutions in bf16, weights and Adam in fp32), D's logits cast to fp32 for the losses outside it.

  /usr/bin/python3 bench/reference.py --case dcgan64            # prints min and median ms per iteration
  /usr/bin/python3 bench/reference.py --case dcgan64 --serve    # driven by bench/compare.py

The serve protocol is ganforge's (include/ganforge/bench.h): "run N" -> {"ms": total}, "rss" ->
{"peak_rss_mib": x}, "quit"; the first line says the case, and here also the case's FLOPs per iteration,
counted per layer (flops_per_iter below).
"""
import argparse
import ctypes
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import scipy.linalg
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from make_fixtures import dcgan, mlp  # noqa: E402  (the networks the tests compare ganforge with)

CASES = ["mlp", "dcgan64", "dcgan128", "wgangp", "sample-mlp", "sample-dcgan", "eval", "sgemm", "sgemm-blas"]


def forward_flops(net, x):
    """FLOPs of one forward pass of `net` on `x`: 2 per multiply-add of each Linear, Conv2d and
    ConvTranspose2d (normalizations and activations are not counted)."""
    total = [0]

    def hook(m, inp, out):
        if isinstance(m, nn.Linear):
            total[0] += 2 * inp[0].numel() // m.in_features * m.in_features * m.out_features
        elif isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            total[0] += 2 * out.numel() * k
        elif isinstance(m, nn.ConvTranspose2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
            total[0] += 2 * inp[0].numel() * k

    handles = [m.register_forward_hook(hook) for m in net.modules()]
    with torch.no_grad():
        net(x)
    for h in handles:
        h.remove()
    return total[0]


class Training:
    """One GAN training iteration: d_steps D updates, then one G update (non-saturating BCE, or WGAN-GP)."""

    def __init__(self, g, d, z_shape, batch, lr, betas, eps, d_steps=1, gp=0.0, careful=False, bf16=False):
        self.g, self.d, self.z_shape, self.b = g, d, z_shape, batch
        self.d_steps, self.gp, self.careful, self.bf16 = d_steps, gp, careful, bf16
        self.opt_g = torch.optim.Adam(g.parameters(), lr, betas=betas, eps=eps)
        self.opt_d = torch.optim.Adam(d.parameters(), lr, betas=betas, eps=eps)
        self.real = torch.rand(batch, 1, 28, 28) * 2 - 1
        if isinstance(d[0], nn.Linear):
            self.real = self.real.view(batch, -1)
        self.ones, self.zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
        self.samples = batch
        z = torch.randn(batch, *z_shape)
        fg = forward_flops(g, z)
        fd = forward_flops(d, self.real)
        # D update: G forward, D forward on real and fake, D backward on both (weight and input gradients,
        # twice the forward). G update: G and D forward, D backward for input gradients only, G backward.
        # The gradient penalty: D forward on the mixture, its input gradient, and the double backward
        # through both (about three more D forwards).
        per_d = fg + 6 * fd + (5 * fd if gp else 0)
        self.flops = d_steps * per_d + 3 * fg + 2 * fd

    def d_out(self, x):
        return self.d(x).view(-1, 1).float()

    def amp(self):
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)

    def __call__(self):
        b = self.b
        for _ in range(self.d_steps):
            with self.amp():
                if self.careful:  # G's forward records no graph: the D step never back-propagates into G
                    with torch.no_grad():
                        fake = self.g(torch.randn(b, *self.z_shape)).float()
                else:
                    fake = self.g(torch.randn(b, *self.z_shape)).float().detach()
                out_real, out_fake = self.d_out(self.real), self.d_out(fake)
                if self.gp:
                    alpha = torch.rand(b, *([1] * (self.real.dim() - 1)))
                    mix = (alpha * self.real + (1 - alpha) * fake).requires_grad_(True)
                    out_mix = self.d_out(mix)
            if self.gp:
                loss_d = out_fake.mean() - out_real.mean()
                grad, = torch.autograd.grad(out_mix.sum(), mix, create_graph=True)
                loss_d = loss_d + self.gp * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            else:
                loss_d = F.binary_cross_entropy_with_logits(out_real, self.ones) + \
                    F.binary_cross_entropy_with_logits(out_fake, self.zeros)
            self.opt_d.zero_grad(set_to_none=self.careful)
            loss_d.backward()
            self.opt_d.step()
        if self.careful:  # D's weights frozen: G's loss computes only the input gradients it needs
            for p in self.d.parameters():
                p.requires_grad_(False)
        with self.amp():
            out = self.d_out(self.g(torch.randn(b, *self.z_shape)))
        loss_g = -out.mean() if self.gp else F.binary_cross_entropy_with_logits(out, self.ones)
        self.opt_g.zero_grad(set_to_none=self.careful)
        loss_g.backward()
        self.opt_g.step()
        if self.careful:
            for p in self.d.parameters():
                p.requires_grad_(True)


class Sampling:
    def __init__(self, g, z_shape, bf16=False):
        self.g, self.z_shape, self.samples, self.bf16 = g.eval(), z_shape, 1024, bf16
        self.flops = forward_flops(g, torch.randn(1024, *z_shape))

    def __call__(self):
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            self.g(torch.randn(1024, *self.z_shape)).float()


class Evaluator(nn.Module):
    """ganforge's evaluator CNN (include/ganforge/evaluator.h): three conv-BN-ReLU blocks, 128 features."""

    def __init__(self):
        super().__init__()

        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
        self.body = nn.Sequential(*block(1, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128),
                                  nn.Flatten(), nn.Linear(128 * 7 * 7, 128, bias=False), nn.BatchNorm1d(128), nn.ReLU())
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        f = self.body(x)
        return f, F.softmax(self.head(f), 1)


def fid(f, mu_r, cov_r):
    """FID the way pytorch-fid computes it: NumPy statistics and scipy.linalg.sqrtm."""
    mu, cov = f.mean(0), np.cov(f, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(cov @ cov_r, disp=False)
    return float(((mu - mu_r) ** 2).sum() + np.trace(cov + cov_r - 2 * covmean.real))


class Evaluation:
    def __init__(self, bf16=False):
        self.net, self.samples, self.bf16 = Evaluator().eval(), 10000, bf16
        self.images = torch.randint(0, 256, (10000, 1, 28, 28), dtype=torch.uint8)
        ref = np.random.default_rng(0).standard_normal((10000, 128))
        self.mu_r, self.cov_r = ref.mean(0), np.cov(ref, rowvar=False)
        self.flops = 20 * forward_flops(self.net.body, torch.zeros(500, 1, 28, 28))

    def __call__(self):
        feats = []
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for i in range(0, 10000, 500):
                x = self.images[i:i + 500].float() / 127.5 - 1
                feats.append(self.net(x)[0].float())
        fid(torch.cat(feats).double().numpy(), self.mu_r, self.cov_r)


class Sgemm:
    def __init__(self, n=2048, bf16=False):
        dtype = torch.bfloat16 if bf16 else torch.float32  # bf16: the peak of bf16 products (oneDNN's)
        self.a, self.b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
        self.samples, self.flops = n ** 3, 2 * n ** 3

    def __call__(self):
        torch.mm(self.a, self.b)


def make_case(name, careful=False, bf16=False):
    torch.manual_seed(0)
    mlp_g = lambda: mlp([100, 256, 256, 784], nn.ReLU, nn.Tanh)  # noqa: E731
    mlp_d = lambda: mlp([784, 256, 256, 1], nn.ReLU)  # noqa: E731
    if name == "mlp":
        return Training(mlp_g(), mlp_d(), (100,), 128, 2e-4, (0.9, 0.999), 1e-7, careful=careful, bf16=bf16)
    if name in ("dcgan64", "dcgan128"):
        g, d = dcgan(100, 64, 64, 0.2)
        return Training(g, d, (100, 1, 1), int(name[5:]), 2e-4, (0.5, 0.999), 1e-8, careful=careful, bf16=bf16)
    if name == "wgangp":
        g, d = dcgan(100, 64, 64, 0.2, d_batchnorm=False)
        return Training(g, d, (100, 1, 1), 64, 1e-4, (0.0, 0.9), 1e-8, d_steps=5, gp=10.0, careful=careful, bf16=bf16)
    if name == "sample-mlp":
        return Sampling(mlp_g(), (100,), bf16)
    if name == "sample-dcgan":
        return Sampling(dcgan(100, 64, 64, 0.2)[0], (100, 1, 1), bf16)
    if name == "eval":
        return Evaluation(bf16)
    if name in ("sgemm", "sgemm-blas"):  # PyTorch has one kernel: torch.mm (OpenBLAS here)
        return Sgemm(bf16=bf16)
    raise SystemExit(f"reference.py: unknown case {name!r} ({', '.join(CASES)})")


def blas_core():
    """The kernel set OpenBLAS runs (the environment's OPENBLAS_CORETYPE can force an older one); "" if the BLAS
    PyTorch loaded is not OpenBLAS."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "blas" in os.path.basename(path):
            try:
                name = ctypes.CDLL(path).openblas_get_corename
            except (OSError, AttributeError):
                continue
            name.restype = ctypes.c_char_p
            return name().decode()
    return ""


def time_ms(case, n):
    t0 = time.perf_counter()
    for _ in range(n):
        case()
    return 1000 * (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", required=True, choices=CASES)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    ap.add_argument("--careful", action="store_true",
                    help="training cases: G under torch.no_grad() in the D step, D's weights frozen in the G step, "
                         "gradients set to None")
    ap.add_argument("--bf16", action="store_true",
                    help="every case under torch.autocast(\"cpu\", dtype=torch.bfloat16); sgemm: bf16 matrices")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    case = make_case(args.case, args.careful, args.bf16)
    if not args.serve:
        n = max(1, int(500 / time_ms(case, 1)))
        ms = [time_ms(case, n) / n for _ in range(args.rounds)]
        print(f"{args.case}: min {min(ms):.3f} ms, median {statistics.median(ms):.3f} ms per iteration")
        return
    say = lambda j: print(json.dumps(j), flush=True)  # noqa: E731
    say({"case": args.case, "samples_per_iter": case.samples, "flops_per_iter": case.flops,
         "threads": torch.get_num_threads(), "blas_core": blas_core()})
    for line in sys.stdin:
        if line.startswith("run "):
            say({"ms": time_ms(case, int(line.split()[1]))})
        elif line.startswith("rss"):
            say({"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
        elif line.startswith("quit"):
            return
        else:
            say({"error": "unknown request: " + line.strip()})


if __name__ == "__main__":
    main()
