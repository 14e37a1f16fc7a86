// The original GAN losses (Goodfellow et al. 2014, "Generative Adversarial Nets"):
//   D maximizes E[log D(x)] + E[log(1 - D(G(z)))], i.e. minimizes BCE(D(x), 1) + BCE(D(G(z)), 0);
//   G minimizes E[log(1 - D(G(z)))] (minimax, saturates when D wins early) or, as the paper recommends,
//   maximizes E[log D(G(z))] (non-saturating).
// With D(.) = sigmoid(l): -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l).
// binary_cross_entropy_with_logits evaluates these with the log-sum-exp trick, the same kernel as PyTorch.
#include <torch/torch.h>

#include "ganforge/error.h"
#include "ganforge/losses.h"

namespace ganforge::losses {
namespace {

torch::Tensor bce_logits(const torch::Tensor& logits, float target) {
  return torch::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

struct NonSaturating : AdversarialLoss {
  torch::Tensor d_loss(const torch::Tensor& r, const torch::Tensor& f) const override {
    return bce_discriminator_loss(r, f);
  }
  torch::Tensor g_loss(const torch::Tensor& f) const override { return non_saturating_g_loss(f); }
};

struct Minimax : AdversarialLoss {
  torch::Tensor d_loss(const torch::Tensor& r, const torch::Tensor& f) const override {
    return bce_discriminator_loss(r, f);
  }
  torch::Tensor g_loss(const torch::Tensor& f) const override { return minimax_g_loss(f); }
};

}  // namespace

torch::Tensor bce_discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits) {
  return bce_logits(real_logits, 1.0f) + bce_logits(fake_logits, 0.0f);
}

torch::Tensor non_saturating_g_loss(const torch::Tensor& fake_logits) { return bce_logits(fake_logits, 1.0f); }

torch::Tensor minimax_g_loss(const torch::Tensor& fake_logits) { return -bce_logits(fake_logits, 0.0f); }

std::vector<std::string> names() { return {"non_saturating", "minimax"}; }

std::unique_ptr<AdversarialLoss> make(const std::string& g_loss) {
  if (g_loss == "non_saturating") return std::make_unique<NonSaturating>();
  if (g_loss == "minimax") return std::make_unique<Minimax>();
  throw UserError("loss.g_loss = '" + g_loss + "' is unknown; known: non_saturating, minimax");
}

}  // namespace ganforge::losses
