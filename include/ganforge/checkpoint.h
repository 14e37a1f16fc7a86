// Checkpoints: one LibTorch archive holding everything a run needs to continue.
//   format      "ganforge-checkpoint-1"
//   config      the resolved config (TOML text); image_shape {C, H, W}
//   step        generator steps done; d_updates; nimg (real images seen by D)
//   generator, discriminator, generator_ema (if on), opt_g, opt_d   module and Adam state archives
//   rng_noise, rng_augment, rng_data, rng_global, data_perm, data_epoch, data_pos   every random stream (the global one
//               drives dropout) and the data position; meter, elapsed_s   the pending log line and the clock
#pragma once

#include <torch/torch.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "ganforge/config.h"
#include "ganforge/data.h"
#include "ganforge/models.h"

namespace ganforge {

// Running sums behind the next metrics.jsonl line; checkpointed so that a resumed run writes the same
// lines as an uninterrupted one.
struct LogMeter {
  double loss_d = 0, loss_g = 0, d_real = 0, d_fake = 0, d_acc = 0;
  int64_t d_count = 0, g_count = 0;
  double penalty = 0;  // sum of the weighted D penalties (gradient penalty, R1) over D updates
  void reset() { *this = LogMeter(); }
};

struct TrainState {
  Config cfg;
  std::vector<int64_t> image_shape;  // {C, H, W} of the data G makes
  models::Generator g;
  models::Discriminator d;
  models::Generator g_ema;  // EMA of g's weights (train.ema_half_life_kimg > 0), else null
  // The generator to draw samples from: the EMA one when there is one.
  models::Generator& sampling_generator() { return g_ema ? g_ema : g; }
  std::unique_ptr<torch::optim::Adam> opt_g, opt_d;
  at::Generator noise_gen;
  at::Generator augment_gen;  // DiffAugment draws (train.diffaugment)
  std::vector<std::string> augment_ops;  // cfg.diffaugment parsed once (diffaugment_ops); empty: off
  std::unique_ptr<data::BatchSampler> sampler;
  int64_t step = 0;       // generator updates done
  int64_t d_updates = 0;  // discriminator updates done
  int64_t nimg = 0;       // real images shown to D
  double elapsed_s = 0;   // training time before this process (resumed runs)
  double lr_scale = 1;    // product of the divergence guard's rollback factors so far
  LogMeter meter;
};

// Build G, D and their optimizers from the config, seeded with cfg.seed. `n_train` sizes the sampler
// (0: no sampler, for sampling only).
TrainState make_state(const Config& cfg, const std::vector<int64_t>& image_shape, int64_t n_train);

// Thrown by save_checkpoint instead of writing a checkpoint with a NaN or Inf weight.
class NonFiniteWeights : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Set both optimizers' learning rates to the config's times state.lr_scale.
void apply_learning_rates(TrainState& state);

// Atomic write (temporary file, fsync, rename) of PATH and its checksum PATH.crc32 (CRC-32 and size,
// verified by load). Throws NonFiniteWeights rather than save a non-finite G or D weight.
void save_checkpoint(const std::string& path, const TrainState& state);
// Load into a state built by make_state with the same architecture. A file that is missing, corrupt or
// from another architecture is a UserError naming the file and the mismatch. Without a sampler only
// the generator is needed; with `generator_only`, D and optimizers are not read.
void load_checkpoint(const std::string& path, TrainState& state, bool generator_only = false);

// The newest checkpoint of RUN_DIR whose checksum, format and header read back; unusable newer ones are
// reported on `console` (may be null) and skipped, never deleted. UserError if there is none.
std::string newest_usable_checkpoint(const std::string& run_dir, FILE* console);

struct CheckpointInfo {
  std::string config_text;           // resolved config TOML
  std::vector<int64_t> image_shape;  // {C, H, W}
  int64_t step = 0;
};
// What a checkpoint was made from, enough to rebuild its models (UserError if unreadable).
CheckpointInfo read_checkpoint_info(const std::string& path);

}  // namespace ganforge
