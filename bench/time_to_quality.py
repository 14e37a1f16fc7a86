#!/usr/bin/python3
"""Time to quality: evaluator FID against training wall time, ganforge and eager PyTorch, same DCGAN recipe.

Both sides train configs/fashion-dcgan.toml's DCGAN on Fashion-MNIST (G and D of tests/reference/make_fixtures.py
on the PyTorch side, the nets the tests check ganforge's against; batch 64, non-saturating BCE, Adam 2e-4
(0.5, 0.999), fresh noise for each update, each epoch reshuffled) and keep their generator every SNAP steps.
Training time only is counted (PyTorch: the training steps; ganforge: metrics.jsonl's time_s, which also holds
its checkpoint writes). Every snapshot is then measured the same way: 10,000 samples in eval mode, rounded to
8 bits, FID by ganforge's Fashion-MNIST evaluator (`ganforge eval`; the PyTorch samples through
`eval --samples`). PyTorch runs in its best configuration here (2 threads, malloc keeping freed memory).

The target (issue 5): ganforge reaches the FID PyTorch has after its budget in <= 2/3 of PyTorch's time.

  /usr/bin/python3 bench/time_to_quality.py --out runs/ttq          # ~20 minutes; prints the table
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
KEEP_MEMORY = {"MALLOC_TRIM_THRESHOLD_": "4000000000", "MALLOC_MMAP_THRESHOLD_": "33554432"}


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051, f"{path}: not an IDX image file"
        return n, rows, cols, f.read(n * rows * cols)


def write_idx_images(path, images_u8):
    n, _, rows, cols = images_u8.shape
    with open(path, "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, rows, cols))
        f.write(images_u8.contiguous().numpy().tobytes())


def ganforge_eval(ganforge, args):
    out = subprocess.run([ganforge, "eval", "--metrics", "fid", "--json", "--n", "10000", "--seed", "0"] + args,
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"time_to_quality.py: ganforge eval failed: {out.stdout}{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])["generated"]["fid"]


def pytorch_side(args):
    """Runs in a child process (its own thread and malloc settings): trains, keeps snapshots, writes samples."""
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
    from make_fixtures import dcgan

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    n, rows, cols, pixels = read_idx_images(os.path.join(ROOT, "data", "fashion-mnist", "train-images-idx3-ubyte.gz"))
    data = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).view(n, 1, rows, cols).float() / 127.5 - 1
    g, d = dcgan(100, 64, 64, 0.2)
    opt_g = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
    b = 64
    ones, zeros = torch.ones(b), torch.zeros(b)
    perm, pos, train_s, snaps = torch.randperm(n), 0, 0.0, []
    for step in range(1, args.steps + 1):
        t0 = time.perf_counter()
        if pos + b > n:
            perm, pos = torch.randperm(n), 0
        real = data[perm[pos:pos + b]]
        pos += b
        with torch.no_grad():
            fake = g(torch.randn(b, 100, 1, 1))
        loss_d = F.binary_cross_entropy_with_logits(d(real).flatten(), ones) + \
            F.binary_cross_entropy_with_logits(d(fake).flatten(), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(d(g(torch.randn(b, 100, 1, 1))).flatten(), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        train_s += time.perf_counter() - t0
        if step % args.snap == 0:
            snaps.append((step, train_s, {k: v.clone() for k, v in g.state_dict().items()}))
            print(f"pytorch: step {step}, {train_s:.1f} s", file=sys.stderr, flush=True)
    rows_out = []
    for step, seconds, state in snaps:
        g.load_state_dict(state)
        g.eval()
        torch.manual_seed(1234)
        with torch.inference_mode():
            x = torch.cat([g(torch.randn(1000, 100, 1, 1)) for _ in range(10)])
        path = os.path.join(args.out, "pytorch", f"samples-{step:06d}.idx")
        write_idx_images(path, x.add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8))
        rows_out.append({"step": step, "train_s": seconds, "samples": path})
    print(json.dumps(rows_out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="work folder (runs, samples, results.json)")
    ap.add_argument("--steps", type=int, default=3000, help="PyTorch's budget in generator steps")
    ap.add_argument("--ganforge-steps", type=int, default=0, help="ganforge's (default: 1.5x --steps)")
    ap.add_argument("--snap", type=int, default=250, help="steps between snapshots")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ganforge", default=os.path.join(ROOT, "build", "ganforge"))
    ap.add_argument("--pytorch-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "pytorch"), exist_ok=True)
    if args.pytorch_child:
        return pytorch_side(args)

    # PyTorch first, in its best configuration.
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--pytorch-child", "--out", args.out,
                            "--steps", str(args.steps), "--snap", str(args.snap), "--seed", str(args.seed),
                            "--threads", str(args.threads)],
                           env={**os.environ, **KEEP_MEMORY}, capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"time_to_quality.py: the PyTorch side failed:\n{child.stderr}")
    pt = json.loads(child.stdout.strip().splitlines()[-1])
    for r in pt:
        r["fid"] = ganforge_eval(args.ganforge, ["--samples", r["samples"], "--dataset", "fashion-mnist"])
        print(f"pytorch step {r['step']}: {r['train_s']:.1f} s, FID {r['fid']:.2f}", file=sys.stderr, flush=True)

    # ganforge: the same recipe from its config, a checkpoint every SNAP steps.
    steps = args.ganforge_steps or args.steps * 3 // 2
    run = os.path.join(args.out, "ganforge")
    cmd = [args.ganforge, "train", os.path.join(ROOT, "configs", "fashion-dcgan.toml"), "--out", run, "--overwrite",
           "--quiet", "--seed", str(args.seed), "--set", f"train.steps={steps}", "--set",
           f"train.checkpoint_every={args.snap}", "--set", "train.keep_checkpoints=1000", "--set",
           "train.sample_every=0", "--set", f"train.log_every={args.snap}"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    times = {}
    with open(os.path.join(run, "metrics.jsonl")) as f:
        for line in f:
            j = json.loads(line)
            if "event" not in j:
                times[j["step"]] = j["time_s"]
    gf = []
    for step in range(args.snap, steps + 1, args.snap):
        ckpt = os.path.join(run, "checkpoints", f"step-{step:07d}.pt")
        gf.append({"step": step, "train_s": times[step], "fid": ganforge_eval(args.ganforge, ["--checkpoint", ckpt])})
        print(f"ganforge step {step}: {times[step]:.1f} s, FID {gf[-1]['fid']:.2f}", file=sys.stderr, flush=True)

    target = pt[-1]
    reached = next((r for r in gf if r["fid"] <= target["fid"]), None)
    result = {"pytorch": pt, "ganforge": gf, "target_fid": target["fid"], "pytorch_s": target["train_s"],
              "ganforge_reached": reached,
              "ratio": reached["train_s"] / target["train_s"] if reached else None}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    print("| step | PyTorch s | PyTorch FID | ganforge s | ganforge FID |")
    print("|---|---|---|---|---|")
    by_step = {r["step"]: r for r in pt}
    for r in gf:
        p = by_step.get(r["step"])
        print(f"| {r['step']} | {p['train_s']:.1f} | {p['fid']:.2f} | " if p else f"| {r['step']} | - | - | ", end="")
        print(f"{r['train_s']:.1f} | {r['fid']:.2f} |")
    if reached:
        print(f"\nPyTorch after {target['step']} steps: FID {target['fid']:.2f} in {target['train_s']:.1f} s; ganforge "
              f"reaches FID <= that at step {reached['step']} in {reached['train_s']:.1f} s: "
              f"{result['ratio']:.2f} of PyTorch's time (target <= 0.67)")
    else:
        print(f"\nganforge did not reach PyTorch's final FID {target['fid']:.2f} within {steps} steps")


if __name__ == "__main__":
    main()
