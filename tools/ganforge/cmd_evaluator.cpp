#include "commands.h"
#include "ganforge/core/registry.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/ops/runtime.h"

namespace ganforge::cli {

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
}

}  // namespace ganforge::cli
