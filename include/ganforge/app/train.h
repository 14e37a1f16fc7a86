// `ganforge train`: set up a run (device, threads, data, run directory or resume) and train it with the
// standard observers (train/observers.h).
#pragma once

#include <cstdio>
#include <memory>
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
  std::vector<int64_t> inject_nonfinite_at;
  // A data-parallel run (dist/team.h): every rank calls train() with its team; rank 0 alone writes run_dir.
  std::shared_ptr<train::Team> team;
  int local_processes = 1;       // processes on this machine (train.threads = 0 shares its cores among them)
  bool elastic_restart = false;  // the launcher restarted the group: continue run_dir if it is this launch's run  // testing the divergence guard: make D's loss NaN at these steps
};

// Writes RUN_DIR/config.toml, metrics.jsonl, samples/, checkpoints/ (run/layout.h).
train::TrainResult train(const Config& cfg, const TrainOptions& opts);

}  // namespace ganforge::app
