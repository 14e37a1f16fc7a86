#include "commands.h"
#include "ganforge/core/error.h"
#include "ganforge/app/eval.h"
#include "ganforge/eval/image_metrics.h"
#include "ganforge/ops/runtime.h"

namespace ganforge::cli {

void add_eval(CLI::App& app) {
  auto opts = std::make_shared<EvalOptions>();
  auto threads = std::make_shared<int>(0);
  CLI::App* cmd = app.add_subcommand(
      "eval", "measure a trained run: FID, KID, IS, precision/recall, density/coverage, classes (images); modes, "
              "% high quality, reverse KL (2D toys); each with the real-data floor");
  add_generator_options(cmd, opts->run_dir, opts->checkpoint);
  cmd->add_option("--samples", opts->samples,
                  "instead of a run: images from an IDX file (uint8 [N, H, W], e.g. from `sample` or another "
                  "framework), measured against --dataset");
  cmd->add_option("--dataset", opts->dataset, "with --samples: the real data to compare against, e.g. fashion-mnist");
  cmd->add_option("--data", opts->data_dir, "with --samples: folder of the dataset's IDX files (default: data/<dataset>)");
  cmd->add_option("--n", opts->n, "generated samples (default: 10000 images, 2500 toy points as in PacGAN)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", opts->seed, "noise seed")->check(CLI::NonNegativeNumber);
  cmd->add_option("--metrics", opts->metrics, "comma-separated: fid,kid,is,pr,dc,classes (default: all)");
  cmd->add_option("--features", opts->features, "TorchScript feature extractor (.pt) instead of the evaluator");
  cmd->add_option("--evaluator", opts->evaluator, "evaluator file (default: the dataset's, trained on first use)");
  cmd->add_option("--threads", *threads, "intra-op threads (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--precision", opts->precision,
                  "fp32 (default) or bf16: the evaluator's features in bf16, faster, metrics within a small "
                  "shift (docs/bf16.md); G samples in fp32 either way")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_flag("--json", opts->json, "print the result as one JSON line");
  cmd->callback([opts, threads]() {
    if (opts->run_dir.empty() && opts->checkpoint.empty() && opts->samples.empty())
      throw UserError("eval: give --run DIR, --checkpoint FILE or --samples FILE.idx --dataset NAME");
    if (opts->samples.empty() && (!opts->dataset.empty() || !opts->data_dir.empty()))
      throw UserError("eval: --dataset and --data go with --samples (a run knows its data)");
    runtime::configure(*threads);
    evaluate(*opts);
  });
}

}  // namespace ganforge::cli
