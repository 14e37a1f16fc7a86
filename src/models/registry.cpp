// Models by name (`model.arch`) and the noise they take.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <torch/torch.h>

#include "ganforge/core/registry.h"
#include "ganforge/core/error.h"
#include "dcgan.h"
#include "mlp.h"
#include "pix2pix.h"

#include "ganforge/models/layers.h"
#include "ganforge/core/seeds.h"
#include "ganforge/ops/noise.h"

namespace ganforge::models {

namespace {

Generator make_arch_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  if (cfg.arch == "mlp") return make_mlp_generator(cfg, image_shape);
  if (cfg.arch == "dcgan") return make_dcgan_generator(cfg, image_shape);
  if (cfg.arch == "pix2pix") return make_unet_generator(cfg, image_shape);
  throw UserError("model.arch = '" + cfg.arch + "' is unknown; known: " + registry::joined(registry::arch_names()));
}

Discriminator make_arch_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  if (cfg.arch == "mlp") return make_mlp_discriminator(cfg, image_shape);
  if (cfg.arch == "dcgan") return make_dcgan_discriminator(cfg, image_shape);
  if (cfg.arch == "pix2pix") return make_patch_discriminator(cfg, image_shape);
  throw UserError("model.arch = '" + cfg.arch + "' is unknown; known: " + registry::joined(registry::arch_names()));
}

torch::Tensor one_hot(const torch::Tensor& y, int64_t classes, const torch::Tensor& like) {
  TORCH_CHECK(y.defined() && y.dim() == 1, "a conditional network needs class labels [N]");
  return torch::one_hot(y.to(like.device(), torch::kInt64), classes).to(like.scalar_type());
}

// Conditional G, all three kinds (model.conditional): the one-hot label concatenated to z (Mirza & Osindero
// 2014, "Conditional Generative Adversarial Nets"; ACGAN's G does the same, Odena et al. 2017, sec. 3).
struct ConditionalGeneratorImpl : GeneratorImpl {
  ConditionalGeneratorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape) : classes_(cfg.classes) {
    ModelConfig inner = cfg;
    inner.z_dim = cfg.z_dim + cfg.classes;
    g_ = register_module("g", make_arch_generator(inner, shape));
  }
  torch::Tensor forward(const torch::Tensor&) override {
    TORCH_CHECK(false, "a conditional generator needs class labels (generate(z, y))");
  }
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& y) override {
    return g_->forward(torch::cat({z, one_hot(y, classes_, z)}, 1));
  }
  int64_t classes() const override { return classes_; }
  int64_t classes_;
  Generator g_;
};

