#!/usr/bin/python3
"""Reference values for ganforge's numeric tests, computed with PyTorch (Debian python3-torch 1.13.1).

Writes tests/reference/fixtures.json (or the path given as argv[1]):
  losses: fixed logits (float64) and, for each GAN loss, its value and gradient w.r.t. the logits, written
          as a PyTorch GAN writes them (binary_cross_entropy_with_logits, mse, relu);
  penalties: WGAN-GP gradient penalty and R1 on a tiny fixed D: value and gradient w.r.t. D's parameters;
  spectral_norm: torch.nn.utils.spectral_norm on a Conv2d and a Linear with fixed u, v: one power iteration
          (u, v, sigma), the training- and eval-mode outputs and the gradient w.r.t. weight_orig;
  ema: one EMA update of fixed tensors;
  diffaugment: each DiffAugment op and all three on fixed images with fixed random draws: output and gradient;
  dcgan_step: a tiny DCGAN (28x28) with fixed weights, two full training iterations (D step, G step) with
          Adam: every parameter and BatchNorm buffer afterwards;
  models: parameter shapes (in registration order) and counts of the presets built with torch.nn.
  pix2pix: shapes and counts of the U-Net and PatchGAN at 32, 64 and 256 pixels (both norms), and two
          training iterations of a tiny pix2pix (32x32, dropout on) with every parameter and buffer afterwards;
  metrics: FID (scipy.linalg.sqrtm, as pytorch-fid computes it), unbiased polynomial-kernel MMD^2 (KID's
          estimator), precision/recall and density/coverage (k-NN balls), Inception-Score-style score, on
          fixed feature matrices, each computed here with NumPy/SciPy independently of ganforge's code;
  d_layers: maxout (Linear to units x pieces, the largest of each unit's consecutive pieces, as the PacGAN 2D
          discriminator's TensorFlow code) and minibatch standard deviation (as StyleGAN2-ADA's
          MinibatchStdLayer with one channel) on fixed inputs: output and the gradient of sum(output * w);
  torchscript: the output of a small traced feature extractor on a fixed input; the module itself is written
          beside the JSON file (tests/reference/features_tiny.pt).
Run: /usr/bin/python3 tests/reference/make_fixtures.py
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1234)


def loss_fixtures():
    # Cover the regimes a GAN visits: confident right, confident wrong, undecided, and large |logit|
    # where a naive log(sigmoid(x)) overflows.
    extremes = torch.tensor([-60.0, -25.0, -12.5, -3.0, -0.5, 0.0, 0.5, 3.0, 12.5, 25.0, 60.0], dtype=torch.float64)
    real = torch.cat([extremes, torch.randn(21, dtype=torch.float64) * 4])
    fake = torch.cat([extremes.flip(0), torch.randn(21, dtype=torch.float64) * 4])
    out = {"real_logits": real.tolist(), "fake_logits": fake.tolist()}

    def grad_of(fn, *xs):
        xs = [x.clone().requires_grad_(True) for x in xs]
        y = fn(*xs)
        y.backward()
        return y.item(), [x.grad.tolist() for x in xs]

    ones, zeros = torch.ones_like(real), torch.zeros_like(fake)
    v, (gr, gf) = grad_of(lambda r, f: F.binary_cross_entropy_with_logits(r, ones) +
                          F.binary_cross_entropy_with_logits(f, zeros), real, fake)
    out["bce_d"] = {"value": v, "grad_real": gr, "grad_fake": gf}
    v, (gf,) = grad_of(lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f)), fake)
    out["non_saturating_g"] = {"value": v, "grad_fake": gf}
    # Minimax: G minimizes E[log(1 - D(G(z)))] = -BCE(D(G(z)), 0).
    v, (gf,) = grad_of(lambda f: -F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), fake)
    out["minimax_g"] = {"value": v, "grad_fake": gf}
    # One-sided label smoothing (Salimans et al. 2016): D's real target 0.9.
    v, (gr, gf) = grad_of(lambda r, f: F.binary_cross_entropy_with_logits(r, torch.full_like(r, 0.9)) +
                          F.binary_cross_entropy_with_logits(f, zeros), real, fake)
    out["bce_d_smooth_0.1"] = {"value": v, "grad_real": gr, "grad_fake": gf}
    # LSGAN (Mao et al. 2017), a = 0, b = c = 1.
    v, (gr, gf) = grad_of(lambda r, f: 0.5 * F.mse_loss(r, ones) + 0.5 * F.mse_loss(f, zeros), real, fake)
    out["lsgan_d"] = {"value": v, "grad_real": gr, "grad_fake": gf}
    v, (gf,) = grad_of(lambda f: 0.5 * F.mse_loss(f, torch.ones_like(f)), fake)
    out["lsgan_g"] = {"value": v, "grad_fake": gf}
    # WGAN (Arjovsky et al. 2017).
    v, (gr, gf) = grad_of(lambda r, f: f.mean() - r.mean(), real, fake)
    out["wgan_d"] = {"value": v, "grad_real": gr, "grad_fake": gf}
    v, (gf,) = grad_of(lambda f: -f.mean(), fake)
    out["wgan_g"] = {"value": v, "grad_fake": gf}
    # Hinge (Lim & Ye 2017; Miyato et al. 2018).
    v, (gr, gf) = grad_of(lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(), real, fake)
    out["hinge_d"] = {"value": v, "grad_real": gr, "grad_fake": gf}
    out["hinge_g"] = out["wgan_g"]
    return out


def flat(t):
    return t.detach().reshape(-1).tolist()


def tiny_critic():
    torch.manual_seed(7)
    return nn.Sequential(nn.Linear(12, 6), nn.LeakyReLU(0.2), nn.Linear(6, 1)).double()


def param_grads(y, net):
    # The last bias does not move the input gradient: its gradient is zero (None in autograd).
    grads = torch.autograd.grad(y, list(net.parameters()), allow_unused=True)
    return [flat(torch.zeros_like(p) if g is None else g) for p, g in zip(net.parameters(), grads)]


def penalty_fixtures():
    d = tiny_critic()
    real = torch.randn(5, 3, 2, 2, dtype=torch.float64)
    fake = torch.randn(5, 3, 2, 2, dtype=torch.float64)
    e = torch.rand(5, dtype=torch.float64)
    critic = lambda x: d(x.flatten(1)).squeeze(1)
    out = {"params": [flat(p) for p in d.parameters()], "real": flat(real), "fake": flat(fake), "e": e.tolist()}

    # Gulrajani et al. 2017, eq. 3, as their reference code writes it.
    x_hat = (e.view(-1, 1, 1, 1) * real + (1 - e.view(-1, 1, 1, 1)) * fake).requires_grad_(True)
    g, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    gp = ((g.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
    out["gradient_penalty"] = {"value": gp.item(), "grad_params": param_grads(gp, d)}

    # Mescheder et al. 2018, eq. 9 (without gamma / 2).
    x = real.clone().requires_grad_(True)
    g, = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    r1 = g.flatten(1).pow(2).sum(1).mean()
    out["r1"] = {"value": r1.item(), "grad_params": param_grads(r1, d)}
    return out


def spectral_norm_fixtures():
    torch.manual_seed(11)
    out = {}
    for name, layer, x in [("conv", nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 5, 5)),
                           ("linear", nn.Linear(6, 5), torch.randn(3, 6))]:
        layer = layer.double()
        x = x.double()
        w0, b0 = layer.weight.detach().clone(), layer.bias.detach().clone()
        layer = torch.nn.utils.spectral_norm(layer)
        u0 = torch.randn(layer.weight_u.shape, dtype=torch.float64)
        v0 = torch.randn(layer.weight_v.shape, dtype=torch.float64)
        u0, v0 = F.normalize(u0, dim=0), F.normalize(v0, dim=0)
        with torch.no_grad():
            layer.weight_u.copy_(u0)
            layer.weight_v.copy_(v0)
        layer.train()
        y = layer(x)
        y.sum().backward()
        w_mat = layer.weight_orig.detach().flatten(1)
        sigma = torch.dot(layer.weight_u, torch.mv(w_mat, layer.weight_v)).item()
        layer.eval()
        y_eval = layer(x)
        out[name] = {"weight": flat(w0), "bias": flat(b0), "u0": u0.tolist(), "v0": v0.tolist(), "x": flat(x),
                     "u1": layer.weight_u.tolist(), "v1": layer.weight_v.tolist(), "sigma": sigma,
                     "y_train": flat(y), "y_eval": flat(y_eval), "grad_weight": flat(layer.weight_orig.grad)}
    return out


def ema_fixtures():
    torch.manual_seed(13)
    ema, model = torch.randn(10, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    beta = 0.999
    # The usual PyTorch EMA: ema = beta * ema + (1 - beta) * model (e.g. p_ema.mul_(beta).add_(p, alpha=1 - beta)).
    return {"ema": ema.tolist(), "model": model.tolist(), "beta": beta,
            "result": (ema * beta + model * (1 - beta)).tolist()}


def diffaugment_fixtures():
    """DiffAugment (Zhao et al. 2020) with fixed draws, written from the paper's definitions with plain loops
    for the geometric ops: the output and the gradient of sum(out * w) w.r.t. the input."""
    torch.manual_seed(19)
    b, c, h, w = 3, 3, 8, 6
    x = torch.rand(b, c, h, w, dtype=torch.float64) * 2 - 1
    weights = torch.randn(b, c, h, w, dtype=torch.float64)
    draws = {"brightness": [0.1, 0.5, 0.9], "saturation": [0.0, 0.7, 0.99], "contrast": [0.2, 0.5, 0.95],
             "shift_x": [-1, 0, 1], "shift_y": [1, -1, 0], "cut_x": [0, 4, 7], "cut_y": [5, 2, 0]}
    col = lambda key: torch.tensor(draws[key], dtype=torch.float64).view(b, 1, 1, 1)

    def color(t):
        t = t + (col("brightness") - 0.5)
        m = t.mean(dim=1, keepdim=True)
        t = (t - m) * (col("saturation") * 2) + m
        m = t.mean(dim=[1, 2, 3], keepdim=True)
        return (t - m) * (col("contrast") + 0.5) + m

    def translation(t):
        out = torch.zeros_like(t)
        for n in range(b):
            for i in range(h):
                for j in range(w):
                    si, sj = i + draws["shift_x"][n], j + draws["shift_y"][n]
                    if 0 <= si < h and 0 <= sj < w:
                        out[n, :, i, j] = t[n, :, si, sj]
        return out

    def cutout(t):
        side_x, side_y = int(h * 0.5 + 0.5), int(w * 0.5 + 0.5)
        mask = torch.ones(b, 1, h, w, dtype=t.dtype)
        for n in range(b):
            for a in range(side_x):
                for e in range(side_y):
                    i = min(max(a + draws["cut_x"][n] - side_x // 2, 0), h - 1)
                    j = min(max(e + draws["cut_y"][n] - side_y // 2, 0), w - 1)
                    mask[n, 0, i, j] = 0
        return t * mask

    out = {"x": flat(x), "shape": [b, c, h, w], "weights": flat(weights), "draws": draws}
    for name, ops in [("color", [color]), ("translation", [translation]), ("cutout", [cutout]),
                      ("all", [color, translation, cutout])]:
        xi = x.clone().requires_grad_(True)
        y = xi
        for op in ops:
            y = op(y)
        (y * weights).sum().backward()
        out[name] = {"y": flat(y), "grad": flat(xi.grad)}
    return out


def dcgan_init(*nets):
    """model.init = dcgan (and the pix2pix authors' init): weights N(0, 0.02), norm scales N(1, 0.02), biases 0."""
    for net in nets:
        for name, p in net.named_parameters():
            with torch.no_grad():
                if name.endswith("bias"):
                    p.zero_()
                elif p.dim() >= 2:
                    p.normal_(0.0, 0.02)
                else:
                    p.normal_(1.0, 0.02)


def dcgan(z_dim, gc, dc, slope, channels=1, size=28, d_batchnorm=True):
    """The DCGAN of src/models/dcgan.cpp, layer for layer, with model.init = dcgan."""
    s0, n = (7, 2) if size == 28 else (4, {32: 3, 64: 4}[size])
    width = gc * 2 ** (n - 1)
    g = [nn.ConvTranspose2d(z_dim, width, s0, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    for _ in range(n - 1):
        g += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU()]
        width //= 2
    g += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]
    width = dc
    d = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(slope)]
    for _ in range(n - 1):
        d += [nn.Conv2d(width, 2 * width, 4, 2, 1, bias=not d_batchnorm)]
        width *= 2
        d += ([nn.BatchNorm2d(width)] if d_batchnorm else []) + [nn.LeakyReLU(slope)]
    d += [nn.Conv2d(width, 1, s0, 1, 0)]
    g, d = nn.Sequential(*g), nn.Sequential(*d)
    dcgan_init(g, d)
    return g, d


