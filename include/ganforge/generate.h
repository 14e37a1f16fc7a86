// A trained generator loaded from a checkpoint, and batches drawn from it (used by `sample` and `eval`).
#pragma once

#include <torch/torch.h>

#include <string>

#include "ganforge/checkpoint.h"

namespace ganforge {

struct LoadedGenerator {
  std::string checkpoint;  // the file it came from
  TrainState state;        // config, shape and weights (G and, if trained with one, the EMA G)
};

// `checkpoint` if given, else the newest usable checkpoint of `run_dir`. The architecture comes from the
// config stored inside the checkpoint. UserError for a missing run or a bad checkpoint.
LoadedGenerator load_generator(const std::string& run_dir, const std::string& checkpoint);

// `n` samples (the EMA generator's when there is one, in eval mode) from noise seeded with `seed`:
// [n, C, H, W] images in [-1, 1] or [n, 2] points. A conditional generator makes class `labels` [n]
// (undefined: models::balanced_labels, every class equally often).
torch::Tensor generate(LoadedGenerator& g, int64_t n, int64_t seed, int64_t batch = 1024,
                       const torch::Tensor& labels = {});
// The same from a training state (its sampling generator); the network's train/eval mode is restored.
torch::Tensor generate(TrainState& s, int64_t n, int64_t seed, int64_t batch = 1024, const torch::Tensor& labels = {});

}  // namespace ganforge
