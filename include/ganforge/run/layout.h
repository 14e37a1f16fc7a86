// A run directory is the unit of output, and this is the only code that knows its paths:
//   RUN/ganforge-run.json                 marks the folder as a run of ganforge's (--overwrite needs it)
//   RUN/config.toml                       the resolved config (every key)
//   RUN/metrics.jsonl                     one JSON object per logged step, and events
//   RUN/eval.jsonl                        one line per `ganforge eval`
//   RUN/status.json                       what the run is doing: state, step of budget, heartbeat, sessions
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

  // The first line of RUN/ganforge-run.json.
  static constexpr const char* kMarkerText = R"({"ganforge_run": 1})";

  const std::string& dir() const { return dir_; }
  std::string marker() const;
  std::string config() const;
  std::string metrics() const;
  std::string eval_log() const;
  std::string status() const;
  std::string data_info() const;  // data.json: what an image-folder run trained on (source, classes, skipped)
  std::string samples_dir() const;
  std::string grid(int64_t step) const;
  std::string checkpoints_dir() const;
  std::string checkpoint(int64_t step) const;
  std::string best() const;
  // The checksum file beside a checkpoint: "crc32 <hex> size <bytes>\n".
  static std::string sidecar(const std::string& checkpoint);

  // Create the folders of a new run and its marker. An existing non-empty directory is refused unless
  // `overwrite`, and even then only if it is marked as a run (ganforge-run.json): a typo never wipes a
  // foreign folder, nor one that merely holds a config.toml.
  void create(bool overwrite) const;
  void mark() const;          // write the marker where there is no file of its name (older runs, on resume)
  bool is_marked() const;     // ganforge-run.json is there and is ours
  // Marked, or a run written before markers existed (config.toml and checkpoints/): sample, eval and
  // --resume accept both.
  bool is_run() const;
  // Temporary files a kill left mid-write (*.tmp.<pid>) and sidecars whose checkpoint never arrived.
  void remove_partial_writes() const;
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
