#!/usr/bin/env bash
# Health warnings over every shipped config's full budget: which warnings each run raises, at which steps.
# The healthy configs must raise none; the two seed recipes (known to collapse) must warn.
#   bash bench/health_survey.sh [OUT_DIR]      (~45 min on 2 cores; runs in OUT_DIR, default /tmp/health-survey)
# Writes docs/results/health-survey.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/health-survey}
mkdir -p "$out"
result=docs/results/health-survey.txt
{
  echo "# Health warnings over each shipped config's full budget (bash bench/health_survey.sh), $(date -u +%F)"
  echo "# at commit $(git rev-parse --short HEAD); default budgets and seeds; config: warnings (what@step ...)"
} > "$result"
for cfg in configs/*.toml; do
  name=$(basename "$cfg" .toml)
  start=$(date +%s)
  ./build/ganforge train --config "$cfg" --out "$out/$name" --overwrite --quiet
  secs=$(( $(date +%s) - start ))
  warnings=$(python3 - "$out/$name/metrics.jsonl" <<'PY'
import json, sys
w = [json.loads(l) for l in open(sys.argv[1]) if '"event":"warning"' in l]
print(len(w), " ".join(f"{j['what']}@{j['step']}" for j in w))
PY
)
  echo "$name: $warnings  (${secs} s)" | tee -a "$result"
done
