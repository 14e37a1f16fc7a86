// bf16 mixed precision (ops/precision.h): off, nothing changes bitwise; on, matrix products run in bf16 while
// weights, gradients and Adam stay fp32, and training follows the fp32 run closely without repeating it.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "ganforge/core/config.h"
#include "ganforge/losses/objective.h"
#include "ganforge/models/layers.h"
#include "ganforge/ops/precision.h"
#include "ganforge/train/loop.h"
#include "ganforge/train/state.h"
#include "test_util.h"

namespace ganforge {
namespace {

TEST(Precision, OffChangesNothingOnMultipliesInBf16AndLeavingRestores) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({64, 100}), w = torch::randn({256, 100}), b = torch::randn({256});
  const torch::Tensor plain = models::linear(x, w, b);
  {
    precision::Autocast off(false);
    EXPECT_FALSE(precision::autocast_on());
    EXPECT_TRUE(torch::equal(models::linear(x, w, b), plain)) << "Autocast(false) must change nothing";
  }
  {
    precision::Autocast on(true);
    EXPECT_TRUE(precision::autocast_on());
    const torch::Tensor y = models::linear(x, w, b);  // ganforge's fp32 GEMM steps aside: autocast's bf16
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
    // bf16 inputs (8 significant bits): within a few bf16 steps of the fp32 product, but not equal to it.
    const torch::Tensor err = (y.to(torch::kFloat) - plain).abs();
    EXPECT_LT(err.max().item<float>(), 0.05f * plain.abs().max().item<float>());
    EXPECT_GT(err.max().item<float>(), 0.0f);
    {
      precision::Autocast nested(true);
      EXPECT_EQ(torch::mm(x, w.t()).scalar_type(), torch::kBFloat16);
    }
    EXPECT_TRUE(precision::autocast_on()) << "leaving a nested region keeps the outer one";
  }
  EXPECT_FALSE(precision::autocast_on());
  EXPECT_TRUE(torch::equal(models::linear(x, w, b), plain)) << "after the region, fp32 again, bitwise";
}

TEST(Precision, NamesAreChecked) {
  EXPECT_NO_THROW(precision::check_name("fp32", "x"));
  EXPECT_NO_THROW(precision::check_name("bf16", "x"));
  EXPECT_THROW(precision::check_name("fp16", "x"), UserError);
  EXPECT_NO_THROW(precision::require("fp32", "x"));
}

// Twenty steps of the seed MLP GAN and of the DCGAN from the same seed in fp32 and bf16: weights and Adam's
// moments stay fp32, the losses follow the fp32 run within a few percent, and the weights differ (the bf16
// path was taken).
TEST(Precision, Bf16TrainingKeepsFp32StateAndFollowsFp32) {
  if (!precision::native_bf16()) GTEST_SKIP() << "no native bf16 on this CPU: train.precision = bf16 is refused";
  for (const std::string config : {"seed-keras-mlp", "fashion-dcgan"}) {
    std::vector<std::vector<double>> losses(2);
    std::vector<torch::Tensor> weights(2);
    for (int k = 0; k < 2; ++k) {
      Config cfg = load_config(test::source_dir() + "/configs/" + config + ".toml");
      apply_override(cfg, std::string("train.precision=") + (k ? "bf16" : "fp32"));
      train::TrainState s = train::make_state(cfg, {1, 28, 28}, 0);
      const losses::Objective objective(cfg.loss);
      const int64_t n = cfg.data.batch_size;
      const torch::Tensor real = torch::rand({n, 1, 28, 28}, s.noise_gen) * 2 - 1;
      for (int step = 0; step < 20; ++step) {
        const auto d = train::discriminator_phase(s, objective, {real, models::sample_noise(cfg.model, n, s.noise_gen), {}, {}, 0, {}});
        const auto g = train::generator_phase(s, objective, {{}, models::sample_noise(cfg.model, n, s.noise_gen), {}, {}, 0, {}});
        ASSERT_TRUE(d.finite && g.finite) << config << " step " << step;
        losses[k].push_back(d.loss), losses[k].push_back(g.loss);
      }
      for (const auto& p : s.g->parameters()) {
        EXPECT_EQ(p.scalar_type(), torch::kFloat) << config;
        ASSERT_TRUE(p.grad().defined());
        EXPECT_EQ(p.grad().scalar_type(), torch::kFloat) << config << ": gradients reach the fp32 master weights";
      }
      EXPECT_FALSE(precision::autocast_on()) << "no region is left open after a phase";
      weights[k] = torch::cat({s.g->parameters().front().flatten(), s.d->parameters().front().flatten()});
    }
    double worst = 0;
    for (size_t i = 0; i < losses[0].size(); ++i)
      worst = std::max(worst, std::abs(losses[1][i] - losses[0][i]) / std::max(1e-3, std::abs(losses[0][i])));
    EXPECT_LT(worst, 0.05) << config << ": bf16 losses drift from fp32's";
    EXPECT_FALSE(torch::equal(weights[0], weights[1])) << config << ": the bf16 run repeated fp32 bitwise";
    EXPECT_LT((weights[1] - weights[0]).abs().max().item<float>(), 0.01f) << config;
  }
}

}  // namespace
}  // namespace ganforge
