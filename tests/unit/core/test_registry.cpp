// The registries (core/registry.h) against their implementations: every registered name is built by the
// LibTorch side, and the config schema offers exactly the registered names.
#include <torch/torch.h>

#include "ganforge/app/bench.h"
#include "ganforge/core/config.h"
#include "ganforge/core/registry.h"
#include "ganforge/data/dataset.h"
#include "ganforge/core/error.h"
#include "ganforge/losses/adversarial.h"
#include "ganforge/models/registry.h"
#include "test_util.h"

namespace ganforge {
namespace {

TEST(Registry, EveryLossHasAnImplementation) {
  for (const auto& name : registry::loss_names()) EXPECT_NO_THROW(losses::make(name)) << name;
  EXPECT_THROW(losses::make("nope"), UserError);
}

TEST(Registry, EveryArchitectureBuildsBothNetworks) {
  for (const auto& name : registry::arch_names()) {
    ModelConfig m;
    m.arch = name;
    EXPECT_NO_THROW(models::make_generator(m, {1, 28, 28})) << name;
    EXPECT_NO_THROW(models::make_discriminator(m, {1, 28, 28})) << name;
  }
}

TEST(Registry, EveryDatasetLoadsWithTheKindItIsRegisteredWith) {
  for (const auto& e : registry::datasets()) {
    SCOPED_TRACE(e.name);
    const data::Dataset test = data::load(e.name, "", "test");  // the files setup.sh installs
    EXPECT_EQ(test.is_points(), e.kind == registry::DataKind::kPoints);
    EXPECT_EQ(data::is_toy(e.name), e.kind == registry::DataKind::kPoints);
    EXPECT_GT(e.eval_n, 0);
    if (*e.evaluator) EXPECT_TRUE(registry::dataset(e.evaluator).kind == registry::DataKind::kImages);
  }
}

TEST(Registry, ConfigChoicesAreTheRegisteredNames) {
  Config cfg;
  for (const auto& name : registry::dataset_names()) EXPECT_NO_THROW(apply_override(cfg, "data.dataset=" + name));
  for (const auto& name : registry::arch_names()) EXPECT_NO_THROW(apply_override(cfg, "model.arch=" + name));
  for (const auto& name : registry::loss_names()) EXPECT_NO_THROW(apply_override(cfg, "loss.type=" + name));
  EXPECT_THROW(apply_override(cfg, "loss.type=nope"), UserError);
  for (const auto& key : registry::metric_keys())
    if (registry::metric_of_key(key)->during_training)
      EXPECT_NO_THROW(apply_override(cfg, "train.eval_best=" + key)) << key;
  EXPECT_THROW(apply_override(cfg, "train.eval_best=classes"), UserError) << "a table, not a number";
  // Every metric is known to describe_keys's help and to the metric lookup by key.
  for (const auto& m : registry::metrics())
    for (const auto& key : m.keys) EXPECT_EQ(registry::metric_of_key(key), &m);
}

TEST(Registry, EveryBenchCaseIsBuilt) {
  for (const auto& name : bench::case_names()) {
    if (name == "eval" || name.rfind("sgemm", 0) == 0) continue;  // these allocate 10,000 images or 2048^2
    EXPECT_NO_THROW(bench::make_case(name)) << name;
  }
}

}  // namespace
}  // namespace ganforge
