#include "ganforge/app/train.h"

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/ops/runtime.h"
#include "ganforge/train/observers.h"

namespace ganforge::app {
namespace {

void say(FILE* console, const std::string& msg) {
  if (console) std::fprintf(console, "%s\n", msg.c_str());
}

void check_labels(const Config& cfg, const data::Dataset& ds) {
  if (cfg.model.conditional.empty()) return;
  if (ds.labels.min().item<int64_t>() < 0 || ds.labels.max().item<int64_t>() >= cfg.model.classes)
    throw UserError("config: model.classes = " + std::to_string(cfg.model.classes) + " but the data's labels go up to " +
                    std::to_string(ds.labels.max().item<int64_t>()));
}

}  // namespace

train::TrainResult train(const Config& cfg, const TrainOptions& opts) {
  validate(cfg);
  if (cfg.train.device != "cpu" && !torch::cuda::is_available())
    throw UserError("train.device = '" + cfg.train.device + "' but this LibTorch build sees no CUDA device");
  if (cfg.train.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  say(opts.console, runtime::summary(runtime::configure(cfg.train.deterministic ? 1 : static_cast<int>(cfg.train.threads))));

  const data::Dataset ds = data::load(cfg.data.dataset, cfg.data.dir, "train");
  train::TrainState s = train::make_state(cfg, ds.image_shape(), ds.size());
  check_labels(cfg, ds);  // before anything is written: bad input creates nothing
  const run::Layout run(opts.run_dir);
  if (opts.resume) {
    const std::string from = run::newest_usable_checkpoint(run, opts.console);
    run.remove_partial_writes();
    run.mark();
    train::load_state(from, s);
    say(opts.console, "train: resuming from " + from + " (step " + std::to_string(s.step) + ")");
  } else {
    run.create(opts.overwrite);
  }
  fs::write_text_atomic(run.config(), to_toml(cfg));
  const losses::Objective objective(cfg.loss);
  const int64_t steps = train::total_steps(cfg, s.sampler->batches_per_epoch());
  say(opts.console, "train: " + cfg.name + ": " + ds.name + " " + std::to_string(ds.size()) + " images, G " +
                        std::to_string(models::count_parameters(*s.g)) + " params, D " +
                        std::to_string(models::count_parameters(*s.d)) + " params, " + std::to_string(steps) +
                        " steps of batch " + std::to_string(cfg.data.batch_size) + " -> " + opts.run_dir);

  train::Session session(s, ds, objective, steps, opts.resume);
  session.poison_steps.insert(opts.inject_nonfinite_at.begin(), opts.inject_nonfinite_at.end());
  session.add(train::divergence_guard(run, opts.console));
  session.add(train::saturation_monitor());
  if (opts.console) session.add(train::progress(opts.console, opts.run_dir));
  session.add(train::run_log(run));
  session.add(train::sample_grids(run));
  if (cfg.train.eval_every > 0) session.add(train::periodic_eval(run, opts.console));
  session.add(train::checkpoints(run));
  return session.run();
}

}  // namespace ganforge::app
