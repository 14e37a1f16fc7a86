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
    // ganforge's linear layers: bf16 products accumulated in fp32, an fp32 result (what follows runs in fp32);
    // the product of the bf16-rounded operands, to fp32 rounding, and not the fp32 product.
    const torch::Tensor y = models::linear(x, w, b);
    EXPECT_EQ(y.scalar_type(), torch::kFloat);
    const auto round = [](const torch::Tensor& t) { return t.to(torch::kBFloat16).to(torch::kDouble); };
    const torch::Tensor exact = (round(x).mm(round(w).t()) + b.to(torch::kDouble)).to(torch::kFloat);
    EXPECT_LT((y - exact).abs().max().item<float>(), 1e-4f * exact.abs().max().item<float>());
    EXPECT_GT((y - plain).abs().max().item<float>(), 1e-3f * plain.abs().max().item<float>());
    // Without a bias, and with gradients: fp32 gradients from bf16 products, close to the fp32 ones.
    const torch::Tensor wg = w.clone().requires_grad_(true);
    models::linear(x, wg, torch::Tensor()).square().sum().backward();
    EXPECT_EQ(wg.grad().scalar_type(), torch::kFloat);
    const torch::Tensor want = 2 * (x.mm(w.t())).t().mm(x);
    EXPECT_LT((wg.grad() - want).abs().max().item<float>(), 0.02f * want.abs().max().item<float>());
    EXPECT_EQ(torch::linear(x, w, b).scalar_type(), torch::kBFloat16) << "LibTorch's own layers: autocast's bf16";
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
