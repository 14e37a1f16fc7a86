// Loss values and gradients against PyTorch (tests/reference/make_fixtures.py), in float64.
#include <torch/torch.h>

#include "ganforge/core/error.h"
#include "ganforge/losses/adversarial.h"
#include "reference.h"
#include "test_util.h"

namespace ganforge {
namespace {

// float64 on both sides with the same formulas: agreement to rounding (a few ulps of the largest term).
constexpr double kTol = 1e-12;

using test::from_json;

void expect_close(const torch::Tensor& got, const nlohmann::json& want, const std::string& what) {
  const auto w = from_json(want);
  ASSERT_EQ(got.numel(), w.numel()) << what;
  for (int64_t i = 0; i < w.numel(); ++i) {
    const double g = got[i].item<double>(), e = w[i].item<double>();
    EXPECT_NEAR(g, e, kTol * std::max(1.0, std::abs(e))) << what << " index " << i;
  }
}

struct LossCase {
  torch::Tensor real, fake;
};

LossCase inputs(const nlohmann::json& fx) {
  return {from_json(fx["real_logits"]).requires_grad_(true), from_json(fx["fake_logits"]).requires_grad_(true)};
}

TEST(Losses, DiscriminatorBceMatchesPyTorch) {
  const auto fx = test::fixtures()["losses"];
  auto in = inputs(fx);
  const auto loss = losses::make("gan", "non_saturating");
  auto v = loss->d_loss(in.real, in.fake);
  v.backward();
  EXPECT_NEAR(v.item<double>(), fx["bce_d"]["value"].get<double>(), kTol * 10);
  expect_close(in.real.grad(), fx["bce_d"]["grad_real"], "grad real");
  expect_close(in.fake.grad(), fx["bce_d"]["grad_fake"], "grad fake");
  // Same D loss for the minimax variant.
  auto in2 = inputs(fx);
  EXPECT_NEAR(losses::make("gan", "minimax")->d_loss(in2.real, in2.fake).item<double>(), v.item<double>(), 1e-15);
}

TEST(Losses, GeneratorLossesMatchPyTorch) {
  const auto fx = test::fixtures()["losses"];
  for (const std::string name : {"non_saturating", "minimax"}) {
    SCOPED_TRACE(name);
    auto in = inputs(fx);
    auto v = losses::make("gan", name)->g_loss(in.fake);
    v.backward();
    const auto& ref = fx[name + "_g"];
    EXPECT_NEAR(v.item<double>(), ref["value"].get<double>(), kTol * 10);
    expect_close(in.fake.grad(), ref["grad_fake"], "grad fake");
    EXPECT_TRUE(torch::isfinite(in.fake.grad()).all().item<bool>()) << "stable at |logit| = 60";
  }
}

TEST(Losses, SaturationIsWhatTheNameSays) {
  // For a fake the D rejects confidently (logit -10), minimax's gradient vanishes, non-saturating's does not.
  auto l1 = torch::full({1}, -10.0, torch::kFloat64).requires_grad_(true);
  losses::minimax_g_loss(l1).backward();
  auto l2 = torch::full({1}, -10.0, torch::kFloat64).requires_grad_(true);
  losses::non_saturating_g_loss(l2).backward();
  EXPECT_LT(std::abs(l1.grad().item<double>()), 1e-4);
  EXPECT_GT(std::abs(l2.grad().item<double>()), 0.99);
}

TEST(Losses, OtherLossesAndLabelSmoothingMatchPyTorch) {
  const auto fx = test::fixtures()["losses"];
  struct Case {
    std::string fixture;
    std::unique_ptr<losses::AdversarialLoss> loss;
  };
  std::vector<Case> cases;
  cases.push_back({"bce_d_smooth_0.1", losses::make("gan", "non_saturating", 0.1)});
  for (const std::string type : {"lsgan", "wgan", "hinge"}) cases.push_back({type + "_d", losses::make(type)});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fixture);
    auto in = inputs(fx);
    auto v = c.loss->d_loss(in.real, in.fake);
    v.backward();
    const auto& ref = fx[c.fixture];
    EXPECT_NEAR(v.item<double>(), ref["value"].get<double>(), kTol * std::max(1.0, std::abs(ref["value"].get<double>())));
    expect_close(in.real.grad(), ref["grad_real"], "grad real");
    expect_close(in.fake.grad(), ref["grad_fake"], "grad fake");
  }
  for (const std::string type : {"lsgan", "wgan", "hinge"}) {
    SCOPED_TRACE(type + " G");
    auto in = inputs(fx);
    auto v = losses::make(type)->g_loss(in.fake);
    v.backward();
    const auto& ref = fx[type + "_g"];
    EXPECT_NEAR(v.item<double>(), ref["value"].get<double>(), kTol * std::max(1.0, std::abs(ref["value"].get<double>())));
    expect_close(in.fake.grad(), ref["grad_fake"], "grad fake");
  }
}

