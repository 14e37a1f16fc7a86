// The training loop: k discriminator updates, then one generator update, until the budget is spent.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "ganforge/config.h"

namespace ganforge {

struct TrainOptions {
  std::string run_dir;
  bool overwrite = false;  // replace an existing run directory (only one that holds a ganforge run)
  bool resume = false;     // continue the run in run_dir from its newest usable checkpoint
  FILE* console = stderr;  // progress and messages; nullptr: silent
  std::vector<int64_t> inject_nonfinite_at;  // testing the divergence guard: make D's loss NaN at these steps
};

struct TrainResult {
  int64_t steps = 0;
  double seconds = 0;
  std::string checkpoint;   // last checkpoint written
  std::string sample_grid;  // last sample grid written
  bool interrupted = false;  // stopped by request_stop() before the budget was spent
};

// Ask a running train() to finish its current step, write a checkpoint and return (async-signal-safe:
// the CLI calls it from its SIGINT/SIGTERM handler).
void request_stop();
bool stop_requested();

// Writes RUN_DIR/config.toml, metrics.jsonl, samples/, checkpoints/ (see run_dir.h).
TrainResult train(const Config& cfg, const TrainOptions& opts);

// Generator steps that the budget in `cfg` allows, given `batches_per_epoch` real batches per epoch.
int64_t total_steps(const Config& cfg, int64_t batches_per_epoch);

}  // namespace ganforge
