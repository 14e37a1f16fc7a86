// Datasets and batching (data/dataset.h), and the budget in epochs.
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


TEST(Budget, EpochsCountRealBatchesSeenByD) {
  Config cfg;
  cfg.train.steps = 0;
  cfg.train.epochs = 2;
  cfg.train.d_steps = 1;
  EXPECT_EQ(train::total_steps(cfg, 62), 124);  // 8,000 / 128 = 62 full batches per epoch
  cfg.train.d_steps = 5;
  EXPECT_EQ(train::total_steps(cfg, 62), 25);  // ceil(124 / 5)
  cfg.train.epochs = 0;
  cfg.train.steps = 7;
  EXPECT_EQ(train::total_steps(cfg, 62), 7);
}

TEST(Data, SamplerCoversEachEpochOnceAndIsSeeded) {
  data::BatchSampler a(10, 3, 42), b(10, 3, 42), c(10, 3, 43);
  EXPECT_EQ(a.batches_per_epoch(), 3);
  std::vector<int64_t> seen;
  for (int i = 0; i < 3; ++i) {
    const auto idx = a.next();
    EXPECT_TRUE(torch::equal(idx, b.next()));
    for (int64_t j = 0; j < 3; ++j) seen.push_back(idx[j].item<int64_t>());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << "no index twice in one epoch";
  EXPECT_EQ(a.epoch(), 0);
  a.next();
  EXPECT_EQ(a.epoch(), 1) << "the 10th example is dropped; a new permutation starts";
  EXPECT_FALSE(torch::equal(data::BatchSampler(10, 3, 42).next(), c.next()));
}

TEST(Data, LoadsMnistScaledToSignedUnit) {
  const auto ds = data::load("mnist", test::source_dir() + "/data/mnist", "train");
  EXPECT_EQ(ds.size(), 8000);
  EXPECT_EQ(ds.image_shape(), (std::vector<int64_t>{1, 28, 28}));
  const auto x = data::to_signed_unit(ds.images.slice(0, 0, 100));
  EXPECT_FLOAT_EQ(x.min().item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(x.max().item<float>(), 1.0f);
  EXPECT_TRUE(torch::equal(data::to_uint8(x), ds.images.slice(0, 0, 100))) << "uint8 -> [-1, 1] -> uint8 is exact";
  const auto counts = torch::bincount(ds.labels);
  EXPECT_EQ(counts.numel(), 10);
  EXPECT_GT(counts.min().item<int64_t>(), 600) << "stratified split keeps every class";
  const auto test_split = data::load("mnist", test::source_dir() + "/data/mnist", "test");
  EXPECT_EQ(test_split.size(), 2000);
}

}  // namespace
}  // namespace ganforge
