// The registries (core/registry.h) against their implementations: every registered name is built by the
// LibTorch side, and the config schema offers exactly the registered names.
#include <torch/torch.h>

#include "ganforge/app/bench.h"
#include "ganforge/app/eval.h"
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
    // 32x32: a size every architecture takes (pix2pix: powers of two from 32).
    EXPECT_NO_THROW(models::make_generator(m, {1, 32, 32})) << name;
    EXPECT_NO_THROW(models::make_discriminator(m, {1, 32, 32})) << name;
  }
}

TEST(Registry, EveryDatasetLoadsWithTheKindItIsRegisteredWith) {
  for (const auto& e : registry::datasets()) {
    SCOPED_TRACE(e.name);
    // The files setup.sh installs; your own images are a folder it writes.
    const std::string dir = std::string(e.name) == "images" ? "data/fashion-mnist-png" : "";
    const data::Dataset test = data::load(e.name, dir, "test");
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

TEST(Registry, EvalTablePrintsTheRowsEachMetricRegisters) {
  const nlohmann::json line = {
      {"extractor", {{"name", "x"}, {"hash", "h"}}},
      {"reference", {{"split", "train"}, {"n", 10}}},
      {"generated", {{"n", 4}, {"fid", 1.5}, {"kid", {{"mean", 0.002}, {"std", 0.0001}}}, {"cas", {{"accuracy", 0.5}}},
                     {"label_accuracy", 0.25}, {"classes", {{"covered", 3}, {"represented", 2}, {"of", 10}, {"kl", 0.1},
                                                            {"kl_uniform", "inf"}}}}},
      {"real_floor", {{"n", 5}, {"fid", 0.1}, {"kid", {{"mean", 0.0}, {"std", 0.001}}},
                      {"classes", {{"covered", 10}, {"represented", 10}, {"of", 10}, {"kl", 0.0}, {"kl_uniform", 0.0}}}}}};
  FILE* out = std::tmpfile();
  print_image_table(out, line);
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
  std::fclose(out);
  for (const char* row : {"n                                 4                5",
                          "FID                           1.500            0.100",
                          "KID x 1000             2.00 +- 0.10     0.00 +- 1.00",
                          "CAS (accuracy)               0.5000                -",
                          "label accuracy               0.2500        1 - error",
                          "classes covered                3/10            10/10",
                          "classes >= 1/4 share             2/10            10/10",
                          "class KL uniform                inf           0.0000"})
    EXPECT_NE(text.find(row), std::string::npos) << "no row '" << row << "' in:\n" << text;
  EXPECT_EQ(text.find("IS (classes)"), std::string::npos) << "a metric the line lacks has no row";
  EXPECT_LT(text.find("CAS"), text.find("label accuracy"));
  EXPECT_LT(text.find("label accuracy"), text.find("classes covered"));
}

TEST(Registry, EveryBenchCaseIsBuilt) {
  for (const auto& name : bench::case_names()) {
    if (name == "eval" || name.rfind("sgemm", 0) == 0) continue;  // these allocate 10,000 images or 2048^2
    EXPECT_NO_THROW(bench::make_case(name)) << name;
  }
}

}  // namespace
}  // namespace ganforge