// The tiny D of make_fixtures.py (Linear 12 -> 6, LeakyReLU 0.2, Linear 6 -> 1) with its fixed weights.
torch::nn::Sequential tiny_critic(const nlohmann::json& fx) {
  torch::nn::Sequential d(torch::nn::Linear(12, 6), torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
                          torch::nn::Linear(6, 1));
  d->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : d->parameters()) p.copy_(from_json(fx["params"][i++]).view_as(p));
  return d;
}

TEST(Losses, GradientPenaltyAndR1MatchPyTorchWithParameterGradients) {
  const auto fx = test::fixtures()["penalties"];
  auto d = tiny_critic(fx);
  const losses::Critic critic = [&](const torch::Tensor& x) { return d->forward(x.flatten(1)).squeeze(1); };
  const auto real = from_json(fx["real"]).view({5, 3, 2, 2});
  const auto fake = from_json(fx["fake"]).view({5, 3, 2, 2});
  for (const std::string name : {"gradient_penalty", "r1"}) {
    SCOPED_TRACE(name);
    d->zero_grad();
    auto v = name == "r1" ? losses::r1_penalty(critic, real) : losses::gradient_penalty(critic, real, fake, from_json(fx["e"]));
    v.backward();  // through the input gradient: double backward
    const auto& ref = fx[name];
    EXPECT_NEAR(v.item<double>(), ref["value"].get<double>(), 1e-12 * std::abs(ref["value"].get<double>()));
    size_t i = 0;
    for (const auto& p : d->parameters()) {
      // The last bias does not move the input gradient: no gradient reaches it (zero in the fixture).
      const auto grad = p.grad().defined() ? p.grad().flatten() : torch::zeros({p.numel()}, torch::kFloat64);
      expect_close(grad, ref["grad_params"][i], "parameter " + std::to_string(i));
      ++i;
    }
  }
}

TEST(Losses, GradientPenaltyIsZeroForAUnitSlopeCritic) {
  // D(x) = sum(x) / sqrt(n) has gradient norm exactly 1 everywhere: no penalty; R1 is then exactly 1.
  const losses::Critic critic = [](const torch::Tensor& x) { return x.flatten(1).sum(1) / std::sqrt(12.0); };
  const auto real = torch::randn({4, 3, 2, 2}, torch::kFloat64), fake = torch::randn({4, 3, 2, 2}, torch::kFloat64);
  EXPECT_NEAR(losses::gradient_penalty(critic, real, fake, torch::rand({4}, torch::kFloat64)).item<double>(), 0, 1e-20);
  EXPECT_NEAR(losses::r1_penalty(critic, real).item<double>(), 1.0, 1e-14);
}

TEST(Losses, UnknownNameListsKnownOnes) {
  try {
    losses::make("hinge2");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("known: gan, lsgan, wgan, hinge"), std::string::npos) << e.what();
  }
  EXPECT_THROW(losses::make("gan", "hinge"), UserError);
}

}  // namespace
}  // namespace ganforge
