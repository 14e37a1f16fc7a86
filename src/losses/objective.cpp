#include "ganforge/losses/objective.h"

#include "ganforge/ops/augment.h"
#include "ganforge/ops/precision.h"

namespace ganforge::losses {

Objective::Objective(const LossConfig& cfg)
    : adversarial_(make(cfg.type, cfg.g_loss, cfg.label_smoothing)),
      gp_weight_(cfg.gp_weight),
      r1_gamma_(cfg.r1_gamma),
      weight_clip_(cfg.weight_clip),
      ac_weight_(cfg.ac_weight),
      l1_weight_(cfg.l1_weight),
      gan_weight_(cfg.gan_weight),
      r1_every_(cfg.r1_every) {}

namespace {

// pix2pix's D judges an image beside the input it was made from (Isola et al. 2017, eq. 1).
torch::Tensor beside(const PhaseBatch& b, const torch::Tensor& image) {
  return b.condition.defined() ? torch::cat({b.condition, image}, 1) : image;
}

// D's judgement of x, its forward under bf16 autocast when the run asks for it, and the outputs in fp32: the
// losses, penalties and reports are computed in fp32 (as PyTorch's autocast recipe has them). A no-op in fp32.
models::Judgement judged(Players& p, const torch::Tensor& x, const torch::Tensor& y) {
  models::Judgement j;
  {
    precision::Autocast amp(p.bf16);
    j = p.d->judge(x, y);
  }
  j.logits = j.logits.to(torch::kFloat);
  if (j.class_logits.defined()) j.class_logits = j.class_logits.to(torch::kFloat);
  return j;
}

}  // namespace

torch::Tensor Objective::generate(Players& p, const PhaseBatch& b) {
  precision::Autocast amp(p.bf16);
  const torch::Tensor x = b.condition.defined() ? p.g->forward(b.condition) : p.g->generate(b.z, b.y_fake);
  return x.to(torch::kFloat);
}

PhaseLoss Objective::discriminator(Players& p, const PhaseBatch& b) const {
  torch::Tensor fake, real_in;
  models::Judgement real_j, fake_j;
  {
    // bf16: one autocast region for G's forward and both of D's, so that D's weights are cast once.
    precision::Autocast amp(p.bf16);
    {
      torch::NoGradGuard no_grad;  // D's update needs no gradient through G
      fake = generate(p, b);
    }
    // DiffAugment: independent draws for the real and the fake batch, from the run's augmentation stream.
    real_in = augment::random_apply(p.augment_ops, b.real, p.augment, p.shard);
    fake = augment::random_apply(p.augment_ops, fake, p.augment, p.shard);
    real_j = judged(p, beside(b, real_in), b.y_real);
    fake_j = judged(p, beside(b, fake), b.y_fake);
  }
  PhaseLoss out{adversarial_->d_loss(real_j.logits, fake_j.logits), {}, real_j.logits, fake_j.logits};
  // ACGAN (Odena et al. 2017, eq. 2): D also learns to name the class of reals and fakes.
  if (real_j.class_logits.defined())
    out.loss = out.loss + ac_weight_ * (torch::nn::functional::cross_entropy(real_j.class_logits, b.y_real) +
                                        torch::nn::functional::cross_entropy(fake_j.class_logits, b.y_fake));
  // The penalties' input gradients are taken outside autocast; the critic's forward is inside it (bf16).
  const Critic critic = [&](const torch::Tensor& x) { return judged(p, x, b.y_real).logits; };
  if (gp_weight_ > 0) {
    const torch::Tensor e = p.shard.own(torch::rand({p.shard.whole(b.real.size(0))}, p.noise)).to(b.real.device());
    out.penalty = gp_weight_ * gradient_penalty(critic, real_in, fake, e);
  }
  // Lazy R1 (Karras et al. 2020, sec. 4.1): every r1_every-th update, weighted r1_every times as much.
  if (r1_gamma_ > 0 && b.d_updates % r1_every_ == 0) {
    torch::Tensor r1 = (r1_gamma_ / 2 * static_cast<double>(r1_every_)) * r1_penalty(critic, real_in);
    out.penalty = out.penalty.defined() ? out.penalty + r1 : r1;
  }
  if (out.penalty.defined()) out.loss = out.loss + out.penalty;
  return out;
}

void Objective::after_discriminator_update(models::DiscriminatorImpl& d) const {
  torch::NoGradGuard no_grad;
  // WGAN (Arjovsky et al. 2017, Algorithm 1): clip every critic parameter to [-c, c] after its update.
  if (weight_clip_ > 0)
    for (auto& w : d.parameters()) w.clamp_(-weight_clip_, weight_clip_);
}

PhaseLoss Objective::generator(Players& p, const PhaseBatch& b) const {
  torch::Tensor made, fake;
  models::Judgement j;
  {
    precision::Autocast amp(p.bf16);  // bf16: G's weights cast once for the phase
    made = generate(p, b);
    fake = augment::random_apply(p.augment_ops, made, p.augment, p.shard);
    if (gan_weight_ == 0) {  // the L1-only baseline: D's view is logged, but nothing flows back through it
      torch::NoGradGuard no_grad;
      j = judged(p, beside(b, fake.detach()), b.y_fake);
    } else {
      j = judged(p, beside(b, fake), b.y_fake);
    }
  }
  PhaseLoss out{adversarial_->g_loss(j.logits), {}, {}, j.logits};
  if (gan_weight_ == 0)
    out.loss = torch::zeros({}, made.options());
  else if (gan_weight_ != 1)
    out.loss = gan_weight_ * out.loss;
  // pix2pix (Isola et al. 2017, eq. 4): G also comes close to the target, lambda * mean |y - G(x)|.
  if (l1_weight_ > 0) {
    TORCH_CHECK(b.real.defined(), "loss.l1_weight needs the target images in G's phase");
    out.penalty = l1_weight_ * (made - b.real).abs().mean();
    out.loss = out.loss + out.penalty;
  }
  if (j.class_logits.defined())  // ACGAN: G wants its fakes recognised as the class asked for
    out.loss = out.loss + ac_weight_ * torch::nn::functional::cross_entropy(j.class_logits, b.y_fake);
  return out;
}

double Objective::mean_score(const torch::Tensor& out) const {
  return (adversarial_->outputs_are_logits() ? torch::sigmoid(out) : out).mean().item<double>();
}

double Objective::accuracy(const torch::Tensor& real_out, const torch::Tensor& fake_out) const {
  const double t = adversarial_->decision_threshold();
  return ((real_out > t).sum() + (fake_out < t).sum()).item<double>() /
         static_cast<double>(real_out.size(0) + fake_out.size(0));
}

}  // namespace ganforge::losses
