// DiffAugment's random draws (train/augment.h): only the ops asked for are drawn, each within its range,
// the same for the same stream state, and nothing is drawn (nor changed) with no ops.
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include "ganforge/ops/augment.h"
#include "test_util.h"

namespace ganforge::augment {
namespace {

TEST(Augment, DrawsOnlyTheOpsAskedForWithinTheirRanges) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const torch::Tensor x = torch::zeros({64, 1, 28, 28});
  const Draws color = draw({"color"}, x, gen);
  EXPECT_TRUE(color.brightness.defined() && color.saturation.defined() && color.contrast.defined());
  EXPECT_FALSE(color.shift_x.defined() || color.cut_x.defined());
  for (const auto& t : {color.brightness, color.saturation, color.contrast}) {
    EXPECT_EQ(t.numel(), 64);
    EXPECT_GE(t.min().item<float>(), 0.f);
    EXPECT_LT(t.max().item<float>(), 1.f);
  }
  const Draws all = draw({"color", "translation", "cutout"}, x, gen);
  // Translation by up to round(28 / 8) = 4 pixels each way; both ends are drawn in 64 tries.
  for (const auto& t : {all.shift_x, all.shift_y}) {
    EXPECT_EQ(t.min().item<int64_t>(), -4);
    EXPECT_EQ(t.max().item<int64_t>(), 4);
  }
  for (const auto& t : {all.cut_x, all.cut_y}) {
    EXPECT_GE(t.min().item<int64_t>(), 0);
    EXPECT_LE(t.max().item<int64_t>(), 28);
  }
}

TEST(Augment, TheSameStreamStateGivesTheSameDrawsAndNoOpsDrawNothing) {
  auto a = at::make_generator<at::CPUGeneratorImpl>(11), b = at::make_generator<at::CPUGeneratorImpl>(11);
  const torch::Tensor x = torch::rand({8, 3, 32, 32});
  EXPECT_TRUE(torch::equal(random_apply({"color", "translation", "cutout"}, x, a),
                           random_apply({"color", "translation", "cutout"}, x, b)));
  const torch::Tensor before = torch::rand({1}, a);
  EXPECT_TRUE(random_apply({}, x, b).is_same(x)) << "no ops: the input itself";
  EXPECT_TRUE(torch::equal(torch::rand({1}, b), before)) << "no ops: the stream does not move";
}

}  // namespace
}  // namespace ganforge::augment
