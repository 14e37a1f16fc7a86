#!/usr/bin/python3
"""Time to quality: evaluator FID against training wall time, ganforge and eager PyTorch, same DCGAN recipe,
over several seeds per side.

Both sides train configs/fashion-dcgan.toml's DCGAN on Fashion-MNIST (G and D of tests/reference/make_fixtures.py
on the PyTorch side, the nets the tests check ganforge's against; batch 64, non-saturating BCE, Adam 2e-4
(0.5, 0.999), fresh noise for each update, each epoch reshuffled) and keep their generator every SNAP steps.
Training time only is counted (PyTorch: the training steps; ganforge: metrics.jsonl's time_s, which also holds
its checkpoint writes). Every snapshot is then measured the same way: 10,000 samples in eval mode, rounded to
8 bits, FID by ganforge's Fashion-MNIST evaluator (`ganforge eval`; the PyTorch samples through
`eval --samples`).

PyTorch is the fair baseline: 2 threads, malloc keeping freed memory, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
unset in its process alone, and the careful step (G under torch.no_grad() in the D step, D's weights frozen
in the G step, gradients set to None). ganforge runs with the environment as it is.

The measure: the median of PyTorch's final FIDs over the seeds is the target; for each run of either side, the
training time at its first snapshot with FID <= the target; mean and standard deviation per side.
(Issue 5's target: ganforge there in <= 2/3 of PyTorch's time.)

  /usr/bin/python3 bench/time_to_quality.py --out runs/ttq --seeds 0 1 2 --json bench/results/time_to_quality.json \
      > bench/results/time_to_quality.md                                # ~15 minutes a seed
  /usr/bin/python3 bench/time_to_quality.py --out runs/ttq --seeds 0 1 2 --table-only   # the table again
A seed whose OUT/seed-N/results.json exists is not run again.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import subprocess
import sys
import time

from bench_util import environment, write_results

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


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
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        for p in d.parameters():  # frozen: G's loss back-propagates into D's input only
            p.requires_grad_(False)
        loss_g = F.binary_cross_entropy_with_logits(d(g(torch.randn(b, 100, 1, 1))).flatten(), ones)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
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


def run_seed(args, seed, out):
    """Both sides with one seed in OUT (skipped when OUT/results.json exists); their FID curves."""
    done = os.path.join(out, "results.json")
    if os.path.exists(done):
        with open(done) as f:
            return json.load(f)
    os.makedirs(os.path.join(out, "pytorch"), exist_ok=True)
    # PyTorch first, as the fair baseline: its process alone without the two OpenBLAS variables.
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--pytorch-child", "--out", out,
                            "--steps", str(args.steps), "--snap", str(args.snap), "--seed", str(seed),
                            "--threads", str(args.threads)],
                           env=environment(blas_unset=True, keep_memory=True), capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"time_to_quality.py: the PyTorch side failed:\n{child.stderr}")
    pt = json.loads(child.stdout.strip().splitlines()[-1])
    for r in pt:
        r["fid"] = ganforge_eval(args.ganforge, ["--samples", r["samples"], "--dataset", "fashion-mnist"])
        print(f"seed {seed}: pytorch step {r['step']}: {r['train_s']:.1f} s, FID {r['fid']:.2f}", file=sys.stderr,
              flush=True)

    # ganforge: the same recipe from its config, a checkpoint every SNAP steps.
    steps = args.ganforge_steps or args.steps * 3 // 2
    run = os.path.join(out, "ganforge")
    cmd = [args.ganforge, "train", os.path.join(ROOT, "configs", "fashion-dcgan.toml"), "--out", run, "--overwrite",
           "--quiet", "--seed", str(seed), "--set", f"train.steps={steps}", "--set",
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
        print(f"seed {seed}: ganforge step {step}: {times[step]:.1f} s, FID {gf[-1]['fid']:.2f}", file=sys.stderr,
              flush=True)
    result = {"seed": seed, "pytorch": pt, "ganforge": gf}
    with open(done, "w") as f:
        json.dump(result, f, indent=1)
    return result


def reached(curve, target):
    """The first snapshot of a curve at or below the target FID (None if it never gets there)."""
    return next((r for r in curve if r["fid"] <= target), None)


def summarize(runs):
    target = statistics.median(r["pytorch"][-1]["fid"] for r in runs)
    per_side = {}
    for side in ("pytorch", "ganforge"):
        hits = [reached(r[side], target) for r in runs]
        secs = [h["train_s"] for h in hits if h]
        per_side[side] = {"seconds": [h["train_s"] if h else None for h in hits],
                          "steps": [h["step"] if h else None for h in hits],
                          "reached": len(secs), "mean_s": statistics.mean(secs) if secs else None,
                          "sd_s": statistics.stdev(secs) if len(secs) > 1 else 0.0}
    p, g = per_side["pytorch"], per_side["ganforge"]
    ratio = g["mean_s"] / p["mean_s"] if p["mean_s"] and g["mean_s"] else None
    return {"target_fid": target, "pytorch": p, "ganforge": g, "ratio": ratio}


def report(runs, summary, out):
    seeds = [r["seed"] for r in runs]
    print("| step | " + " | ".join(f"PyTorch s, FID (seed {s})" for s in seeds) + " | " +
          " | ".join(f"ganforge s, FID (seed {s})" for s in seeds) + " |", file=out)
    print("|---" * (1 + 2 * len(runs)) + "|", file=out)
    steps = sorted({x["step"] for r in runs for side in ("pytorch", "ganforge") for x in r[side]})
    for step in steps:
        cells = []
        for side in ("pytorch", "ganforge"):
            for r in runs:
                x = next((x for x in r[side] if x["step"] == step), None)
                cells.append(f"{x['train_s']:.1f}, {x['fid']:.2f}" if x else "-")
        print(f"| {step} | " + " | ".join(cells) + " |", file=out)
    t = summary["target_fid"]
    finals = ", ".join(f"{r['pytorch'][-1]['fid']:.2f}" for r in runs)
    print(f"\nTarget: PyTorch's median final FID after {runs[0]['pytorch'][-1]['step']} steps, {t:.2f} "
          f"(finals {finals}).\n", file=out)
    print("| side | seeds reaching it | step reached, per seed | seconds, per seed | mean +- sd seconds |", file=out)
    print("|---|---|---|---|---|", file=out)
    for side, name in (("pytorch", "PyTorch (fair baseline)"), ("ganforge", "ganforge")):
        x = summary[side]
        steps_ = ", ".join("-" if v is None else str(v) for v in x["steps"])
        secs = ", ".join("-" if v is None else f"{v:.1f}" for v in x["seconds"])
        mean = "-" if x["mean_s"] is None else f"{x['mean_s']:.1f} +- {x['sd_s']:.1f}"
        print(f"| {name} | {x['reached']}/{len(runs)} | {steps_} | {secs} | {mean} |", file=out)
    if summary["ratio"]:
        print(f"\nganforge needs {summary['ratio']:.2f} of PyTorch's mean time to reach FID {t:.2f} "
              f"(issue 5's target: <= 0.67).", file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="work folder (OUT/seed-N: runs, samples, results.json)")
    ap.add_argument("--steps", type=int, default=3000, help="PyTorch's budget in generator steps")
    ap.add_argument("--ganforge-steps", type=int, default=0, help="ganforge's (default: 1.5x --steps)")
    ap.add_argument("--snap", type=int, default=250, help="steps between snapshots")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)  # the PyTorch child's
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ganforge", default=os.path.join(ROOT, "build", "ganforge"))
    ap.add_argument("--json", help="also write the curves and the summary here")
    ap.add_argument("--table-only", action="store_true", help="only the seeds already run")
    ap.add_argument("--pytorch-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pytorch_child:
        os.makedirs(os.path.join(args.out, "pytorch"), exist_ok=True)
        return pytorch_side(args)
    runs = []
    for seed in args.seeds:
        out = os.path.join(args.out, f"seed-{seed}")
        if args.table_only and not os.path.exists(os.path.join(out, "results.json")):
            continue
        runs.append(run_seed(args, seed, out))
    if not runs:
        raise SystemExit("time_to_quality.py: no seed has been run yet")
    summary = summarize(runs)
    report(runs, summary, sys.stdout)
    if args.json:
        write_results(args.json, runs=runs, summary=summary)


if __name__ == "__main__":
    main()