def dcgan_step_fixtures():
    """Two iterations of the PyTorch DCGAN example's training step (D on real + fake with BCE, then the
    non-saturating G step through D), Adam lr 2e-4, betas (0.5, 0.999), in float32."""
    torch.manual_seed(17)
    z_dim, batch = 8, 4
    g, d = dcgan(z_dim, 4, 4, 0.2)
    state = lambda net: {"params": [flat(p) for p in net.parameters()],
                         "buffers": [flat(b.double()) for b in net.buffers()]}
    out = {"z_dim": z_dim, "g_channels": 4, "d_channels": 4, "before": {"g": state(g), "d": state(d)}, "iterations": []}
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    for _ in range(2):
        real = torch.rand(batch, 1, 28, 28) * 2 - 1
        z_d, z_g = torch.randn(batch, z_dim), torch.randn(batch, z_dim)
        with torch.no_grad():
            fake = g(z_d.view(batch, z_dim, 1, 1))
        loss_d = F.binary_cross_entropy_with_logits(d(real).flatten(), torch.ones(batch)) + \
            F.binary_cross_entropy_with_logits(d(fake).flatten(), torch.zeros(batch))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        for p in d.parameters():
            p.requires_grad_(False)
        loss_g = F.binary_cross_entropy_with_logits(d(g(z_g.view(batch, z_dim, 1, 1))).flatten(), torch.ones(batch))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        out["iterations"].append({"real": flat(real), "z_d": flat(z_d), "z_g": flat(z_g),
                                  "loss_d": loss_d.item(), "loss_g": loss_g.item()})
    out["after"] = {"g": state(g), "d": state(d)}
    return out


