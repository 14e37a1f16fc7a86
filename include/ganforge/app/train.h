// `ganforge train`: set up a run (device, threads, data, run directory or resume) and train it with the
// standard observers (train/observers.h).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "ganforge/core/config.h"
#include "ganforge/train/loop.h"

namespace ganforge::app {

struct TrainOptions {
  std::string run_dir;
  bool overwrite = false;  // replace an existing run directory (only one that holds a ganforge run)
  bool resume = false;     // continue the run in run_dir from its newest usable checkpoint
  FILE* console = stderr;  // progress and messages; nullptr: silent
  std::vector<int64_t> inject_nonfinite_at;  // testing the divergence guard: make D's loss NaN at these steps
};

// Writes RUN_DIR/config.toml, metrics.jsonl, samples/, checkpoints/ (run/layout.h).
train::TrainResult train(const Config& cfg, const TrainOptions& opts);

}  // namespace ganforge::app
