// A trained generator, apart from the training state: what `sample`, `eval` and anything later (export, a
// server) load from a checkpoint. It holds the model config, the data shape and G (and the EMA G when the run
// kept one), never D, optimizers or data (stylegan2-ada's generate.py loads G_ema alone the same way).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "ganforge/core/config_sections.h"
#include "ganforge/models/registry.h"

namespace ganforge::run {

struct GeneratorSnapshot {
  std::string checkpoint;            // the file it came from
  DataConfig data;                   // the run's data section: what the generator imitates
  ModelConfig model;                 // the run's model section: the generator's architecture
  std::vector<int64_t> image_shape;  // {C, H, W}, or {2} for points
  int64_t step = 0;                  // generator steps trained
  models::Generator g;
  models::Generator g_ema;  // null when the run kept no EMA
  // The network samples come from: the EMA one when there is one.
  models::Generator& sampler() { return g_ema ? g_ema : g; }
  bool ema() const { return static_cast<bool>(g_ema); }
};

// What a checkpoint was made from: enough to rebuild its models (UserError if unreadable).
struct CheckpointInfo {
  std::string config_text;           // resolved config TOML
  std::vector<int64_t> image_shape;  // {C, H, W}
  int64_t step = 0;
};
CheckpointInfo read_checkpoint_info(const std::string& path);

// The generator in `checkpoint` (formats 1 and 2), on the CPU, in eval mode.
GeneratorSnapshot load_snapshot(const std::string& checkpoint);
// `checkpoint` if given, else the newest usable checkpoint of `run_dir`. UserError for a missing run or a
// bad checkpoint.
GeneratorSnapshot load_snapshot(const std::string& run_dir, const std::string& checkpoint);

// `n` samples of `net` (put in eval mode, its mode restored after) from noise seeded with `seed`:
// [n, C, H, W] images in [-1, 1] or [n, 2] points, on the CPU. A conditional generator makes class `labels` [n]
// (undefined: models::balanced_labels, every class equally often).
torch::Tensor generate(models::GeneratorImpl& net, const ModelConfig& cfg, int64_t n, int64_t seed, int64_t batch = 1024,
                       const torch::Tensor& labels = {});
// The noise generate() feeds the network for the same n, seed and batch: [n, z_dim].
torch::Tensor noise(const ModelConfig& cfg, int64_t n, int64_t seed, int64_t batch = 1024);
// An image-to-image generator's translations of `inputs` (float [N, input_channels, H, W] in [-1, 1]), `batch`
// at a time, `net` in eval mode (dropout off, BatchNorm's running statistics; its mode restored after):
// [N, C, H, W] in [-1, 1] on the CPU.
torch::Tensor translate(models::GeneratorImpl& net, const torch::Tensor& inputs, int64_t batch = 256);
inline torch::Tensor generate(GeneratorSnapshot& g, int64_t n, int64_t seed, int64_t batch = 1024,
                              const torch::Tensor& labels = {}) {
  return generate(*g.sampler(), g.model, n, seed, batch, labels);
}

}  // namespace ganforge::run
