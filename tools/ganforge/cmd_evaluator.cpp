#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "ganforge/data/dataset.h"
#include "ganforge/data/images.h"
#include "ganforge/core/registry.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/ops/runtime.h"

namespace ganforge::cli {

namespace {

struct ScoreArgs {
  std::vector<std::string> train;
  evaluator::FitOptions fit;
  int threads = 0;
};

// `evaluator score`: the evaluator's classifier trained on labelled data (packs, possibly several:
// real and synthetic together), tested on a real test split; one JSON line on stdout.
void add_score(CLI::App* cmd) {
  auto a = std::make_shared<ScoreArgs>();
  a->fit.steps = 1000;
  CLI::App* score = cmd->add_subcommand(
      "score", "train the evaluator's classifier on labelled image packs (real, synthetic or both) and test it "
               "on a real test split: the small-data protocol's measure");
  score->add_option("--train", a->train, "an image pack (data prepare, augment); repeat to train on several")->required();
  score->add_option("--dataset", a->fit.dataset, "whose real test split to test on: mnist or fashion-mnist")
      ->check(CLI::IsMember({"mnist", "fashion-mnist"}));
  score->add_option("--steps", a->fit.steps, "training steps, whatever the data size (default 1000)")
      ->check(CLI::PositiveNumber);
  score->add_option("--seed", a->fit.seed, "seed of weights, data order and augmentation")->check(CLI::NonNegativeNumber);
  score->add_option("--threads", a->threads, "intra-op threads (0: one per core)")->check(CLI::NonNegativeNumber);
  score->callback([a]() {
    runtime::configure(a->threads);
    std::vector<data::ImageSet> sets;
    for (const auto& path : a->train) sets.push_back(data::read_pack(path));
    const data::Dataset ds = data::from_image_set(data::concatenate(sets));
    a->fit.console = nullptr;
    const evaluator::FitResult r = evaluator::score_classifier(ds.images, ds.labels, a->fit);
    nlohmann::json j = {{"train", a->train}, {"train_count", ds.size()}, {"dataset", a->fit.dataset},
                        {"test_accuracy", r.test_accuracy}, {"test_count", r.test_count}, {"steps", r.steps},
                        {"seed", a->fit.seed}, {"seconds", r.seconds}};
    std::printf("%s\n", j.dump().c_str());
  });
}

}  // namespace

void add_evaluator(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("evaluator", "the feature extractor behind the image metrics");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<evaluator::FitOptions>();
  auto threads = std::make_shared<int>(0);
  CLI::App* train = cmd->add_subcommand(
      "train", "train the evaluator CNN on a dataset's train split and report its test accuracy");
  std::vector<std::string> measured;  // the datasets a built-in evaluator measures
  for (const auto& e : registry::datasets())
    if (*e.evaluator) measured.push_back(e.name);
  train->add_option("--dataset", opts->dataset, "a dataset with a built-in evaluator: " + registry::joined(measured))
      ->check(CLI::IsMember(measured));
  train->add_option("--data", opts->data_dir, "IDX folder (default: the dataset's)");
  train->add_option("--out", opts->out, "evaluator file (default: data/evaluators/<dataset>.pt, used by eval)");
  train->add_option("--epochs", opts->epochs, "passes over the train split (default: mnist 20, fashion-mnist 8)")
      ->check(CLI::PositiveNumber);
  train->add_option("--max-steps", opts->max_steps, "stop after this many steps (quick checks)")
      ->check(CLI::PositiveNumber);
  train->add_option("--seed", opts->seed, "seed of weights, data order and augmentation")->check(CLI::NonNegativeNumber);
  train->add_option("--threads", *threads, "intra-op threads (0: one per core)")->check(CLI::NonNegativeNumber);
  train->callback([opts, threads]() {
    runtime::configure(*threads);
    evaluator::train_evaluator(*opts);
  });
  add_score(cmd);
}

}  // namespace ganforge::cli
