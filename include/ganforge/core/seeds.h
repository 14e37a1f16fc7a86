// The seed scheme: one train.seed makes the whole run, and each random stream has its own generator seeded
// from it, so that changing one stream never shifts another. The only place that derives stream seeds.
#pragma once

#include <cstdint>

namespace ganforge {

struct Seeds {
  uint64_t weights;  // the global generator, seeded right before the models are built; it also drives dropout
  uint64_t noise;    // training noise z, fake labels, WGAN-GP mixing weights
  uint64_t data;     // the order of the real batches
  uint64_t grid;     // the fixed z of the sample grids: rebuilt from the config alone, never checkpointed
  uint64_t augment;  // DiffAugment's draws
  static Seeds of(int64_t seed) {
    const auto s = static_cast<uint64_t>(seed);
    return {s, s * 2 + 1, s * 2 + 2, s * 2 + 3, s * 2 + 4};
  }
  // The global generator of rank R > 0 of a data-parallel run (dropout): its own stream. Rank 0 keeps
  // `weights`'s, so that one process is unchanged. Every other stream is shared by all ranks.
  static uint64_t rank_global(int64_t seed, int64_t rank) {
    return (static_cast<uint64_t>(seed) * 2 + 5) ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(rank));
  }
  // Noise of the periodic evaluations: fixed, so that evaluations compare the same z across steps and runs.
  static constexpr uint64_t kEval = 20141;
};

}  // namespace ganforge