// Conditional D:
//   concat:     the one-hot label joins the input: K extra inputs for the MLP, K constant planes for DCGAN
//               (Mirza & Osindero 2014);
//   projection: D(x, y) = psi(phi(x)) + <embed(y), phi(x)> on D's last features phi (Miyato & Koyama 2018,
//               "cGANs with Projection Discriminator", eq. 3);
//   acgan:      an adversarial head and a K-way classifier head on phi (Odena et al. 2017, "Conditional
//               Image Synthesis with Auxiliary Classifier GANs").
struct ConditionalDiscriminatorImpl : DiscriminatorImpl {
  ConditionalDiscriminatorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape)
      : kind_(cfg.conditional), classes_(cfg.classes), flat_(cfg.arch == "mlp") {
    if (kind_ == "concat") {
      std::vector<int64_t> in = shape;
      if (flat_) {
        int64_t n = 1;
        for (int64_t v : shape) n *= v;
        in = {n + classes_};
      } else {
        in[0] += classes_;
      }
      d_ = register_module("d", make_arch_discriminator(cfg, in));
      return;
    }
    d_ = register_module("d", make_arch_discriminator(cfg, shape));
    const int64_t f = d_->make_headless();
    torch::nn::Sequential head;
    push_layer(head, torch::nn::Linear(f, 1), cfg.d_spectral_norm);
    head_ = register_module("head", head);
    init_weights(*head_, cfg.init);
    if (kind_ == "projection") {
      embed_ = register_module("embed", torch::nn::Embedding(classes_, f));
      // Small start, so the projection term does not swamp psi at initialization.
      torch::NoGradGuard no_grad;
      embed_->weight.normal_(0, 0.02);
    } else {
      torch::nn::Sequential cls;
      push_layer(cls, torch::nn::Linear(f, classes_), cfg.d_spectral_norm);
      classifier_ = register_module("classifier", cls);
      init_weights(*classifier_, cfg.init);
    }
  }
  torch::Tensor forward(const torch::Tensor&) override {
    TORCH_CHECK(false, "a conditional discriminator needs class labels (judge(x, y))");
  }
  Judgement judge(const torch::Tensor& x, const torch::Tensor& y) override {
    if (kind_ == "concat") {
      const auto h = one_hot(y, classes_, x);  // [N, K]
      if (flat_) return {d_->forward(torch::cat({x.flatten(1), h}, 1)), {}};
      const auto planes = h.view({h.size(0), classes_, 1, 1}).expand({-1, -1, x.size(2), x.size(3)});
      return {d_->forward(torch::cat({x, planes}, 1)), {}};
    }
    TORCH_CHECK(y.defined(), "a conditional discriminator needs class labels");
    const auto phi = d_->forward(x);  // [N, F]
    const auto psi = head_->forward(phi).squeeze(1);
    if (kind_ == "projection") return {psi + (embed_->forward(y.to(torch::kInt64)) * phi).sum(1), {}};
    return {psi, classifier_->forward(phi)};
  }
  int64_t make_headless() override { TORCH_CHECK(false, "make_headless: not for a conditional discriminator"); }
  int64_t classes() const override { return classes_; }
  std::string kind_;
  int64_t classes_;
  bool flat_;
  Discriminator d_;
  torch::nn::Sequential head_{nullptr}, classifier_{nullptr};
  torch::nn::Embedding embed_{nullptr};
};

}  // namespace

Generator make_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  if (!cfg.conditional.empty()) return std::make_shared<ConditionalGeneratorImpl>(cfg, image_shape);
  return make_arch_generator(cfg, image_shape);
}

Discriminator make_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  if (!cfg.conditional.empty()) return std::make_shared<ConditionalDiscriminatorImpl>(cfg, image_shape);
  return make_arch_discriminator(cfg, image_shape);
}

torch::Tensor balanced_labels(int64_t n, int64_t classes) {
  return torch::arange(n, torch::kInt64).mul(classes).div(n, "floor");
}

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

torch::Tensor sample_noise(const ModelConfig& cfg, int64_t n, at::Generator& gen) {
  if (cfg.noise == "uniform") return torch::rand({n, cfg.z_dim}, gen).mul_(2).sub_(1);
  return ops::randn(n, cfg.z_dim, gen);  // torch::randn's numbers, drawn on all threads
}

void ema_update(torch::nn::Module& ema, const torch::nn::Module& model, double beta) {
  torch::NoGradGuard no_grad;
  const auto src = model.parameters();
  auto dst = ema.parameters();
  TORCH_CHECK(src.size() == dst.size(), "ema_update: ", dst.size(), " vs ", src.size(), " parameters");
  for (size_t i = 0; i < src.size(); ++i) dst[i].lerp_(src[i], 1.0 - beta);  // ema + (1-beta)(p - ema)
  const auto src_b = model.buffers();
  auto dst_b = ema.buffers();
  TORCH_CHECK(src_b.size() == dst_b.size(), "ema_update: buffer count differs");
  for (size_t i = 0; i < src_b.size(); ++i) dst_b[i].copy_(src_b[i]);
}

double ema_beta(double half_life_kimg, int64_t batch) {
  // beta^(updates per half-life) = 1/2, with half_life_kimg * 1000 / batch updates per half-life.
  return std::pow(0.5, static_cast<double>(batch) / (half_life_kimg * 1000.0));
}

torch::Tensor grid_noise(const ModelConfig& cfg, int64_t n, int64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(Seeds::of(seed).grid);
  return sample_noise(cfg, n, gen);
}

}  // namespace ganforge::models