class UnetLevel(nn.Module):
    """One level of the U-Net of src/models/pix2pix.cpp (the authors' UnetSkipConnectionBlock)."""

    def __init__(self, outer, inner, in_ch, depth, levels_below, below, norm, dropout):
        super().__init__()
        use_bias, innermost = norm == "instance", below is None
        self.outermost = depth == 0
        make_norm = (lambda c: nn.InstanceNorm2d(c)) if norm == "instance" else nn.BatchNorm2d
        down = [] if self.outermost else [nn.LeakyReLU(0.2)]
        down.append(nn.Conv2d(in_ch, inner, 4, 2, 1, bias=use_bias))
        if not self.outermost and not innermost:
            down.append(make_norm(inner))
        up = [nn.ReLU(), nn.ConvTranspose2d(inner if innermost else 2 * inner, outer, 4, 2, 1,
                                            bias=self.outermost or use_bias)]
        if self.outermost:
            up.append(nn.Tanh())
        else:
            up.append(make_norm(outer))
            if levels_below < 3 and dropout > 0:
                up.append(nn.Dropout(dropout))
        self.down, self.below, self.up = nn.Sequential(*down), below, nn.Sequential(*up)

    def forward(self, x):
        h = self.down(x)
        if self.below is not None:
            h = self.below(h)
        h = self.up(h)
        return h if self.outermost else torch.cat([x, h], 1)


