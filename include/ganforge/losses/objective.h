// The training objective, phase by phase, the way stylegan2-ada's loss.accumulate_gradients is: the loop
// (train/loop.h) knows only that a step has a discriminator phase (run train.d_steps times) and a generator
// phase, each with its network, optimizer and batch; everything that makes the GAN a particular GAN lives
// here: the adversarial loss chosen by name (losses.h), the gradient penalty and R1 (lazy: every r1_every-th
// D update, weighted r1_every times as much, inside the D phase's one backward pass), the ACGAN class term,
// weight clipping after D's update, DiffAugment on everything D sees, pix2pix's pairs and L1 term.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "ganforge/core/config_sections.h"
#include "ganforge/losses/adversarial.h"
#include "ganforge/models/registry.h"
#include "ganforge/ops/shard.h"

namespace ganforge::losses {

// The networks and random streams a phase works with (owned by the training state).
struct Players {
  models::Generator& g;
  models::Discriminator& d;
  at::Generator& noise;    // the run's noise stream: WGAN-GP's mixing weights
  at::Generator& augment;  // DiffAugment's draws
  const std::vector<std::string>& augment_ops;
  Shard shard;  // a data-parallel run: per-sample draws are made for the whole batch, this slice kept
  bool bf16 = false;  // train.precision = "bf16": G's and D's forwards under bf16 autocast, outputs back to fp32
};

// One phase's batch.
struct PhaseBatch {
  torch::Tensor real;    // D phase: real data [B, C, H, W] in [-1, 1], or [B, 2] points
  torch::Tensor z;       // [B, z_dim]
  torch::Tensor y_real;  // conditional runs: the reals' classes [B]
  torch::Tensor y_fake;  // conditional runs: the classes G is asked for [B]
  int64_t d_updates = 0;  // D updates done before this one, the lazy R1 schedule (set by the loop from the state)
  // Image-to-image runs (model.arch = "pix2pix"): the input images [B, Cin, H, W] G translates, in place of z;
  // D judges (input, image) pairs, and `real` is the target in both phases.
  torch::Tensor condition;
};

// A phase's loss, ready for backward(), and what is reported about it.
struct PhaseLoss {
  torch::Tensor loss;      // scalar, with its graph
  torch::Tensor penalty;   // the weighted penalties included in `loss` (undefined: none)
  torch::Tensor real_out;  // D phase: D's outputs on the real batch [B / pack]
  torch::Tensor fake_out;  // D phase: D's outputs on the fake batch
};

class Objective {
 public:
  explicit Objective(const LossConfig& cfg);
  // D's loss on real data and G(z) (made without a graph through G).
  PhaseLoss discriminator(Players& p, const PhaseBatch& b) const;
  // What follows D's optimizer step: WGAN's weight clipping.
  void after_discriminator_update(models::DiscriminatorImpl& d) const;
  // G's loss through D (the loop freezes D's parameters for it).
  PhaseLoss generator(Players& p, const PhaseBatch& b) const;
  // What G makes of a phase's batch: G(z, y), or G(condition) for an image-to-image run.
  static torch::Tensor generate(Players& p, const PhaseBatch& b);

  // Reporting. D's mean output as shown: a probability for the GAN loss, the raw score otherwise.
  double mean_score(const torch::Tensor& out) const;
  // Share of real outputs above and fake ones below the loss's decision threshold (per D output: a pack
  // counts once).
  double accuracy(const torch::Tensor& real_out, const torch::Tensor& fake_out) const;
  // Whether D's accuracy means anything (a Wasserstein critic has no decision boundary).
  bool has_accuracy() const { return adversarial_->has_accuracy(); }

 private:
  std::unique_ptr<AdversarialLoss> adversarial_;
  double gp_weight_, r1_gamma_, weight_clip_, ac_weight_, l1_weight_, gan_weight_;
  int64_t r1_every_;
};

}  // namespace ganforge::losses
