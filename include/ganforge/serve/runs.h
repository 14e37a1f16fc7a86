// What `ganforge serve` and `ganforge report` read from a folder of runs: the run list, each run's metrics,
// evaluations, grids and checkpoints. Read-only, LibTorch-free and HTTP-free (unit-tested on its own). Every
// file is read as a training process may be writing it: a half-written or malformed line is skipped.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ganforge::serve {

// A folder whose direct children are runs (runs/ by default).
class RunsFolder {
 public:
  // UserError when `root` is not a directory.
  explicit RunsFolder(const std::string& root);
  const std::string& root() const { return root_; }
  // The names of the runs in it (children marked as runs, or runs from before markers), sorted.
  std::vector<std::string> names() const;
  // The folder of run `name`, or "" when there is none: the name must be a plain folder name (letters,
  // digits, '.', '_', '-'; not starting with '.'), and the folder, with every symlink resolved, must lie
  // inside the root. Nothing outside the root is ever named by a request.
  std::string resolve(const std::string& name) const;

 private:
  std::string root_;       // as given
  std::string canonical_;  // with symlinks resolved
};

// The lines of a JSON-lines file from byte `offset` up to its last whole line, at most about `max_bytes`
// (whole lines). `next` is where to continue; a file now shorter than `offset` (a resumed or rolled-back run
// rewrote it) starts again from 0 with `reset` set. Lines that do not parse as JSON objects are counted in
// `skipped`. A missing file is an empty chunk.
struct JsonlChunk {
  nlohmann::json lines = nlohmann::json::array();
  int64_t next = 0;
  bool reset = false;
  int64_t skipped = 0;
};
JsonlChunk read_jsonl(const std::string& path, int64_t offset, int64_t max_bytes = 8 << 20);

// RUN/config.toml as text ("" when missing or unreadable).
std::string read_config_text(const std::string& run_dir);

// RUN/status.json parsed (an empty object when missing or malformed).
nlohmann::json read_status(const std::string& run_dir);

// "training", "finished", "stopped", "failed", "diverged" (failed after non-finite steps or a rollback)
// or "killed" (status "training" but its process is gone from this host), from the status file and the
// run's last event; runs from before status files: "finished" when the last metrics line reached the
// budget, else "stopped".
std::string run_state(const nlohmann::json& status, const nlohmann::json& last_event, int64_t step, int64_t steps);

// The row of the runs list: name, config name, arch, loss, dataset, step, steps (budget), state, time_s,
// updated (Unix seconds of the last write), points (2D data), conditional, the newest fid / modes from an
// evaluation (periodic or `ganforge eval`), and counts of grids and checkpoints.
nlohmann::json run_summary(const std::string& run_dir, const std::string& name);

// What changes when a run moves on: the sizes and modification times of the files it writes and its numbers
// of grids and checkpoints, as {"metrics_bytes", "evals_bytes", "grids", "checkpoints", "changed" (the times)}. Cheap
// (a few stat calls and two directory listings): the live stream compares it, and SummaryCache keys on it.
nlohmann::json run_signature(const std::string& run_dir);

// run_summary, recomputed only when the run's signature changed (reading every run's whole metrics.jsonl on
// each request of the runs list costs time in proportion to all the runs' history). Thread-safe.
class SummaryCache {
 public:
  nlohmann::json get(const std::string& run_dir, const std::string& name);

 private:
  struct Entry {
    nlohmann::json signature, summary;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// The steps of RUN/samples/step-N.png, ascending.
std::vector<int64_t> sample_steps(const std::string& run_dir);
// RUN/checkpoints: [{"name": "step-0001000.pt", "step": 1000, "bytes": N}, ..., best.pt last], oldest first.
nlohmann::json checkpoint_list(const std::string& run_dir);
// The checkpoint file of `name` in the run ("step-N.pt" or "best.pt", as checkpoint_list names them), or ""
// when the name is not one of them.
std::string checkpoint_path(const std::string& run_dir, const std::string& name);

}  // namespace ganforge::serve
