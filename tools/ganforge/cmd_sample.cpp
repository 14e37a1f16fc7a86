#include <cstdio>

#include "commands.h"
#include "ganforge/core/error.h"
#include "ganforge/app/sample.h"

namespace ganforge::cli {

void add_sample(CLI::App& app) {
  auto opts = std::make_shared<SampleOptions>();
  CLI::App* cmd = app.add_subcommand("sample", "generate images from a trained run");
  add_generator_options(cmd, opts->run_dir, opts->checkpoint);
  cmd->add_option("--n", opts->n, "number of images")->check(CLI::PositiveNumber);
  cmd->add_option("--out", opts->out,
                  "output: .png (grid), .idx or .idx.gz (uint8 IDX images), .pt (torch.load: {z, images, labels}, "
                  "float values in [-1, 1]) or, for 2D data, .csv")
      ->required();
  cmd->add_option("--seed", opts->seed, "noise seed")->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch", opts->batch, "images per forward pass (default 1024); the noise depends on it")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--label", opts->label, "conditional runs: images of this class only")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--precision", opts->precision,
                  "fp32 (default) or bf16: G's products in bf16 (CPUs with AVX512-BF16; `ganforge info` says)")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  auto labels = std::make_shared<std::string>();
  cmd->add_option("--labels", *labels, "conditional runs: 'all' = --n images of each class, a grid row per class")
      ->check(CLI::IsMember({"all"}));
  cmd->callback([opts, labels]() {
    require_generator("sample", opts->run_dir, opts->checkpoint);
    opts->all_labels = *labels == "all";
    if (opts->all_labels && opts->label >= 0) throw UserError("sample: give --label K or --labels all, not both");
    const std::string used = sample(*opts);
    std::fprintf(stderr, "sample: %lld images%s from %s -> %s\n", static_cast<long long>(opts->n),
                 opts->all_labels ? " of each class" : "", used.c_str(), opts->out.c_str());
  });
}

}  // namespace ganforge::cli
