#!/usr/bin/python3
"""Reference values for ganforge's numeric tests, computed with PyTorch (Debian python3-torch 1.13.1).

Writes tests/reference/fixtures.json (or the path given as argv[1]):
  losses: fixed logits (float64) and, for each GAN loss, its value and gradient w.r.t. the logits, computed
          with torch.nn.functional.binary_cross_entropy_with_logits exactly as a PyTorch GAN writes them;
  models: parameter shapes (in registration order) and counts of the MLP presets built with torch.nn.
Run: /usr/bin/python3 tests/reference/make_fixtures.py
"""
import json
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
    }
    return {name: {"generator": describe(g), "discriminator": describe(d)} for name, (g, d) in presets.items()}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/reference/fixtures.json"
    data = {"torch_version": torch.__version__, "losses": loss_fixtures(), "models": model_fixtures()}
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
