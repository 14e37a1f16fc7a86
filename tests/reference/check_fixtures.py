#!/usr/bin/python3
"""Regenerate the fixtures into a temporary file and fail if they differ from the checked-in ones."""
import json
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
with tempfile.TemporaryDirectory() as tmp:
    fresh = os.path.join(tmp, "fixtures.json")
    subprocess.run([sys.executable, os.path.join(here, "make_fixtures.py"), fresh], check=True)
    with open(fresh) as f:
        new = json.load(f)
with open(os.path.join(here, "fixtures.json")) as f:
    old = json.load(f)
if new != old:
    print("tests/reference/fixtures.json is stale: run /usr/bin/python3 tests/reference/make_fixtures.py")
    sys.exit(1)
print("1 passed, 0 failed: fixtures.json matches make_fixtures.py")
