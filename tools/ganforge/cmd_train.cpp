#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include "commands.h"
#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/core/registry.h"
#include "ganforge/data/images.h"
#include "ganforge/app/train.h"
#include "ganforge/dist/launch.h"
#include "ganforge/dist/team.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/layout.h"

namespace ganforge::cli {
namespace {

// First SIGINT/SIGTERM: finish the step, checkpoint, exit 0. A second one ends the process at once, by the
// signal's default action, except under a launcher: Ctrl-C reaches a worker twice there (from the terminal and
// forwarded by torchrun's agent), so every signal only asks to stop, and the agent's own escalation (SIGKILL
// after its grace period) stands in for the second Ctrl-C.
// The signals are blocked in every thread (the mask is inherited by the compute threads created later) and
// taken by one watcher thread with sigwait, so a signal never interrupts compute code. A handler running on
// the interrupted thread's stack corrupted the heap in about half the runs stopped while oneDNN's JIT sgemm
// was running (glibc "corrupted double-linked list"; never with LibTorch's BLAS): generated code that keeps
// data below the stack pointer beyond the ABI's 128-byte red zone is overwritten by a signal frame.
void install_stop_handlers(bool launched) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, launched] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    train::request_stop();
    const char msg[] = "\ntrain: stop requested: finishing the current step and writing a checkpoint "
                       "(signal again to quit at once)\n";
    const char launched_msg[] = "\ntrain: stop requested: every process finishes the same step, then rank 0 "
                                "writes a checkpoint\n";
    [[maybe_unused]] auto n = launched ? ::write(STDERR_FILENO, launched_msg, sizeof launched_msg - 1)
                                       : ::write(STDERR_FILENO, msg, sizeof msg - 1);
    if (launched) {
      while (sigwait(&set, &sig) == 0) {
      }
      return;
    }
    if (sigwait(&set, &sig) != 0) return;
    std::signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
  }).detach();
}

// `--nproc N`: hand this command line (without --nproc) to the standard launcher, which starts N copies of
// it on this machine. Replaces this process; returns only by throwing.
[[noreturn]] void run_launcher(int nproc, int max_restarts) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  for (size_t i = 0; i < raw.size();) {
    const size_t end = raw.find('\0', i);
    argv.push_back(raw.substr(i, end - i));
    i = end == std::string::npos ? raw.size() : end + 1;
  }
  const auto sub = std::find(argv.begin(), argv.end(), "train");
  const std::vector<std::string> args(sub == argv.end() ? argv.end() : sub + 1, argv.end());
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto cmd = dist::torchrun_argv(nproc, max_restarts, dist::free_local_port(), self,
                                       dist::without_option(dist::without_option(args, "--nproc"), "--max-restarts"));
  std::vector<char*> c_argv;
  for (const auto& a : cmd) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execvp(c_argv[0], c_argv.data());
  throw UserError("train --nproc: could not run torchrun (" + std::string(std::strerror(errno)) +
                  "); it comes with Debian's python3-torch");
}

// The resolved config of `--resume DIR`. In a distributed launch rank 0 reads DIR/config.toml and hands it to
// the other ranks: on other machines DIR need not exist.
Config resume_config(const std::string& dir, train::Team* team) {
  const run::Layout run(dir);
  if (!team) {
    if (!run.is_run()) throw UserError(dir + ": not a ganforge run directory (no ganforge-run.json or config.toml) to resume");
    return load_config(run.config());
  }
  std::string text;
  if (team->rank() == 0) {
    if (run.is_run()) {
      const auto bytes = fs::read_file_bytes(run.config());
      text.assign(bytes.begin(), bytes.end());
    }
    if (text.empty()) {
      team->broadcast_bytes("");  // the other ranks stop too
      throw UserError(dir + ": not a ganforge run directory (no ganforge-run.json or config.toml) to resume");
    }
  }
  text = team->broadcast_bytes(text);
  if (text.empty()) throw UserError("rank 0 found no run to resume in " + dir);
  return parse_config(text, run.config());
}

struct TrainArgs {
  std::string config, out, data, device, resume;
  std::vector<std::string> set;
  int64_t seed = -1;
  int nproc = 0, max_restarts = 0;
  double dist_timeout = 600, bucket_mb = 25;
  bool overwrite = false, list_keys = false, quiet = false, deterministic = false;
};

