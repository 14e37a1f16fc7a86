// Generate images from a trained generator.
#pragma once

#include <cstdint>
#include <string>

namespace ganforge {

struct SampleOptions {
  std::string run_dir;     // find the newest checkpoint here (unless `checkpoint` is set)
  std::string checkpoint;  // a specific checkpoint file
  std::string out;         // .png: a grid; .idx / .idx.gz: the N images as an IDX file (uint8)
  int64_t n = 64;
  int64_t seed = 0;
  int64_t batch = 1024;  // images generated per forward pass
};

// Returns the checkpoint used. UserError for a missing run, bad checkpoint or unsupported extension.
std::string sample(const SampleOptions& opts);

}  // namespace ganforge
