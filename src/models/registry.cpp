// Models by name (`model.arch`) and the noise they take.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <torch/torch.h>

#include "ganforge/error.h"
#include "dcgan.h"
#include "mlp.h"

namespace ganforge::models {

Generator make_generator(const Config& cfg, const std::vector<int64_t>& image_shape) {
  if (cfg.arch == "mlp") return make_mlp_generator(cfg, image_shape);
  if (cfg.arch == "dcgan") return make_dcgan_generator(cfg, image_shape);
  throw UserError("model.arch = '" + cfg.arch + "' is unknown; known: mlp, dcgan");
}

Discriminator make_discriminator(const Config& cfg, const std::vector<int64_t>& image_shape) {
  if (cfg.arch == "mlp") return make_mlp_discriminator(cfg, image_shape);
  if (cfg.arch == "dcgan") return make_dcgan_discriminator(cfg, image_shape);
  throw UserError("model.arch = '" + cfg.arch + "' is unknown; known: mlp, dcgan");
}

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

torch::Tensor sample_noise(const Config& cfg, int64_t n, at::Generator& gen) {
  if (cfg.noise == "uniform") return torch::rand({n, cfg.z_dim}, gen).mul_(2).sub_(1);
  return torch::randn({n, cfg.z_dim}, gen);
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

torch::Tensor grid_noise(const Config& cfg) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(cfg.seed) * 2 + 3);
  return sample_noise(cfg, cfg.sample_grid, gen);
}

}  // namespace ganforge::models