// --data PATH: IDX files for a built-in set, or your own images (a folder or a pack), which switch the
// config to data.dataset = images (and off periodic evaluation, which needs a built-in evaluator).
void use_data(Config& cfg, const std::string& path, FILE* console) {
  cfg.data.dir = path;
  if (cfg.data.dataset == "images" || !data::is_image_source(path)) return;
  if (registry::dataset(cfg.data.dataset).kind == registry::DataKind::kPoints) return;
  std::string note = "train: --data " + path + " holds images, not IDX files: data.dataset = images";
  if (cfg.train.eval_every > 0) note += ", train.eval_every = 0 (no built-in evaluator for your images)";
  cfg.data.dataset = "images";
  cfg.train.eval_every = 0;
  if (console) std::fprintf(console, "%s\n", note.c_str());
}

void run_train(const TrainArgs& a) {
  if (a.list_keys) {
    std::printf("config keys (TOML sections [data], [model], [loss], [optim], [train]):\n%s",
                describe_keys().c_str());
    return;
  }
  if (!a.resume.empty() && (!a.config.empty() || !a.out.empty() || a.overwrite))
    throw UserError("train: --resume DIR takes the config from DIR/config.toml; drop --config/--out/--overwrite");
  if (a.config.empty() && a.resume.empty())
    throw UserError("train: --config FILE is required (see configs/), or --resume RUN_DIR");
  const auto launch = dist::launch_from_env();
  if (a.max_restarts > 0 && a.nproc == 0)
    throw UserError("train: --max-restarts goes with --nproc (under torchrun, give torchrun --max_restarts)");
  if (a.nproc > 0) {
    if (launch) throw UserError("train: --nproc starts the launcher, but this process was started by one (RANK is set): drop --nproc");
    run_launcher(a.nproc, a.max_restarts);
  }
  // Before any thread exists (c10d's and Gloo's included): they inherit the blocked signals.
  install_stop_handlers(launch.has_value());
  // A distributed launch joins its ranks first: everything after is done together.
  std::shared_ptr<train::Team> team;
  if (launch && launch->distributed()) team = dist::join(*launch, {a.dist_timeout, a.bucket_mb});
  Config cfg = a.resume.empty() ? load_config(a.config) : resume_config(a.resume, team.get());
  for (const auto& s : a.set) apply_override(cfg, s);
  if (a.seed >= 0) cfg.train.seed = a.seed;
  if (!a.data.empty()) use_data(cfg, a.data, a.quiet ? nullptr : stderr);
  if (!a.device.empty()) cfg.train.device = a.device;
  if (a.deterministic) cfg.train.deterministic = true;
  validate(cfg);
  app::TrainOptions opts;
  opts.run_dir = !a.resume.empty() ? a.resume
                 : a.out.empty()    ? (std::filesystem::path("runs") / cfg.name).string()
                                    : a.out;
  opts.overwrite = a.overwrite;
  opts.resume = !a.resume.empty();
  opts.console = a.quiet ? nullptr : stderr;
  opts.team = team;
  if (launch) {
    opts.local_processes = launch->local_world;
    opts.elastic_restart = launch->restart_count > 0;
  }
  try {
    app::train(cfg, opts);
  } catch (const WriteError& e) {
    // Nothing written before the failure is lost: say how to go on once there is space again.
    if (run::Layout(opts.run_dir).checkpoints().empty()) throw;
    throw WriteError(std::string(e.what()) + "; the run's last checkpoint is intact: free space, then continue " +
                     "with: ganforge train --resume " + opts.run_dir);
  }
}

}  // namespace

void add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
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
  cmd->add_option("--data", args->data,
                  "data to train on (overrides data.dir): a folder of IDX files, a folder of PNG/JPEG images "
                  "(class sub-folders or none) or a `ganforge data prepare` pack");
  cmd->add_option("--device", args->device, "cpu (default) or cuda with a CUDA build of LibTorch (overrides train.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_flag("--overwrite", args->overwrite, "replace an existing run directory (one that holds a ganforge run)");
  cmd->add_flag("--quiet,-q", args->quiet, "no progress output");
  cmd->add_option("--nproc", args->nproc,
                  "train on N processes of this machine: runs the standard launcher (torchrun, --standalone's "
                  "rendezvous on a free port) for you")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-restarts", args->max_restarts,
                  "with --nproc: restart the processes up to K times after one fails; each restart resumes from "
                  "the newest checkpoint")
      ->check(CLI::Range(0, 1000));
  cmd->add_option("--dist-timeout", args->dist_timeout,
                  "distributed runs: seconds to wait for the other ranks, at the start and in each exchange "
                  "(default 600)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--dist-bucket-mb", args->bucket_mb,
                  "distributed runs: gradients are averaged in buckets of up to this many MiB, one allreduce "
                  "each (default 25; 0: one allreduce per tensor)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--list-keys", args->list_keys, "list every config key with its type and meaning, then exit");
  cmd->callback([args]() { run_train(*args); });
}

}  // namespace ganforge::cli
