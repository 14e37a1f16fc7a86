// DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"):
// the same random, differentiable transformations applied to real and generated images whenever D sees
// them (its update and G's), so D cannot overfit a small dataset and G still gets gradients through them.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "ganforge/ops/shard.h"

namespace ganforge::augment {

// The random draws behind one call, one entry per image. Exposed so a test can fix them.
struct Draws {
  torch::Tensor brightness;        // float [B], U(0, 1): x + (b - 0.5)
  torch::Tensor saturation;        // float [B], U(0, 1): (x - channel mean) * 2s + channel mean
  torch::Tensor contrast;          // float [B], U(0, 1): (x - image mean) * (c + 0.5) + image mean
  torch::Tensor shift_x, shift_y;  // int64 [B] in [-s, s], s = round(H / 8) (rows) and round(W / 8) (cols)
  torch::Tensor cut_x, cut_y;      // int64 [B]: centre of the cutout square of side round(H / 2)
};

// Draw for images [B, C, H, W] with `gen` (the run's augmentation stream, checkpointed).
// A data-parallel run draws for the whole batch and keeps its shard's rows (x holds only those).
Draws draw(const std::vector<std::string>& ops, const torch::Tensor& x, at::Generator& gen, Shard shard = {});
// Apply `ops` in the order color, translation, cutout (as the paper's code) with the given draws.
// Translation pads with zeros (pixels moved in from outside are 0); cutout sets a square to 0.
torch::Tensor apply(const std::vector<std::string>& ops, const torch::Tensor& x, const Draws& d);
// draw, then apply: what training does to each batch D sees. `ops` as from diffaugment_ops (config.h);
// empty: x itself.
torch::Tensor random_apply(const std::vector<std::string>& ops, const torch::Tensor& x, at::Generator& gen,
                           Shard shard = {});

}  // namespace ganforge::augment
