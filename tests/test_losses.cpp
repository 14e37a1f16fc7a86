// Loss values and gradients against PyTorch (tests/reference/make_fixtures.py), in float64.
#include <torch/torch.h>

#include "ganforge/error.h"
#include "ganforge/losses.h"
#include "test_util.h"

namespace ganforge {
namespace {

// float64 on both sides with the same formulas: agreement to rounding (a few ulps of the largest term).
constexpr double kTol = 1e-12;

torch::Tensor from_json(const nlohmann::json& v) {
  return torch::tensor(v.get<std::vector<double>>(), torch::kFloat64);
}

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
  const auto loss = losses::make("non_saturating");
  auto v = loss->d_loss(in.real, in.fake);
  v.backward();
  EXPECT_NEAR(v.item<double>(), fx["bce_d"]["value"].get<double>(), kTol * 10);
  expect_close(in.real.grad(), fx["bce_d"]["grad_real"], "grad real");
  expect_close(in.fake.grad(), fx["bce_d"]["grad_fake"], "grad fake");
  // Same D loss for the minimax variant.
  auto in2 = inputs(fx);
  EXPECT_NEAR(losses::make("minimax")->d_loss(in2.real, in2.fake).item<double>(), v.item<double>(), 1e-15);
}

TEST(Losses, GeneratorLossesMatchPyTorch) {
  const auto fx = test::fixtures()["losses"];
  for (const std::string name : {"non_saturating", "minimax"}) {
    SCOPED_TRACE(name);
    auto in = inputs(fx);
    auto v = losses::make(name)->g_loss(in.fake);
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

TEST(Losses, UnknownNameListsKnownOnes) {
  try {
    losses::make("hinge2");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("known: non_saturating, minimax"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ganforge
