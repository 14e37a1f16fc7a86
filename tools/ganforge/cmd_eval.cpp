#include "commands.h"
#include "ganforge/error.h"
#include "ganforge/evaluate.h"

namespace ganforge::cli {

void add_eval(CLI::App& app) {
  auto opts = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "measure a trained run (2D toys: modes covered, % high quality, reverse KL)");
  cmd->add_option("--run", opts->run_dir, "run directory (its newest usable checkpoint is used)");
  cmd->add_option("--checkpoint", opts->checkpoint, "a specific checkpoint file (.pt)");
  cmd->add_option("--n", opts->n, "generated samples (default 2500, the PacGAN protocol)")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", opts->seed, "noise seed")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", opts->json, "print the result as one JSON line");
  cmd->callback([opts]() {
    if (opts->run_dir.empty() && opts->checkpoint.empty()) throw UserError("eval: give --run DIR or --checkpoint FILE");
    evaluate(*opts);
  });
}

}  // namespace ganforge::cli
