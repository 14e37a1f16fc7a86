// Helpers for tests that edit the training state inside a checkpoint.
#pragma once

#include <torch/torch.h>

#include <string>

#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/core/config.h"
#include "ganforge/data/dataset.h"

namespace ganforge::test {

// Rewrite the checkpoint at PATH (and its checksum) with the last weight of G, and of its EMA copy, set to
// zero: every sample is then the same image (the output activation of the last bias), a generator
// collapsed onto one point, for the health warnings to find.
inline void collapse_generator(const std::string& path) {
  const auto info = run::read_checkpoint_info(path);
  const Config cfg = parse_config(info.config_text, "stored");
  train::TrainState s = train::make_state(cfg, info.image_shape, data::load(cfg.data.dataset, cfg.data.dir, "train").size());
  train::load_state(path, s);
  torch::NoGradGuard no_grad;
  for (auto* g : {&s.g, &s.g_ema})
    if (*g) {
      // The last 2-D parameter: the output layer's weight (its bias comes after it).
      torch::Tensor last;
      for (const auto& p : (*g)->parameters())
        if (p.dim() >= 2) last = p;
      last.zero_();
    }
  train::save_state(path, s);
}

}  // namespace ganforge::test
