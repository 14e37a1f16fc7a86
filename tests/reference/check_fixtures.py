#!/usr/bin/python3
"""Regenerate the fixtures into a temporary file and fail if they differ from the checked-in ones.

Structure, integers and strings must be equal. Floats are compared to float32 rounding, not bitwise: the
float32 values PyTorch computes (a DCGAN step, spectral norm's power iteration, a TorchScript module) depend
on the CPU's instruction set and the BLAS kernels it picks, so a regeneration on another machine differs in
the last bits (seen: 2.1e-7 absolute between two x86-64 machines). A change to make_fixtures.py that alters
what is computed moves values far more than that.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

REL, ABS = 1e-5, 1e-6  # float32 has 24 bits (~6e-8 relative); reductions in another order drift a few ulps


def differences(new, old, path="", out=None):
    out = [] if out is None else out
    if isinstance(new, bool) or isinstance(old, bool) or type(new) is not type(old):
        if not (isinstance(new, (int, float)) and isinstance(old, (int, float))) or new != old:
            if new != old:
                out.append(f"{path}: {old!r} -> {new!r}")
        return out
    if isinstance(new, dict):
        for key in sorted(set(new) | set(old)):
            if key not in new or key not in old:
                out.append(f"{path}/{key}: only in {'the new' if key in new else 'the checked-in'} file")
            else:
                differences(new[key], old[key], f"{path}/{key}", out)
    elif isinstance(new, list):
        if len(new) != len(old):
            out.append(f"{path}: {len(old)} -> {len(new)} entries")
        else:
            for i, (a, b) in enumerate(zip(new, old)):
                differences(a, b, f"{path}[{i}]", out)
    elif isinstance(new, float):
        if not math.isclose(new, old, rel_tol=REL, abs_tol=ABS) and not (math.isnan(new) and math.isnan(old)):
            out.append(f"{path}: {old!r} -> {new!r}")
    elif new != old:
        out.append(f"{path}: {old!r} -> {new!r}")
    return out


here = os.path.dirname(os.path.abspath(__file__))
with tempfile.TemporaryDirectory() as tmp:
    fresh = os.path.join(tmp, "fixtures.json")
    subprocess.run([sys.executable, os.path.join(here, "make_fixtures.py"), fresh], check=True)
    with open(fresh) as f:
        new = json.load(f)
with open(os.path.join(here, "fixtures.json")) as f:
    old = json.load(f)
diff = differences(new, old)
if diff:
    print(f"tests/reference/fixtures.json is stale ({len(diff)} values differ beyond float32 rounding; first: "
          f"{diff[0]}): run /usr/bin/python3 tests/reference/make_fixtures.py")
    sys.exit(1)
print("1 passed, 0 failed: fixtures.json matches make_fixtures.py")
