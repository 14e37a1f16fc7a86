// Generate images from a trained generator.
#pragma once

#include <cstdint>
#include <string>

namespace ganforge {

struct SampleOptions {
  std::string run_dir;     // find the newest checkpoint here (unless `checkpoint` is set)
  std::string checkpoint;  // a specific checkpoint file
  std::string out;         // .png: a grid; .idx / .idx.gz: the N images as an IDX file (uint8); .pt: a dict
                           // {z, images (float, [-1, 1]), labels} for torch.load
  int64_t n = 64;
  int64_t seed = 0;
  int64_t batch = 1024;  // images generated per forward pass
  int64_t label = -1;     // conditional runs: every image of this class (-1: every class equally often)
  bool all_labels = false;  // conditional runs: n images of each class, a grid row per class
  std::string precision = "fp32";  // or "bf16": G's products under bf16 autocast (ops/precision.h)
};

// For a conditional run, `sample --out X.idx[.gz]` also writes the classes to X-labels.idx[.gz].
std::string label_path(const std::string& images_path);

// Returns the checkpoint used. UserError for a missing run, bad checkpoint or unsupported extension.
std::string sample(const SampleOptions& opts);

}  // namespace ganforge
