// A run directory is the unit of output, and this is the only code that knows its paths:
//   RUN/config.toml                       the resolved config (every key)
//   RUN/metrics.jsonl                     one JSON object per logged step, and events
//   RUN/eval.jsonl                        one line per `ganforge eval`
//   RUN/samples/step-XXXXXXX.png          fixed-z sample grids
//   RUN/checkpoints/step-XXXXXXX.pt       checkpoints (run/checkpoint_file.h), each with a .crc32 sidecar
//   RUN/checkpoints/best.pt               the best checkpoint by train.eval_best (outside pruning)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::run {

std::string step_name(int64_t step);  // "step-0001234"

class Layout {
 public:
  explicit Layout(std::string dir) : dir_(std::move(dir)) {}
  // The run that holds a checkpoint file: the folder above its checkpoints/ folder.
  static Layout of_checkpoint(const std::string& checkpoint);

  const std::string& dir() const { return dir_; }
  std::string config() const;
  std::string metrics() const;
  std::string eval_log() const;
  std::string samples_dir() const;
  std::string grid(int64_t step) const;
  std::string checkpoints_dir() const;
  std::string checkpoint(int64_t step) const;
  std::string best() const;
  // The checksum file beside a checkpoint: "crc32 <hex> size <bytes>\n".
  static std::string sidecar(const std::string& checkpoint);

  // Create the folders of a new run. An existing non-empty directory is refused unless `overwrite`, and
  // even then only if it is a run (holds config.toml): a typo never wipes a foreign folder.
  void create(bool overwrite) const;
  bool is_run() const;  // the directory holds config.toml
  // UserError naming what is wrong: no such directory, not a run.
  void require_run() const;
  // step-*.pt checkpoints, oldest first.
  std::vector<std::string> checkpoints() const;
  // The newest; UserError if the directory is not a run or holds none.
  std::string latest_checkpoint() const;
  // Delete all but the newest `keep` step checkpoints (and their sidecars).
  void prune(int64_t keep) const;

 private:
  std::string dir_;
};

}  // namespace ganforge::run
