#!/usr/bin/python3
"""pix2pix on edges -> Fashion-MNIST (issue 20): what the adversarial loss adds to the L1-only U-Net.

For each run (pix2pix = cGAN + 100 x L1, configs/edges2fashion-32.toml; the L1-only baseline,
configs/edges2fashion-32-l1.toml) and each of its checkpoints (or the ones named with --steps):
  `ganforge eval --checkpoint CKPT --json` on all 10,000 test pairs: L1 and SSIM to the target, FID of the
  translations against the real test split, and the evaluator's label accuracy (eval/translation.h), beside
  the same numbers for the real targets.
Writes OUT.jsonl (one eval line per run and step, with the run's name) and OUT.md (the table), and
OUT-grid.png: for the first two test images of each class, (edges | L1 only | pix2pix | target) at the last
step measured, the test
edge maps passed through `ganforge translate` as PNG drawings, so the grid also checks that a drawing at the
run's size is read back exactly; and OUT-drawings.png: three drawings made with a pen, not an edge
detector, through the pix2pix run (`ganforge translate --pairs`).

    /usr/bin/python3 bench/pix2pix.py --runs runs/exp/edges2fashion-32 runs/exp/edges2fashion-32-l1 \
        [--steps 1000 2000 3000] [--out docs/results/pix2pix]
"""
import argparse
import json
import os
import sys
import tempfile

from PIL import Image

from bench_util import ROOT, cli, read_jsonl

sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from gf_files import read_pack  # noqa: E402


def checkpoints(run, steps):
    folder = os.path.join(run, "checkpoints")
    found = sorted(f for f in os.listdir(folder) if f.startswith("step-") and f.endswith(".pt"))
    if steps:
        found = [f for f in found if int(f[5:-3]) in steps]
    return [os.path.join(folder, f) for f in found]


def name_of(run):
    with open(os.path.join(run, "config.toml")) as f:
        return "L1 only" if "gan_weight = 0" in f.read() else "pix2pix (cGAN + L1)"


def grid(runs, step, out_png, tmp):
    """(edges | run 1 | run 2 | ... | target) for two test images per class, each run at `step`, 2 px apart,
    x3 for reading."""
    pack = os.path.join(tmp, "test.pack")
    res = None
    for run in runs:
        with open(os.path.join(run, "config.toml")) as f:
            res = int([l for l in f if l.startswith("resolution")][0].split("=")[1])
    cli("data", "edges", "--from", "fashion-mnist", "--split", "test", "--resolution", str(res), "--out", pack)
    h, pixels, labels = read_pack(pack)
    picks = [i for k in range(10) for i in [j for j in range(len(labels)) if labels[j] == k][:2]]
    drawings = os.path.join(tmp, "drawings")
    os.makedirs(drawings)
    for i in picks:
        Image.fromarray(h["inputs"][i, 0]).save(os.path.join(drawings, f"{i:05d}.png"))
    outs = []
    for run in runs:
        folder = os.path.join(tmp, os.path.basename(run))
        cli("translate", "--checkpoint", checkpoints(run, [step])[0], "--in", drawings, "--out", folder)
        outs.append(folder)
    cols = 2 + len(runs)
    cell = res + 2
    sheet = Image.new("L", (2 * cols * cell + 2 + 6, 10 * cell + 2), 128)
    for n, i in enumerate(picks):
        row, half = n // 2, n % 2
        x0 = 2 + half * (cols * cell + 6)
        cells = [Image.fromarray(h["inputs"][i, 0])]
        cells += [Image.open(os.path.join(o, f"{i:05d}.png")).convert("L") for o in outs]
        cells.append(Image.fromarray(pixels[i, 0]))
        for c, im in enumerate(cells):
            sheet.paste(im, (x0 + c * cell, 2 + row * cell))
    sheet = sheet.resize((sheet.width * 3, sheet.height * 3), Image.NEAREST)
    sheet.save(out_png)