def pix2pix(cin, cout, size, ngf, ndf, norm="batch", dropout=0.5, d_layers=3):
    """pix2pix's U-Net G and PatchGAN D as src/models/pix2pix.cpp builds them, with model.init = dcgan."""
    n = size.bit_length() - 1
    width = lambda level: ngf * 2 ** min(level, 3)
    level = None
    for depth in range(n - 1, -1, -1):
        outer = cout if depth == 0 else width(depth - 1)
        in_ch = cin if depth == 0 else width(depth - 1)
        level = UnetLevel(outer, width(depth), in_ch, depth, n - 1 - depth, level, norm, dropout)
    make_norm = (lambda c: nn.InstanceNorm2d(c)) if norm == "instance" else nn.BatchNorm2d
    d = [nn.Conv2d(cin + cout, ndf, 4, 2, 1), nn.LeakyReLU(0.2)]
    w = ndf
    for layer in range(1, d_layers + 1):
        nxt = ndf * min(2 ** layer, 8)
        d += [nn.Conv2d(w, nxt, 4, 2 if layer < d_layers else 1, 1, bias=norm == "instance"), make_norm(nxt),
              nn.LeakyReLU(0.2)]
        w = nxt
    d += [nn.Conv2d(w, 1, 4, 1, 1)]
    g, d = level, nn.Sequential(*d)
    dcgan_init(g, d)
    return g, d


