#!/usr/bin/env bash
# Health warnings over every shipped config's full budget: which warnings each run raises, at which steps.
# The healthy configs must raise none; the two seed recipes (known to collapse) must warn.
#   bash bench/health_survey.sh [OUT_DIR] [CONFIG ...]   (all configs: ~70 min on 2 cores, two runs at a
#                                                         time on one thread each; runs go to OUT_DIR,
#                                                         default /tmp/health-survey)
# Appends a line per config to docs/results/health-survey.txt as each run ends (after a line naming the
# commit and the configs of this invocation).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/health-survey}
shift || true
configs=("$@")
# The EMA configs first (their grids were judged differently before 2026-12-02), then the seeds, then the rest.
[ ${#configs[@]} -gt 0 ] || configs=(mnist-mlp mnist-cgan ring8-gan ring8-pacgan grid25-gan seed-tf-mlp seed-keras-mlp
  mnist-dcgan fashion-dcgan fashion-hinge-sn fashion-wgangp fashion-cgan-projection stacked-mnist-dcgan
  stacked-mnist-pacgan)
mkdir -p "$out"
result=docs/results/health-survey.txt
[ -f "$result" ] || {
  echo "# Health warnings over each shipped config's full budget (bash bench/health_survey.sh): default budgets"
  echo "# and seeds, train.threads=1, two runs at a time. config: number of warnings, then what@step for each"
} > "$result"
echo "# $(date -u '+%F %H:%M') at commit $(git rev-parse --short HEAD): ${configs[*]}" >> "$result"
survey_one() {
  local name=$1 out=$2 result=$3 start secs warnings
  start=$(date +%s)
  ./build/ganforge train --config "configs/$name.toml" --set train.threads=1 --out "$out/$name" --overwrite --quiet ||
    { echo "$name: run failed or was stopped (exit $?)" >> "$result"; return 0; }
  secs=$(( $(date +%s) - start ))
  warnings=$(python3 -c '
import json, sys
w = [json.loads(l) for l in open(sys.argv[1]) if "\"event\":\"warning\"" in l]
print(len(w), " ".join(j["what"] + "@" + str(j["step"]) for j in w))' "$out/$name/metrics.jsonl")
  echo "$name: $warnings  (${secs} s)" >> "$result"
}
export -f survey_one
printf '%s\n' "${configs[@]}" | xargs -P 2 -I{} bash -c 'survey_one "$@"' _ {} "$out" "$result"
