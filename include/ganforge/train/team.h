// The other processes of a data-parallel run, as the training loop sees them. dist/team.h joins one over
// PyTorch's c10d (TCPStore + ProcessGroupGloo); a single process has none (TrainState::team is null).
//
// How a step is shared (docs/distributed.md): every rank draws the random streams (data order, noise, fake
// labels, WGAN-GP's mixing weights, DiffAugment's draws) for the whole batch of train.batch_size, from the
// same seeds, and keeps its own slice (Shard). So N ranks see exactly the data and noise of one process with
// the same batch, the streams stay identical on every rank (one checkpoint holds them), and the world size
// can change on resume without changing what is drawn. Gradients are averaged with one allreduce per bucket.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ganforge/core/error.h"  // TeamError: what a failed collective throws
#include "ganforge/ops/shard.h"

namespace ganforge::train {

class Team {
 public:
  virtual ~Team() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  Shard shard() const { return {rank(), size()}; }

  // Replace each float32 tensor by its mean over the ranks, in place, with as few allreduce calls as the
  // bucket size allows (one for a typical GAN). Every rank must call it with tensors of the same shapes.
  virtual void average(const std::vector<torch::Tensor>& tensors) = 0;
  // Copy rank 0's values of `tensors` into every rank's, in place (one call per dtype).
  virtual void broadcast(const std::vector<torch::Tensor>& tensors) = 0;
  // Rank 0's bytes on every rank (the other ranks' argument is ignored).
  virtual std::string broadcast_bytes(const std::string& bytes) = 0;
  // Every rank's `t` (same shape and dtype everywhere), stacked: [size, ...].
  virtual torch::Tensor allgather(const torch::Tensor& t) = 0;

  // Seconds spent in collective calls and float32 values sent through average() so far.
  virtual double communication_seconds() const = 0;
  virtual int64_t averaged_values() const = 0;
};

}  // namespace ganforge::train
