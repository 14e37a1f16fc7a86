// How well an image-to-image generator (pix2pix) translates: its outputs on the test pairs against their
// targets and against real images. What `ganforge eval` measures for a pix2pix run and periodic evaluation
// logs while it trains.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "ganforge/core/config_sections.h"

namespace ganforge {

// SSIM (Wang, Bovik, Sheikh & Simoncelli 2004, "Image Quality Assessment: From Error Visibility to
// Structural Similarity", eq. 13) of each pair of 8-bit images a, b [N, C, H, W] (uint8, or float on the
// 0..255 scale): an 11x11 Gaussian window of standard deviation 1.5 over every position where it fits (no
// padding), K1 = 0.01, K2 = 0.03, L = 255, population (co)variances; the mean over positions and channels.
// Returns float64 [N]. Images must be at least 11 pixels on a side.
torch::Tensor ssim(const torch::Tensor& a, const torch::Tensor& b);

// The test pairs of a run's data and everything they are compared with, loaded once:
//   l1             mean |output - target| per pixel on the model's [-1, 1] scale (the loss's L1 term / lambda)
//   ssim           mean SSIM of output and target
//   fid            FID of the outputs against the whole real test split, features from the dataset's
//                  evaluator. Both sides are the images at the run's resolution (the targets, as the run sees
//                  its data), resized to the evaluator's 28 x 28 the same way (data.resize, data/images.h), as
//                  bytes: the resizing costs neither side. (Measured against the native 28 x 28 test images
//                  instead, the targets themselves score FID 11.2 at 32 px: that would be the resizing's cost.)
//   label_accuracy the share of outputs the evaluator names as their source image's class (does a sketch of
//                  a shoe become a shoe?)
// fid and label_accuracy need a dataset with a built-in evaluator (mnist, fashion-mnist) and images of its
// channels; for others (an `images` folder) only l1 and ssim are measured. Every output is rounded to 8 bits
// first, as an image file would store it.
class TranslationMetrics {
 public:
  // The first `n` test pairs (0: all) of the run's data (data.pairs as trained). Progress on `console`.
  TranslationMetrics(const DataConfig& data, int64_t n, FILE* console);
  ~TranslationMetrics();
  // The test inputs, float [n, Cin, H, W] in [-1, 1]: what to translate.
  const torch::Tensor& inputs() const;
  // The metrics of outputs (float [-1, 1] or uint8 [n, C, H, W]) of inputs() in order.
  nlohmann::json measure(const torch::Tensor& outputs) const;
  // The same for the targets themselves: the real row (l1 0, ssim 1; fid is what a perfect translator would
  // score with n pairs against the whole test split; label_accuracy is the evaluator's own accuracy on real
  // images through the resizing).
  nlohmann::json real() const;
  // Extractor name, hash and test accuracy (when there is one), pairs measured, how inputs were made.
  nlohmann::json manifest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ganforge
