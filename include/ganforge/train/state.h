// The training state: everything a run needs to continue, and its checkpoint entries.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ganforge/core/config.h"
#include "ganforge/data/dataset.h"
#include "ganforge/models/registry.h"
#include "ganforge/train/team.h"

namespace ganforge::run {
class CheckpointReader;
}

namespace ganforge::train {

// Running sums behind the next metrics.jsonl line; checkpointed so that a resumed run writes the same
// lines as an uninterrupted one.
struct LogMeter {
  double loss_d = 0, loss_g = 0, d_real = 0, d_fake = 0, d_acc = 0;
  int64_t d_count = 0, g_count = 0;
  double penalty = 0;  // sum of the weighted D penalties (gradient penalty, R1) over D updates
  void reset() { *this = LogMeter(); }
  void add(const LogMeter& o) {
    loss_d += o.loss_d, d_real += o.d_real, d_fake += o.d_fake, d_acc += o.d_acc;
    loss_g += o.loss_g, penalty += o.penalty, d_count += o.d_count, g_count += o.g_count;
  }
};

// What the observers carry from step to step, checkpointed so that a run resumed after a kill logs and
// warns exactly as the uninterrupted run: the line count of metrics.jsonl at the checkpoint (the resumed
// run cuts the file back to it) and the health counters.
struct WatchState {
  int64_t log_lines = -1;           // metrics.jsonl lines written so far; -1: unknown (older checkpoint)
  int64_t saturated_steps = 0;      // saturation monitor: steps in a row with D's accuracy >= 0.99
  int64_t nonfinite_in_a_row = 0;   // divergence guard: non-finite steps in a row
};

struct TrainState {
  Config cfg;
  std::vector<int64_t> image_shape;  // {C, H, W} of the data G makes, or {2} for points
  models::Generator g;
  models::Discriminator d;
  models::Generator g_ema;  // EMA of g's weights (train.ema_half_life_kimg > 0), else null
  // The generator to draw samples from: the EMA one when there is one.
  models::Generator& sampling_generator() { return g_ema ? g_ema : g; }
  std::unique_ptr<torch::optim::Adam> opt_g, opt_d;
  at::Generator noise_gen;
  at::Generator augment_gen;  // DiffAugment draws (train.diffaugment)
  std::vector<std::string> augment_ops;  // cfg.train.diffaugment parsed once (diffaugment_ops); empty: off
  std::unique_ptr<data::BatchSampler> sampler;
  int64_t step = 0;       // generator updates done
  int64_t d_updates = 0;  // discriminator updates done
  int64_t nimg = 0;       // real images shown to D
  double elapsed_s = 0;   // training time so far, this process's included
  double lr_scale = 1;    // product of the divergence guard's rollback factors so far
  LogMeter meter;
  WatchState watch;
  // A data-parallel run (train/team.h); null for one process.
  std::shared_ptr<Team> team;
  Shard shard() const { return team ? team->shard() : Shard{}; }
  bool stop_agreed = false;  // team: a rank asked to stop, as agreed in the step's last exchange
  torch::Tensor rank_rng;    // team: every rank's global generator state [size, N], gathered for the checkpoint
  int64_t checkpoint_world = 1;  // processes that trained the checkpoint this state was loaded from
};

// Build G, D and their optimizers from the config, seeded as Seeds::of(cfg.train.seed) says. `n_train` sizes the
// sampler.
TrainState make_state(const Config& cfg, const std::vector<int64_t>& image_shape, int64_t n_train);

// Set both optimizers' learning rates to the config's times state.lr_scale.
void apply_learning_rates(TrainState& state);

// Thrown by save_state instead of writing a checkpoint with a NaN or Inf weight.
class NonFiniteWeights : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The state as a checkpoint file (run/checkpoint_file.h), atomically, with its sidecar. Throws
// NonFiniteWeights rather than save a non-finite G or D weight.
void save_state(const std::string& path, const TrainState& state);
// Load into a state built by make_state with the same architecture. A file that is missing, corrupt or
// from another architecture is a UserError naming the file and the mismatch.
void load_state(const std::string& path, TrainState& state);
void load_state(run::CheckpointReader& reader, TrainState& state);

// A new data-parallel run (state.team set): parameters and buffers are broadcast from rank 0, and ranks > 0
// take their own global generator stream (dropout; Seeds::rank_global). No team: nothing to do.
void start_team(TrainState& state);
// Before a checkpoint of a data-parallel run: checks that every rank holds bitwise the same parameters (a
// TeamError names the first rank and network that differ), copies rank 0's buffers to every rank, and
// gathers every rank's global generator into state.rank_rng.
void sync_for_checkpoint(TrainState& state);
// Load the checkpoint `pick` names (on rank 0: only it reads the run directory) into every rank's state;
// returns its path. With no team: load_state(pick()).
std::string load_shared(TrainState& state, const std::function<std::string()>& pick);

}  // namespace ganforge::train