def drawings(run, step, out_png, tmp):
    """Drawings no edge detector made -- a T-shirt, trousers and a bag drawn with a 5-pixel pen on 400 x 300
    pages -- through `ganforge translate --pairs` (the sketch as the model sees it | the translation), x3."""
    from PIL import ImageDraw
    shapes = {
        "tshirt": [(130, 40), (170, 40), (200, 70), (230, 40), (270, 40), (330, 100), (295, 135), (270, 115),
                   (270, 270), (130, 270), (130, 115), (105, 135), (70, 100), (130, 40)],
        "trousers": [(140, 30), (260, 30), (280, 280), (225, 280), (200, 110), (175, 280), (120, 280), (140, 30)],
        "bag": [(110, 120), (290, 120), (300, 270), (100, 270), (110, 120)],
    }
    folder = os.path.join(tmp, "hand")
    os.makedirs(folder)
    for name, points in shapes.items():
        page = Image.new("L", (400, 300), 255)
        d = ImageDraw.Draw(page)
        d.line(points, fill=0, width=5)
        if name == "bag":
            d.arc([150, 50, 250, 190], 180, 360, fill=0, width=5)  # the handle
        page.save(os.path.join(folder, name + ".png"))
    out = os.path.join(tmp, "hand-out")
    cli("translate", "--checkpoint", checkpoints(run, [step])[0], "--in", folder, "--out", out, "--pairs")
    cells = [Image.open(os.path.join(out, n + ".png")).convert("L") for n in shapes]
    sheet = Image.new("L", (sum(c.width for c in cells) + 6 * (len(cells) - 1), cells[0].height), 128)
    x = 0
    for c in cells:
        sheet.paste(c, (x, 0))
        x += c.width + 6
    sheet.resize((sheet.width * 3, sheet.height * 3), Image.NEAREST).save(out_png)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", nargs="+", required=True)
    ap.add_argument("--steps", nargs="*", type=int, default=[])
    ap.add_argument("--out", default="docs/results/pix2pix")
    a = ap.parse_args()
    # Lines already in OUT.jsonl for the same checkpoint are kept, not measured again (a rerun redoes the table
    # and the grid).
    done = {j["checkpoint"]: j for j in read_jsonl(a.out + ".jsonl")}
    lines = []
    for run in a.runs:
        for ckpt in checkpoints(run, a.steps):
            line = done.get(ckpt) or json.loads(cli("eval", "--checkpoint", ckpt, "--json").strip().splitlines()[-1])
            line["run"] = os.path.basename(run.rstrip("/"))
            line["model"] = name_of(run)
            lines.append(line)
            g = line["generated"]
            print(f"{line['run']} step {line['step']}: L1 {g['l1']:.4f} SSIM {g['ssim']:.4f} FID {g['fid']:.2f} "
                  f"acc {100 * g['label_accuracy']:.2f}%", flush=True)
    with open(a.out + ".jsonl", "w") as f:
        for l in lines:
            f.write(json.dumps(l) + "\n")
    real = lines[-1]["real_floor"]
    md = ["| model | step | L1 to target (lower is better) | SSIM to target | FID vs real test | label accuracy |",
          "|---|---:|---:|---:|---:|---:|"]
    for l in lines:
        g = l["generated"]
        md.append(f"| {l['model']} | {l['step']} | {g['l1']:.4f} | {g['ssim']:.4f} | {g['fid']:.2f} | "
                  f"{100 * g['label_accuracy']:.2f}% |")
    fid_real = real["fid"] if abs(real["fid"]) >= 0.005 else 0.0  # the set against itself: 0 up to rounding
    md.append(f"| real targets | - | {real['l1']:.4f} | {real['ssim']:.4f} | {fid_real:.2f} | "
              f"{100 * real['label_accuracy']:.2f}% |")
    ex = lines[-1]["extractor"]
    md.append("")
    md.append(f"{real['n']} test pairs each; FID against the {lines[-1]['reference']['n']} real test images at the "
              f"run's resolution, all resized to 28x28 ({lines[-1]['reference']['resize']}) for "
              f"{ex['name']} (hash {ex['hash']}, test accuracy {100 * ex['test_accuracy']:.2f}% on the native "
              f"28x28 test split). Command: `/usr/bin/python3 bench/pix2pix.py --runs {' '.join(a.runs)}"
              + (f" --steps {' '.join(map(str, a.steps))}" if a.steps else "") + f" --out {a.out}`")
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    last = max(l["step"] for l in lines)  # every run's grid column from this step's checkpoint
    with tempfile.TemporaryDirectory() as tmp:
        grid(sorted(a.runs, key=lambda r: name_of(r) != "L1 only"), last, a.out + "-grid.png", tmp)
        gan = [r for r in a.runs if name_of(r) != "L1 only"]
        if gan:
            drawings(gan[0], last, a.out + "-drawings.png", tmp)
    print("\n".join(md))


if __name__ == "__main__":
    main()
