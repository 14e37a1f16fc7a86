// This process's slice of each batch in a data-parallel run (train/team.h): the random streams are drawn for
// the whole batch on every rank, and each rank keeps rows [index * n, (index + 1) * n). One process is the
// shard {0, 1}: it keeps everything, and what it draws is unchanged.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace ganforge {

struct Shard {
  int64_t index = 0, count = 1;
  // Rows drawn for the whole batch, given this process's `n`.
  int64_t whole(int64_t n) const { return n * count; }
  // This process's rows of a draw for the whole batch.
  torch::Tensor own(const torch::Tensor& whole) const {
    if (count == 1) return whole;
    const int64_t n = whole.size(0) / count;
    return whole.narrow(0, index * n, n);
  }
};

}  // namespace ganforge
