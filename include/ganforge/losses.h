// Adversarial losses, all computed from D's logits in a numerically stable form.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace ganforge::losses {

struct AdversarialLoss {
  virtual ~AdversarialLoss() = default;
  // Discriminator loss from logits on real [N] and generated [M] data (mean over each).
  virtual torch::Tensor d_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits) const = 0;
  // Generator loss from D's logits on generated data.
  virtual torch::Tensor g_loss(const torch::Tensor& fake_logits) const = 0;
};

// Known names: "non_saturating", "minimax". Unknown: UserError listing these.
std::unique_ptr<AdversarialLoss> make(const std::string& g_loss);
std::vector<std::string> names();

// Shared pieces, exposed for tests.
// BCE(D, 1) on real + BCE(D, 0) on fake = softplus(-l_real) + softplus(l_fake), each averaged.
torch::Tensor bce_discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits);
// -log D(G(z)) = softplus(-l): the non-saturating generator loss (Goodfellow et al. 2014, sec. 3).
torch::Tensor non_saturating_g_loss(const torch::Tensor& fake_logits);
// log(1 - D(G(z))) = -softplus(l): the minimax generator loss, minimized by G.
torch::Tensor minimax_g_loss(const torch::Tensor& fake_logits);

}  // namespace ganforge::losses
