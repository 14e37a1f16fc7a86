// A run directory is the unit of output:
//   RUN_DIR/config.toml        the resolved config (every key)
//   RUN_DIR/metrics.jsonl      one JSON object per logged step
//   RUN_DIR/samples/step-XXXXXXX.png  fixed-z sample grids
//   RUN_DIR/checkpoints/step-XXXXXXX.pt
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::run_dir {

// Create RUN_DIR for a new run. An existing non-empty directory is refused unless `overwrite`, and even
// then only if it looks like a ganforge run (holds config.toml): a typo never wipes a foreign folder.
void create(const std::string& dir, bool overwrite);

std::string config_path(const std::string& dir);
std::string metrics_path(const std::string& dir);
std::string samples_dir(const std::string& dir);
std::string checkpoints_dir(const std::string& dir);
std::string step_name(int64_t step);  // "step-0001234"

// Checkpoints in RUN_DIR/checkpoints sorted by step, oldest first.
std::vector<std::string> list_checkpoints(const std::string& dir);
// The newest checkpoint; UserError if RUN_DIR is not a run or holds none.
std::string latest_checkpoint(const std::string& dir);
// Delete all but the newest `keep` checkpoints.
void prune_checkpoints(const std::string& dir, int64_t keep);

}  // namespace ganforge::run_dir
