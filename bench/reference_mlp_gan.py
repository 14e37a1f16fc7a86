#!/usr/bin/python3
"""The MLP GAN written the usual eager PyTorch way: the reference that ganforge is compared against.

Trains on the same IDX data with the same recipe knobs as ganforge's MLP configs and writes N samples as an
IDX file (uint8), so scripts/check_digits.py judges both the same way. Prints ms per iteration.

Example (the Keras seed recipe):
  /usr/bin/python3 bench/reference_mlp_gan.py --g 256,256 --d 256,256 --act relu --init glorot \
      --beta1 0.9 --eps 1e-7 --steps 10000 --out /tmp/ref.idx.gz
"""
import argparse
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from check_digits import read_idx  # noqa: E402


def mlp(sizes, act, slope, init, out_act=None):
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        if init == "glorot":
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if act == "relu" else nn.LeakyReLU(slope))
    if out_act:
        layers.append(out_act)
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--g", default="256,256")
    ap.add_argument("--d", default="256,256")
    ap.add_argument("--act", default="relu", choices=["relu", "leaky_relu"])
    ap.add_argument("--slope", type=float, default=0.2)
    ap.add_argument("--init", default="torch", choices=["torch", "glorot"])
    ap.add_argument("--noise", default="normal", choices=["normal", "uniform"])
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--beta1", type=float, default=0.9)
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_all = torch.from_numpy(read_idx(f"{args.data}/train-images-idx3-ubyte.gz").copy())
    x_all = x_all.reshape(len(x_all), -1).float() / 127.5 - 1.0
    g = mlp([100] + [int(v) for v in args.g.split(",")] + [784], args.act, args.slope, args.init, nn.Tanh())
    d = mlp([784] + [int(v) for v in args.d.split(",")] + [1], args.act, args.slope, args.init)
    opt_g = torch.optim.Adam(g.parameters(), args.lr, betas=(args.beta1, 0.999), eps=args.eps)
    opt_d = torch.optim.Adam(d.parameters(), args.lr, betas=(args.beta1, 0.999), eps=args.eps)

    def noise(n):
        return torch.randn(n, 100) if args.noise == "normal" else torch.rand(n, 100) * 2 - 1

    b = args.batch
    ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)
    perm, pos = torch.randperm(len(x_all)), 0
    t0 = time.perf_counter()
    for step in range(args.steps):
        if pos + b > len(x_all):
            perm, pos = torch.randperm(len(x_all)), 0
        real = x_all[perm[pos:pos + b]]
        pos += b
        fake = g(noise(b)).detach()
        loss_d = F.binary_cross_entropy_with_logits(d(real), ones) + \
            F.binary_cross_entropy_with_logits(d(fake), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(d(g(noise(b))), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if (step + 1) % 1000 == 0:
            print(f"step {step + 1} loss_d {loss_d.item():.3f} loss_g {loss_g.item():.3f}", flush=True)
    dt = time.perf_counter() - t0
    print(f"{args.steps} steps in {dt:.1f} s: {1000 * dt / args.steps:.2f} ms/iteration")
    with torch.no_grad():
        torch.manual_seed(args.seed + 1)
        u8 = ((g(noise(args.n)) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
    raw = struct.pack(">IIII", 0x803, args.n, 28, 28) + u8.tobytes()
    with open(args.out, "wb") as f:
        f.write(gzip.compress(raw) if args.out.endswith(".gz") else raw)


if __name__ == "__main__":
    main()
