// Model shapes and parameter counts against the same nets built with torch.nn (fixtures.json).
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "ganforge/config.h"
#include "ganforge/models.h"
#include "test_util.h"

namespace ganforge {
namespace {

std::vector<std::vector<int64_t>> shapes(const torch::nn::Module& m) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& p : m.parameters()) out.push_back(p.sizes().vec());
  return out;
}

TEST(Models, PresetsMatchPyTorchShapesAndCounts) {
  const auto fx = test::fixtures()["models"];
  for (const std::string name : {"seed-keras-mlp", "seed-tf-mlp", "mnist-mlp"}) {
    SCOPED_TRACE(name);
    const Config cfg = load_config(test::source_dir() + "/configs/" + name + ".toml");
    const auto g = models::make_generator(cfg, {1, 28, 28});
    const auto d = models::make_discriminator(cfg, {1, 28, 28});
    EXPECT_EQ(models::count_parameters(*g), fx[name]["generator"]["count"].get<int64_t>());
    EXPECT_EQ(models::count_parameters(*d), fx[name]["discriminator"]["count"].get<int64_t>());
    EXPECT_EQ(shapes(*g), fx[name]["generator"]["shapes"].get<std::vector<std::vector<int64_t>>>());
    EXPECT_EQ(shapes(*d), fx[name]["discriminator"]["shapes"].get<std::vector<std::vector<int64_t>>>());

    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto z = models::sample_noise(cfg, 5, gen);
    ASSERT_EQ(z.sizes(), (std::vector<int64_t>{5, 100}));
    const auto x = g->forward(z);
    EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
    EXPECT_LE(x.abs().max().item<float>(), 1.0f) << "tanh output";
    EXPECT_EQ(d->forward(x).sizes(), (std::vector<int64_t>{5}));
  }
}

TEST(Models, NoiseDistributions) {
  Config cfg;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  cfg.noise = "uniform";
  const auto u = models::sample_noise(cfg, 2000, gen);
  EXPECT_GE(u.min().item<float>(), -1.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(u.mean().item<float>(), 0.0f, 0.01f);
  EXPECT_NEAR(u.var().item<float>(), 1.0f / 3.0f, 0.01f);  // Var U(-1, 1) = 1/3
  cfg.noise = "normal";
  const auto n = models::sample_noise(cfg, 2000, gen);
  EXPECT_NEAR(n.mean().item<float>(), 0.0f, 0.01f);
  EXPECT_NEAR(n.std().item<float>(), 1.0f, 0.01f);
}

TEST(Models, GlorotInitHasZeroBiasesAndGlorotBounds) {
  Config cfg;
  cfg.init = "glorot";
  torch::manual_seed(0);
  const auto d = models::make_discriminator(cfg, {1, 28, 28});
  for (const auto& p : d->named_parameters()) {
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << p.key();
    } else {
      const double bound = std::sqrt(6.0 / static_cast<double>(p.value().size(0) + p.value().size(1)));
      EXPECT_LE(p.value().abs().max().item<float>(), bound) << p.key();
      EXPECT_GT(p.value().abs().max().item<float>(), 0.9 * bound) << p.key();
    }
  }
}

TEST(Models, EmaUpdateFollowsTheFormulaAndCopiesBuffers) {
  Config cfg;
  cfg.g_batchnorm = true;
  torch::manual_seed(1);
  auto g = models::make_generator(cfg, {1, 28, 28});
  auto ema = models::make_generator(cfg, {1, 28, 28});
  std::vector<torch::Tensor> before;
  for (const auto& p : ema->parameters()) before.push_back(p.detach().clone());
  {
    torch::NoGradGuard no_grad;
    for (auto& b : g->buffers())
      if (b.dtype() == torch::kFloat32) b.fill_(0.25f);
  }
  models::ema_update(*ema, *g, 0.9);
  const auto src = g->parameters();
  const auto dst = ema->parameters();
  for (size_t i = 0; i < src.size(); ++i) {
    const auto want = before[i] * 0.9 + src[i].detach() * 0.1;
    EXPECT_LT((dst[i] - want).abs().max().item<float>(), 1e-6f) << "parameter " << i;
  }
  for (const auto& b : ema->buffers())
    if (b.dtype() == torch::kFloat32) EXPECT_EQ(b.min().item<float>(), 0.25f);
  // Half-life: after the updates of 20 kimg at batch 128, the old weights' share is 1/2.
  const double beta = models::ema_beta(20, 128);
  EXPECT_NEAR(std::pow(beta, 20000.0 / 128.0), 0.5, 1e-12);
}

}  // namespace
}  // namespace ganforge
