// Models by name (`model.arch`) and the noise they take.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "ganforge/error.h"
#include "mlp.h"

namespace ganforge::models {

Generator make_generator(const Config& cfg, const std::vector<int64_t>& image_shape) {
  if (cfg.arch == "mlp") return make_mlp_generator(cfg, image_shape);
  throw UserError("model.arch = '" + cfg.arch + "' is unknown; known: mlp");
}

Discriminator make_discriminator(const Config& cfg, const std::vector<int64_t>& image_shape) {
  if (cfg.arch == "mlp") return make_mlp_discriminator(cfg, image_shape);
  throw UserError("model.arch = '" + cfg.arch + "' is unknown; known: mlp");
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

torch::Tensor grid_noise(const Config& cfg) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(cfg.seed) * 2 + 3);
  return sample_noise(cfg, cfg.sample_grid, gen);
}

}  // namespace ganforge::models
