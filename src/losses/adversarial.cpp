// Adversarial losses and penalties. Each cites its paper; docs/losses.md has the formulas side by side.
// With D(.) = sigmoid(l): -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l);
// binary_cross_entropy_with_logits evaluates these with the log-sum-exp trick, the same kernel as PyTorch.
#include <torch/torch.h>

#include "ganforge/core/registry.h"
#include "ganforge/core/error.h"
#include "ganforge/losses/adversarial.h"

namespace ganforge::losses {
namespace {

torch::Tensor bce_logits(const torch::Tensor& logits, double target) {
  return torch::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

// Goodfellow et al. 2014, "Generative Adversarial Nets": D maximizes E[log D(x)] + E[log(1 - D(G(z)))];
// G minimizes E[log(1 - D(G(z)))] (minimax: saturates when D wins early) or, as the paper recommends,
// maximizes E[log D(G(z))] (non-saturating). One-sided label smoothing (Salimans et al. 2016, sec. 3.4)
// lowers D's real target only.
struct Gan : AdversarialLoss {
  Gan(bool minimax, double smoothing) : minimax_(minimax), smoothing_(smoothing) {}
  torch::Tensor d_loss(const torch::Tensor& r, const torch::Tensor& f) const override {
    return bce_discriminator_loss(r, f, smoothing_);
  }
  torch::Tensor g_loss(const torch::Tensor& f) const override {
    return minimax_ ? minimax_g_loss(f) : non_saturating_g_loss(f);
  }
  bool outputs_are_logits() const override { return true; }
  bool minimax_;
  double smoothing_;
};

// Mao et al. 2017, "Least Squares Generative Adversarial Networks", eq. 2 with a = 0, b = c = 1:
// D: 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2];  G: 1/2 E[(D(G(z)) - 1)^2].
struct LeastSquares : AdversarialLoss {
  torch::Tensor d_loss(const torch::Tensor& r, const torch::Tensor& f) const override {
    return 0.5 * (r - 1).square().mean() + 0.5 * f.square().mean();
  }
  torch::Tensor g_loss(const torch::Tensor& f) const override { return 0.5 * (f - 1).square().mean(); }
  double decision_threshold() const override { return 0.5; }
};

// Arjovsky et al. 2017, "Wasserstein GAN", eq. 3: the critic maximizes E[D(x)] - E[D(G(z))] (so minimizes
// its negative), G minimizes -E[D(G(z))]. The Lipschitz constraint comes from weight clipping
// (loss.weight_clip) or the gradient penalty (loss.gp_weight, WGAN-GP).
struct Wasserstein : AdversarialLoss {
  torch::Tensor d_loss(const torch::Tensor& r, const torch::Tensor& f) const override {
    return f.mean() - r.mean();
  }
  torch::Tensor g_loss(const torch::Tensor& f) const override { return -f.mean(); }
  bool has_accuracy() const override { return false; }
};

// Hinge loss (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, eq. 16):
// D: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))];  G: -E[D(G(z))].
struct Hinge : AdversarialLoss {
  torch::Tensor d_loss(const torch::Tensor& r, const torch::Tensor& f) const override {
    return torch::relu(1 - r).mean() + torch::relu(1 + f).mean();
  }
  torch::Tensor g_loss(const torch::Tensor& f) const override { return -f.mean(); }
};

// grad_x sum(D(x)), reshaped to one row per D output: each output depends only on its own input (no
// batch statistics in D when a penalty is on; config validation enforces it), so row i is the gradient of
// output i w.r.t. its input: one sample, or the m samples of a PacGAN pack (consecutive in the batch).
torch::Tensor input_gradient_rows(const Critic& d, const torch::Tensor& x) {
  const torch::Tensor out = d(x);
  const torch::Tensor g = torch::autograd::grad({out.sum()}, {x}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                                                /*create_graph=*/true)[0];
  return g.reshape({out.size(0), -1});
}

}  // namespace

torch::Tensor bce_discriminator_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits,
                                     double label_smoothing) {
  return bce_logits(real_logits, 1.0 - label_smoothing) + bce_logits(fake_logits, 0.0);
}

torch::Tensor non_saturating_g_loss(const torch::Tensor& fake_logits) { return bce_logits(fake_logits, 1.0); }

torch::Tensor minimax_g_loss(const torch::Tensor& fake_logits) { return -bce_logits(fake_logits, 0.0); }

std::unique_ptr<AdversarialLoss> make(const std::string& type, const std::string& g_loss, double label_smoothing) {
  if (type == "gan") {
    if (g_loss != "non_saturating" && g_loss != "minimax")
      throw UserError("loss.g_loss = '" + g_loss + "' is unknown; known: non_saturating, minimax");
    return std::make_unique<Gan>(g_loss == "minimax", label_smoothing);
  }
  if (type == "lsgan") return std::make_unique<LeastSquares>();
  if (type == "wgan") return std::make_unique<Wasserstein>();
  if (type == "hinge") return std::make_unique<Hinge>();
  throw UserError("loss.type = '" + type + "' is unknown; known: " + registry::joined(registry::loss_names()));
}

torch::Tensor gradient_penalty(const Critic& d, const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& e) {
  std::vector<int64_t> shape(real.dim(), 1);
  shape[0] = real.size(0);
  const torch::Tensor w = e.view(shape);
  const torch::Tensor x_hat = (w * real.detach() + (1 - w) * fake.detach()).requires_grad_(true);
  return (input_gradient_rows(d, x_hat).norm(2, /*dim=*/1) - 1).square().mean();
}

torch::Tensor r1_penalty(const Critic& d, const torch::Tensor& real) {
  const torch::Tensor x = real.detach().requires_grad_(true);
  return input_gradient_rows(d, x).square().sum(1).mean();
}

}  // namespace ganforge::losses
