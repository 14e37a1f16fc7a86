#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "ganforge/config.h"
#include "ganforge/error.h"
#include "ganforge/trainer.h"

namespace ganforge::cli {

void add_train(CLI::App& app) {
  struct Args {
    std::string config, out, data, device;
    std::vector<std::string> set;
    int64_t seed = -1;
    bool overwrite = false, list_keys = false, quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "train a GAN from a TOML config; writes a run directory");
  cmd->add_option("--config,config", args->config, "experiment config (TOML), e.g. configs/mnist-mlp.toml");
  cmd->add_option("--set", args->set, "override a config key: --set train.steps=2000 (repeatable)");
  cmd->add_option("--out", args->out, "run directory (default: runs/<config name>)");
  cmd->add_option("--seed", args->seed, "seed for weights, noise and data order (overrides train.seed)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--data", args->data, "folder of IDX files to train on (overrides data.dir)");
  cmd->add_option("--device", args->device, "cpu (default) or cuda with a CUDA build of LibTorch (overrides train.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_flag("--overwrite", args->overwrite, "replace an existing run directory (one that holds a ganforge run)");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_flag("--list-keys", args->list_keys, "list every config key with its type and meaning, then exit");
  cmd->callback([args]() {
    if (args->list_keys) {
      std::printf("config keys (TOML sections [data], [model], [loss], [optim], [train]):\n%s",
                  describe_keys().c_str());
      return;
    }
    if (args->config.empty()) throw UserError("train: --config FILE is required (see configs/)");
    Config cfg = load_config(args->config);
    for (const auto& s : args->set) apply_override(cfg, s);
    if (args->seed >= 0) cfg.seed = args->seed;
    if (!args->data.empty()) cfg.data_dir = args->data;
    if (!args->device.empty()) cfg.device = args->device;
    validate(cfg);
    TrainOptions opts;
    opts.run_dir = args->out.empty() ? (std::filesystem::path("runs") / cfg.name).string() : args->out;
    opts.overwrite = args->overwrite;
    opts.console = args->quiet ? nullptr : stderr;
    train(cfg, opts);
  });
}

}  // namespace ganforge::cli
