#include <cstdio>

#include "commands.h"
#include "ganforge/error.h"
#include "ganforge/sample.h"

namespace ganforge::cli {

void add_sample(CLI::App& app) {
  auto opts = std::make_shared<SampleOptions>();
  CLI::App* cmd = app.add_subcommand("sample", "generate images from a trained run");
  cmd->add_option("--run", opts->run_dir, "run directory (its newest checkpoint is used)");
  cmd->add_option("--checkpoint", opts->checkpoint, "a specific checkpoint file (.pt)");
  cmd->add_option("--n", opts->n, "number of images")->check(CLI::PositiveNumber);
  cmd->add_option("--out", opts->out, "output: .png (grid), .idx or .idx.gz (uint8 IDX images)")->required();
  cmd->add_option("--seed", opts->seed, "noise seed")->check(CLI::NonNegativeNumber);
  cmd->callback([opts]() {
    if (opts->run_dir.empty() && opts->checkpoint.empty()) throw UserError("sample: give --run DIR or --checkpoint FILE");
    const std::string used = sample(*opts);
    std::fprintf(stderr, "sample: %lld images from %s -> %s\n", static_cast<long long>(opts->n), used.c_str(),
                 opts->out.c_str());
  });
}

}  // namespace ganforge::cli
