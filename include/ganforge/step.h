// One training iteration in two halves, used by the training loop and exposed for tests (the reference
// training step against PyTorch) and benchmarks.
#pragma once

#include <torch/torch.h>

#include "ganforge/checkpoint.h"
#include "ganforge/losses.h"

namespace ganforge {

struct DStepResult {
  bool finite = true;  // false: NaN/Inf loss or gradient; no update was made
  double loss_d = 0;   // adversarial loss plus the weighted penalties
  double penalty = 0;  // the weighted penalties alone (gradient penalty, R1)
  double d_real = 0;   // mean D(x): sigmoid of the logits for loss.type gan, D's raw output otherwise
  double d_fake = 0;   // mean D(G(z)), likewise
  double d_acc = 0;    // share of reals above and fakes below the loss's decision threshold
};

// One discriminator update on `real` [B, C, H, W] in [-1, 1] and G(z) for `z` [B, z_dim]: loss, optional
// gradient penalty (its mixing weights drawn from state.noise_gen) and R1, Adam step, optional weight
// clipping. `poison` multiplies the loss by NaN (tests of the divergence guard). Conditional runs pass the
// reals' labels `y_real` and the classes `y_fake` G is asked for (ACGAN adds their cross-entropies).
DStepResult discriminator_step(TrainState& state, const losses::AdversarialLoss& loss, const torch::Tensor& real,
                               const torch::Tensor& z, bool poison = false, const torch::Tensor& y_real = {},
                               const torch::Tensor& y_fake = {});

struct GStepResult {
  bool finite = true;
  double loss_g = 0;
};

// One generator update through a frozen D on G(z), then the EMA update when there is an EMA generator.
GStepResult generator_step(TrainState& state, const losses::AdversarialLoss& loss, const torch::Tensor& z,
                           const torch::Tensor& y_fake = {});

// The loss the config names (loss.type, loss.g_loss, loss.label_smoothing).
std::unique_ptr<losses::AdversarialLoss> make_loss(const Config& cfg);

}  // namespace ganforge
