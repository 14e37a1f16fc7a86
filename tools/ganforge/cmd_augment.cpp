#include <cstdio>
#include <memory>

#include "commands.h"
#include "ganforge/app/augment.h"

namespace ganforge::cli {

void add_augment(CLI::App& app) {
  auto o = std::make_shared<AugmentOptions>();
  CLI::App* cmd = app.add_subcommand("augment", "write a labelled synthetic dataset from a run's generator");
  add_generator_options(cmd, o->run_dir, o->checkpoint);
  cmd->add_option("--per-class", o->per_class, "images of each class (default 1000)")->check(CLI::PositiveNumber);
  cmd->add_option("--out", o->out,
                  "X.pack (image pack), X.idx[.gz] (grey IDX + X-labels.idx[.gz]) or a new folder (PNGs in a "
                  "sub-folder per class)")
      ->required();
  cmd->add_option("--seed", o->seed, "noise seed")->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-confidence", o->min_confidence,
                  "unconditional runs: keep a sample when the evaluator gives its class at least this probability "
                  "(default 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--max-draws", o->max_draws, "unconditional runs: stop after this many samples (default 20 x per class x classes)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([o]() {
    require_generator("augment", o->run_dir, o->checkpoint);
    const AugmentResult r = augment(*o);
    int64_t total = 0;
    std::string counts;
    for (size_t k = 0; k < r.per_class.size(); ++k) {
      total += r.per_class[k];
      counts += (k ? ", " : "") + r.classes[k] + ": " + std::to_string(r.per_class[k]);
    }
    std::printf("augment: %lld images (%s) from %lld samples, labels from %s -> %s\n", static_cast<long long>(total),
                counts.c_str(), static_cast<long long>(r.drawn), r.labels_from.c_str(), o->out.c_str());
    for (size_t k = 0; k < r.per_class.size(); ++k)
      if (r.per_class[k] < o->per_class)
        std::fprintf(stderr, "warning: class %s has %lld of the %lld asked for (raise --max-draws or lower --min-confidence)\n",
                     r.classes[k].c_str(), static_cast<long long>(r.per_class[k]), static_cast<long long>(o->per_class));
  });
}

}  // namespace ganforge::cli
