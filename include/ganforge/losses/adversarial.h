// Adversarial losses and discriminator regularizers, computed from D's raw outputs ("logits") in a
// numerically stable form. Papers: docs/losses.md.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ganforge::losses {

struct AdversarialLoss {
  virtual ~AdversarialLoss() = default;
  // Discriminator loss from D's outputs on real [N] and generated [M] data (mean over each).
  virtual torch::Tensor d_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out) const = 0;
  // Generator loss from D's outputs on generated data.
  virtual torch::Tensor g_loss(const torch::Tensor& fake_out) const = 0;
  // D's output where it is undecided: outputs above it count as "real" in D's accuracy.
  virtual double decision_threshold() const { return 0.0; }
  // Whether D's outputs are logits of a probability (the progress line shows sigmoid(out) as D(x)).
  virtual bool outputs_are_logits() const { return false; }
  // Whether D's accuracy means anything (a Wasserstein critic has no decision boundary).
  virtual bool has_accuracy() const { return true; }
};

// type: "gan" (Goodfellow et al. 2014; `g_loss` picks "non_saturating" or "minimax", `label_smoothing`
// is the one-sided smoothing of D's real target, 1 -> 1 - s), "lsgan", "wgan", "hinge".
// Unknown names: UserError listing the known ones.
std::unique_ptr<AdversarialLoss> make(const std::string& type, const std::string& g_loss = "non_saturating",
                                      double label_smoothing = 0.0);

// Shared pieces, exposed for tests.
// BCE(D, 1 - s) on real + BCE(D, 0) on fake, each averaged; with s = 0: softplus(-l_real) + softplus(l_fake).
torch::Tensor bce_discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits,
                                     double label_smoothing = 0.0);
// -log D(G(z)) = softplus(-l): the non-saturating generator loss (Goodfellow et al. 2014, sec. 3).
torch::Tensor non_saturating_g_loss(const torch::Tensor& fake_logits);
// log(1 - D(G(z))) = -softplus(l): the minimax generator loss, minimized by G.
torch::Tensor minimax_g_loss(const torch::Tensor& fake_logits);

// D as a function of a batch, for the penalties (they differentiate D's output w.r.t. its input).
using Critic = std::function<torch::Tensor(const torch::Tensor&)>;

// WGAN-GP (Gulrajani et al. 2017, eq. 3): E[(||grad_x D(x_hat)||_2 - 1)^2] at x_hat = e * real + (1 - e) *
// fake, with e [N] drawn U(0, 1) per sample by the caller. Returned without its weight lambda, with the
// graph kept so that backward() reaches D's parameters (double backward).
torch::Tensor gradient_penalty(const Critic& d, const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& e);
// R1 (Mescheder et al. 2018, eq. 9): E[||grad_x D(x)||_2^2] on real data, without its weight gamma / 2.
torch::Tensor r1_penalty(const Critic& d, const torch::Tensor& real);

}  // namespace ganforge::losses
