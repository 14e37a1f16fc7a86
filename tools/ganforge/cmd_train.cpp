#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include "commands.h"
#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/app/train.h"
#include "ganforge/run/layout.h"

namespace ganforge::cli {
namespace {

// First SIGINT/SIGTERM: finish the step, checkpoint, exit 0. A second one ends the process at once, by the
// signal's default action.
// The signals are blocked in every thread (the mask is inherited by the compute threads created later) and
// taken by one watcher thread with sigwait, so a signal never interrupts compute code. A handler running on
// the interrupted thread's stack corrupted the heap in about half the runs stopped while oneDNN's JIT sgemm
// was running (glibc "corrupted double-linked list"; never with LibTorch's BLAS): generated code that keeps
// data below the stack pointer beyond the ABI's 128-byte red zone is overwritten by a signal frame.
void install_stop_handlers() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    train::request_stop();
    const char msg[] = "\ntrain: stop requested: finishing the current step and writing a checkpoint "
                       "(signal again to quit at once)\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    if (sigwait(&set, &sig) != 0) return;
    std::signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
  }).detach();
}

}  // namespace

void add_train(CLI::App& app) {
  struct Args {
    std::string config, out, data, device, resume;
    std::vector<std::string> set;
    int64_t seed = -1;
    bool overwrite = false, list_keys = false, quiet = false, deterministic = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "train a GAN from a TOML config; writes a run directory");
  cmd->add_option("--config,config", args->config, "experiment config (TOML), e.g. configs/mnist-mlp.toml");
  cmd->add_option("--set", args->set, "override a config key: --set train.steps=2000 (repeatable)");
  cmd->add_option("--out", args->out, "run directory (default: runs/<config name>)");
  cmd->add_option("--resume", args->resume,
                  "continue the run in this directory from its newest usable checkpoint (its config.toml, "
                  "plus any --set)");
  cmd->add_flag("--deterministic", args->deterministic,
                "one thread, deterministic algorithms: a run repeats bitwise, also across a kill and --resume");
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
    if (!args->resume.empty() && (!args->config.empty() || !args->out.empty() || args->overwrite))
      throw UserError("train: --resume DIR takes the config from DIR/config.toml; drop --config/--out/--overwrite");
    if (args->config.empty() && args->resume.empty())
      throw UserError("train: --config FILE is required (see configs/), or --resume RUN_DIR");
    const run::Layout resumed(args->resume);
    if (!args->resume.empty() && !resumed.is_run())
      throw UserError(args->resume + ": not a ganforge run directory (no ganforge-run.json or config.toml) to resume");
    Config cfg = load_config(args->resume.empty() ? args->config : resumed.config());
    for (const auto& s : args->set) apply_override(cfg, s);
    if (args->seed >= 0) cfg.train.seed = args->seed;
    if (!args->data.empty()) cfg.data.dir = args->data;
    if (!args->device.empty()) cfg.train.device = args->device;
    if (args->deterministic) cfg.train.deterministic = true;
    validate(cfg);
    app::TrainOptions opts;
    opts.run_dir = !args->resume.empty() ? args->resume
                   : args->out.empty()    ? (std::filesystem::path("runs") / cfg.name).string()
                                          : args->out;
    opts.overwrite = args->overwrite;
    opts.resume = !args->resume.empty();
    opts.console = args->quiet ? nullptr : stderr;
    install_stop_handlers();
    try {
      app::train(cfg, opts);
    } catch (const WriteError& e) {
      // Nothing written before the failure is lost: say how to go on once there is space again.
      if (run::Layout(opts.run_dir).checkpoints().empty()) throw;
      throw WriteError(std::string(e.what()) + "; the run's last checkpoint is intact: free space, then continue " +
                       "with: ganforge train --resume " + opts.run_dir);
    }
  });
}

}  // namespace ganforge::cli
