// The fused Adam (train/optim.h) against LibTorch's, and the gradient helpers.
#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/data/dataset.h"
#include "ganforge/core/error.h"
#include "ganforge/io/grid.h"
#include "ganforge/io/idx.h"
#include "ganforge/train/optim.h"
#include "ganforge/io/png.h"
#include "ganforge/run/layout.h"
#include "ganforge/app/train.h"
#include "test_state.h"
#include "test_util.h"

namespace ganforge {
namespace {

TEST(Optim, FusedAdamMatchesLibTorchsAdamAndSharesItsCheckpoints) {
  torch::manual_seed(8);
  auto make_params = [] {
    torch::manual_seed(9);
    return std::vector<torch::Tensor>{torch::randn({300}, torch::requires_grad()),
                                      torch::randn({17, 23}, torch::requires_grad())};
  };
  for (const double decay : {0.0, 0.1}) {  // 0.1: the fused path does not apply; LibTorch's step runs
    SCOPED_TRACE(decay);
    auto ours_p = make_params(), theirs_p = make_params();
    const auto o = torch::optim::AdamOptions(2e-3).betas({0.5, 0.999}).eps(1e-8).weight_decay(decay);
    optim::Adam ours(ours_p, o);
    torch::optim::Adam theirs(theirs_p, o);
    for (int step = 0; step < 10; ++step) {
      for (size_t i = 0; i < ours_p.size(); ++i) {
        const auto g = torch::randn_like(ours_p[i]) * (step + 1);
        ours_p[i].mutable_grad() = g.clone();
        theirs_p[i].mutable_grad() = g.clone();
      }
      ours.step();
      theirs.step();
    }
    for (size_t i = 0; i < ours_p.size(); ++i) {
      // The same formula in float32; LibTorch rounds between its seven operations, the fused pass does not.
      EXPECT_TRUE(torch::allclose(ours_p[i], theirs_p[i], 1e-6, 1e-6)) << i;
      EXPECT_FALSE(torch::allclose(ours_p[i], make_params()[i], 1e-3, 1e-3)) << "the parameters moved";
      if (decay > 0) EXPECT_TRUE(torch::equal(ours_p[i], theirs_p[i])) << "LibTorch's own step";
    }
    // Our state is LibTorch's: saved by one, loaded by the other, and stepping on from there alike.
    std::stringstream saved;
    {
      torch::serialize::OutputArchive ar;
      ours.save(ar);
      ar.save_to(saved);
    }
    torch::optim::Adam reloaded(theirs_p, o);
    {
      torch::serialize::InputArchive ar;
      ar.load_from(saved);
      reloaded.load(ar);
    }
    for (const auto& p : theirs_p) {
      const auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
      const auto& a = static_cast<torch::optim::AdamParamState&>(*reloaded.state().at(key));
      const auto& b = static_cast<torch::optim::AdamParamState&>(*theirs.state().at(key));
      EXPECT_EQ(a.step(), 10);
      EXPECT_TRUE(torch::allclose(a.exp_avg(), b.exp_avg(), 1e-6, 1e-7));
      EXPECT_TRUE(torch::allclose(a.exp_avg_sq(), b.exp_avg_sq(), 1e-6, 1e-9));
    }
  }
}

TEST(Optim, ClearedGradsAreUndefinedAndNonFiniteOnesAreFound) {
  auto a = torch::randn({40}, torch::requires_grad()), b = torch::randn({3, 5}, torch::requires_grad());
  optim::Adam opt({a, b}, torch::optim::AdamOptions(1e-3));
  (a.sum() + b.sum()).backward();
  EXPECT_TRUE(optim::gradients_finite({a, b}));
  b.mutable_grad()[2][4] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(optim::gradients_finite({a, b}));
  a.mutable_grad()[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(optim::gradients_finite({a}));
  const auto d = torch::randn({4}, torch::kFloat64).requires_grad_(true);  // LibTorch's check for others
  d.mutable_grad() = torch::full({4}, std::numeric_limits<double>::quiet_NaN(), torch::kFloat64);
  EXPECT_FALSE(optim::gradients_finite({d}));
  optim::clear_grads(opt);
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  EXPECT_TRUE(optim::gradients_finite({a, b}));
}

}  // namespace
}  // namespace ganforge