def pix2pix_fixtures():
    """Shapes and counts of pix2pix's networks at 32, 64 and 256 pixels; and two training iterations of ours
    (D on (input, target) and (input, G(input)) pairs with BCE; then G's non-saturating loss plus 100 * L1,
    through D frozen), Adam 2e-4 (0.5, 0.999), in float32, dropout drawn from the global generator seeded 5."""
    cases = {
        "pix2pix-1to1-32-batch": (pix2pix(1, 1, 32, 64, 64, "batch", 0.5, 1), {"cin": 1, "cout": 1, "size": 32,
                                  "norm": "batch", "d_layers": 1}),
        "pix2pix-1to3-64-instance": (pix2pix(1, 3, 64, 64, 64, "instance", 0.5, 2), {"cin": 1, "cout": 3, "size": 64,
                                     "norm": "instance", "d_layers": 2}),
        "pix2pix-3to3-256-batch": (pix2pix(3, 3, 256, 64, 64, "batch", 0.5, 3), {"cin": 3, "cout": 3, "size": 256,
                                   "norm": "batch", "d_layers": 3}),
    }
    out = {"models": {name: dict(case, generator=describe(g), discriminator=describe(d))
                      for name, ((g, d), case) in cases.items()}}
    torch.manual_seed(23)
    batch, size, lam = 4, 32, 100.0
    g, d = pix2pix(1, 1, size, 2, 2, "batch", 0.5, 1)
    state = lambda net: {"params": [flat(p) for p in net.parameters()],
                         "buffers": [flat(b.double()) for b in net.buffers()]}
    step = {"g_channels": 2, "d_channels": 2, "d_layers": 1, "size": size, "l1_weight": lam, "dropout_seed": 5,
            "before": {"g": state(g), "d": state(d)}, "iterations": []}
    inputs = [(torch.rand(batch, 1, size, size) * 2 - 1, torch.rand(batch, 1, size, size) * 2 - 1) for _ in range(2)]
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    bce = F.binary_cross_entropy_with_logits
    torch.manual_seed(step["dropout_seed"])
    for x, y in inputs:
        with torch.no_grad():
            fake = g(x)
        real_out, fake_out = d(torch.cat([x, y], 1)).flatten(), d(torch.cat([x, fake], 1)).flatten()
        loss_d = bce(real_out, torch.ones_like(real_out)) + bce(fake_out, torch.zeros_like(fake_out))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        for p in d.parameters():
            p.requires_grad_(False)
        made = g(x)
        out_g = d(torch.cat([x, made], 1)).flatten()
        l1 = lam * (made - y).abs().mean()
        loss_g = bce(out_g, torch.ones_like(out_g)) + l1
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        step["iterations"].append({"x": flat(x), "y": flat(y), "loss_d": loss_d.item(), "loss_g": loss_g.item(),
                                   "l1": l1.item(), "patches": real_out.numel() // batch})
    step["after"] = {"g": state(g), "d": state(d)}
    out["step"] = step
    return out


def mlp(sizes, act, out_act=None, batchnorm=False):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if batchnorm:
                layers.append(nn.BatchNorm1d(sizes[i + 1]))
            layers.append(act())
    if out_act:
        layers.append(out_act())
    return nn.Sequential(*layers)


def describe(net):
    return {"shapes": [list(p.shape) for p in net.parameters()],
            "count": sum(p.numel() for p in net.parameters())}


def model_fixtures():
    leaky = lambda: nn.LeakyReLU(0.2)
    presets = {
        "seed-keras-mlp": (mlp([100, 256, 256, 784], nn.ReLU, nn.Tanh), mlp([784, 256, 256, 1], nn.ReLU)),
        "seed-tf-mlp": (mlp([100, 128, 256, 512, 1024, 784], nn.ReLU, nn.Tanh),
                        mlp([784, 1024, 512, 256, 128, 1], nn.ReLU)),
        "mnist-mlp": (mlp([100, 256, 512, 1024, 784], leaky, nn.Tanh, batchnorm=True), mlp([784, 512, 256, 1], leaky)),
        # DCGAN (z 100, 64 channels) at each resolution: grey 28x28 with BN in D, colour 32 and 64 without.
        "dcgan-1x28x28": dcgan(100, 64, 64, 0.2, 1, 28, True),
        "dcgan-3x32x32": dcgan(100, 64, 64, 0.2, 3, 32, False),
        "dcgan-3x64x64": dcgan(100, 64, 64, 0.2, 3, 64, False),
    }
    return {name: {"generator": describe(g), "discriminator": describe(d)} for name, (g, d) in presets.items()}


def metric_fixtures():
    import numpy as np
    import scipy.linalg

    rng = np.random.default_rng(7)
    d = 12
    # Two correlated Gaussian clouds that overlap in part: every metric lands in its interesting range.
    mix_a = rng.normal(size=(d, d)) / np.sqrt(d)
    mix_b = rng.normal(size=(d, d)) / np.sqrt(d)
    real = rng.normal(size=(240, d)) @ mix_a
    fake = rng.normal(size=(180, d)) @ (0.6 * mix_a + 0.5 * mix_b) + 0.3

    def fid(x, y):
        mu1, mu2 = x.mean(0), y.mean(0)
        s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
        covmean = scipy.linalg.sqrtm(s1.dot(s2))
        return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean.real))

    def mmd2(x, y):
        k = lambda a, b: (a @ b.T / a.shape[1] + 1) ** 3
        m, n = len(x), len(y)
        kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
        return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                     - 2 * kxy.mean())

    def dist(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    def radii(x, k):
        dd = np.sort(dist(x, x), axis=1)  # column 0 is the point itself
        return dd[:, k]

    def prdc(r, f, k_pr, k_dc):
        drf = dist(r, f)  # [Nr, Nf]
        rr, fr, rd = radii(r, k_pr), radii(f, k_pr), radii(r, k_dc)
        precision = float(np.mean([(drf[:, j] < rr).any() for j in range(len(f))]))
        recall = float(np.mean([(drf[i, :] < fr).any() for i in range(len(r))]))
        density = float(sum((drf[:, j] < rd).sum() for j in range(len(f))) / (k_dc * len(f)))
        coverage = float(np.mean([drf[i, :].min() < rd[i] for i in range(len(r))]))
        return {"precision": precision, "recall": recall, "density": density, "coverage": coverage}

    logits = rng.normal(size=(100, 10)) * 2.5
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    scores = []
    for part in np.split(probs, 5):
        py = part.mean(0, keepdims=True)
        scores.append(np.exp((part * (np.log(part) - np.log(py))).sum(1).mean()))

    return {"real": real.tolist(), "fake": fake.tolist(), "fid": fid(real, fake), "fid_self": fid(real, real),
            "mmd2": mmd2(real, fake), "prdc": prdc(real, fake, 3, 5), "radii3": radii(real, 3).tolist(),
            "probs": probs.tolist(), "is_splits": 5, "is_mean": float(np.mean(scores)), "is_std": float(np.std(scores))}


def ssim_fixtures():
    """SSIM (Wang et al. 2004) written out with SciPy: an 11x11 Gaussian window (sigma 1.5) correlated over
    the valid positions, K1 0.01, K2 0.03, L 255, population (co)variances; mean over positions, then channels."""
    import numpy as np
    import scipy.signal

    rng = np.random.default_rng(11)
    x = np.arange(11) - 5.0
    g = np.exp(-x * x / (2 * 1.5 ** 2))
    g /= g.sum()
    win = np.outer(g, g)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def one(a, b):
        f = lambda t: scipy.signal.correlate2d(t, win, mode="valid")
        ma, mb = f(a), f(b)
        va, vb, cab = f(a * a) - ma * ma, f(b * b) - mb * mb, f(a * b) - ma * mb
        m = ((2 * ma * mb + c1) * (2 * cab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
        return m.mean()

    def case(n, c, h, w):
        # Smooth structure plus noise, and a degraded copy: darker, noisier, partly inverted.
        yy, xx = np.mgrid[0:h, 0:w]
        base = 127 + 100 * np.sin(xx / 3.0 + rng.uniform(0, 6, size=(n, c, 1, 1))) * np.cos(yy / 4.0)
        a = np.clip(base + rng.normal(0, 10, size=(n, c, h, w)), 0, 255).round()
        b = np.clip(0.7 * a + 30 + rng.normal(0, 25, size=a.shape), 0, 255).round()
        b[:, :, : h // 3] = 255 - b[:, :, : h // 3]
        want = [float(np.mean([one(a[i, k].astype(float), b[i, k].astype(float)) for k in range(c)]))
                for i in range(n)]
        return {"shape": [n, c, h, w], "a": a.astype(int).flatten().tolist(), "b": b.astype(int).flatten().tolist(),
                "ssim": want}

    return {"grey": case(3, 1, 16, 20), "colour": case(2, 3, 12, 12)}


def d_layer_fixtures():
    g = torch.Generator().manual_seed(21)
    out = {}
    x = torch.randn(4, 15, generator=g, dtype=torch.float64, requires_grad=True)
    y = x.view(4, 3, 5).max(2).values
    w = torch.randn(y.shape, generator=g, dtype=torch.float64)
    (gx,) = torch.autograd.grad((y * w).sum(), x)
    out["maxout"] = {"pieces": 5, "x": flat(x), "shape": list(x.shape), "y": flat(y), "w": flat(w), "grad": flat(gx)}

    def mbstd(x, group):
        n = x.shape[0]
        rest = list(x.shape[1:])
        y = x.reshape([group, n // group] + rest)
        y = y - y.mean(dim=0)
        y = (y.square().mean(dim=0) + 1e-8).sqrt()
        y = y.flatten(1).mean(dim=1)  # [n / group]
        y = y.reshape([-1, 1] + [1] * (len(rest) - 1)).repeat([group, 1] + rest[1:])
        return torch.cat([x, y], dim=1)

    # group is what ganforge must pick for (n, requested group): the largest divisor of n not over it.
    for name, shape, requested, group in [("flat", [8, 5], 4, 4), ("image", [6, 2, 3, 3], 4, 3),
                                          ("small", [3, 4], 4, 3)]:
        x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
        y = mbstd(x, group)
        w = torch.randn(y.shape, generator=g, dtype=torch.float64)
        (gx,) = torch.autograd.grad((y * w).sum(), x)
        out["mbstd_" + name] = {"group": requested, "x": flat(x), "shape": shape, "y": flat(y),
                                "y_shape": list(y.shape), "w": flat(w), "grad": flat(gx)}
    return out


class TinyFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 5, stride=3)
        self.fc = nn.Linear(4 * 8 * 8, 6)

    def forward(self, x):
        return torch.tanh(self.fc(F.relu(self.conv(x)).flatten(1)))


def torchscript_fixtures(path):
    torch.manual_seed(99)
    net = TinyFeatures().eval()
    x = torch.linspace(-1, 1, 2 * 28 * 28).reshape(2, 1, 28, 28)
    traced = torch.jit.trace(net, x)
    traced.save(path)
    with torch.no_grad():
        y = net(x)
    return {"file": "tests/reference/features_tiny.pt", "output": y.tolist()}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/reference/fixtures.json"
    data = {"torch_version": torch.__version__, "losses": loss_fixtures(), "penalties": penalty_fixtures(),
            "spectral_norm": spectral_norm_fixtures(), "ema": ema_fixtures(),
            "diffaugment": diffaugment_fixtures(), "dcgan_step": dcgan_step_fixtures(),
            "models": model_fixtures(), "metrics": metric_fixtures(), "pix2pix": pix2pix_fixtures(), "ssim": ssim_fixtures(),
            "d_layers": d_layer_fixtures(),
            "torchscript": torchscript_fixtures(os.path.join(os.path.dirname(path) or ".", "features_tiny.pt"))}
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
