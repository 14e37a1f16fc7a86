#include "ganforge/app/train.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <thread>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/ops/precision.h"
#include "ganforge/ops/runtime.h"
#include "ganforge/train/observers.h"

namespace ganforge::app {
namespace {

void say(FILE* console, const std::string& msg) {
  if (console && !msg.empty()) std::fprintf(console, "%s\n", msg.c_str());
}

void check_labels(const Config& cfg, const data::Dataset& ds) {
  if (cfg.model.conditional.empty()) return;
  if (ds.name == "images" && ds.classes.empty())
    throw UserError("config: model.conditional = " + cfg.model.conditional + " needs class labels, and " + cfg.data.dir +
                    " has none (put each class's images in a sub-folder named after it)");
  if (ds.labels.min().item<int64_t>() < 0 || ds.labels.max().item<int64_t>() >= cfg.model.classes)
    throw UserError("config: model.classes = " + std::to_string(cfg.model.classes) + " but the data's labels go up to " +
                    std::to_string(ds.labels.max().item<int64_t>()));
}

// pix2pix needs an input for every image, of the channels its G takes; other architectures train on the images
// of a paired set and leave the inputs alone.
void check_pairs(const Config& cfg, data::Dataset& ds) {
  if (cfg.model.arch != "pix2pix") {
    ds.inputs = torch::Tensor();
    return;
  }
  if (!ds.paired())
    throw UserError("config: model.arch = 'pix2pix' needs paired data and " + cfg.data.dir + " has no inputs: make it " +
                    "with `ganforge data edges`, or set data.pairs = 'edges'");
  if (ds.inputs.size(1) != cfg.model.input_channels)
    throw UserError("config: model.input_channels = " + std::to_string(cfg.model.input_channels) + " but the data's inputs have " +
                    std::to_string(ds.inputs.size(1)) + " channel(s)");
}

void check_team_batch(const Config& cfg, const train::Team& team) {
  if (cfg.train.device != "cpu")
    throw UserError("train.device = '" + cfg.train.device + "': data-parallel training runs on the CPU (Gloo); " +
                    "train on one process for a GPU");
  const int64_t n = team.size(), b = cfg.data.batch_size;
  if (b % n != 0)
    throw UserError("config: data.batch_size = " + std::to_string(b) + " does not split over " + std::to_string(n) +
                    " processes (the batch is the whole step's, split evenly: make it a multiple of " +
                    std::to_string(n) + ")");
  if ((b / n) % cfg.model.pack != 0)
    throw UserError("config: data.batch_size / processes = " + std::to_string(b / n) + " is not a multiple of " +
                    "model.pack = " + std::to_string(cfg.model.pack));
}

// What every rank must agree on: the resolved config (data.dir aside: each machine has its own path) and
// the data's size and shape.
std::string team_fingerprint(Config cfg, const data::Dataset& ds) {
  cfg.data.dir.clear();
  std::string shape;
  for (int64_t d : ds.image_shape()) shape += std::to_string(d) + " ";
  return to_toml(cfg) + "\n# data: " + std::to_string(ds.size()) + " examples of shape " + shape + "\n";
}

// The first line where two texts differ, as "`a` vs `b`".
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  auto line_at = [i](const std::string& s) {
    const size_t from = s.rfind('\n', i == 0 ? 0 : i - 1), to = s.find('\n', i);
    return s.substr(from == std::string::npos ? 0 : from + 1, to == std::string::npos ? std::string::npos : to - from - 1);
  };
  const size_t section = b.rfind("\n[", i);
  const std::string where = section == std::string::npos ? "" : b.substr(section + 1, b.find('\n', section + 1) - section - 1) + " ";
  return where + "`" + line_at(b) + "` here, `" + line_at(a) + "` on rank 0";
}

// Every rank prepared its state (or failed to): agree that all did and that they train the same thing, or
// stop every rank with the reason.
void agree_on_start(train::Team& team, const std::string& fingerprint, std::exception_ptr failure) {
  const std::string rank0 = team.broadcast_bytes(failure ? "" : fingerprint);
  int64_t status = 0;  // 0 ready, 1 failed, 2 a config that differs from rank 0's
  if (failure) status = 1;
  else if (!rank0.empty() && rank0 != fingerprint) status = 2;
  const torch::Tensor all = team.allgather(torch::tensor({status}, torch::kInt64));
  if (failure) std::rethrow_exception(failure);
  if (status == 2)
    throw UserError("rank " + std::to_string(team.rank()) + "'s resolved config differs from rank 0's: " +
                    first_difference(rank0, fingerprint) + " (every rank must train the same config; only data.dir may differ)");
  for (int64_t r = 0; r < all.size(0); ++r)
    if (all[r][0].item<int64_t>() != 0)
      throw UserError("rank " + std::to_string(r) + " could not start (its own error says why); stopping rank " +
                      std::to_string(team.rank()));
}

bool same_config(const run::Layout& run, const Config& cfg) {
  try {
    const auto bytes = fs::read_file_bytes(run.config());
    return std::string(bytes.begin(), bytes.end()) == to_toml(cfg);
  } catch (const UserError&) {
    return false;
  }
}

// Rank 0 (or the only process) decides whether this is a new run or a resumed one, and creates or claims
// the run directory; the other ranks learn the decision. Returns whether the run resumes.
bool claim_run_directory(const Config& cfg, const TrainOptions& opts, const run::Layout& run) {
  const bool writer = !opts.team || opts.team->rank() == 0;
  std::string decision;
  if (writer) {
    try {
      bool resume = opts.resume;
      bool overwrite = opts.overwrite;
      // The launcher restarted the group after a failure: this run directory, written by an earlier
      // attempt of the same launch (the same resolved config), continues from its newest checkpoint.
      if (opts.elastic_restart && !resume && run.is_run() && same_config(run, cfg)) {
        resume = !run.checkpoints().empty();
        overwrite = !resume;  // killed before its first checkpoint: nothing to keep but the config
      }
      if (!resume) run.create(overwrite);
      decision = resume ? "resume" : "new";
    } catch (const std::exception& e) {
      if (opts.team) opts.team->broadcast_bytes("E" + std::string(e.what()));
      throw;
    }
  }
  if (opts.team) decision = opts.team->broadcast_bytes(decision);
  if (decision.empty() || decision[0] == 'E')
    throw UserError("rank 0 could not start the run: " + (decision.empty() ? std::string() : decision.substr(1)));
  return decision == "resume";
}

int threads_for(const Config& cfg, const TrainOptions& opts) {
  if (cfg.train.deterministic) return 1;
  if (cfg.train.threads > 0 || !opts.team) return static_cast<int>(cfg.train.threads);
  // Processes that share this machine share its cores.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, opts.local_processes));
}

struct Prepared {
  data::Dataset data;
  train::TrainState state;
};

// The data and the state built from the config. Bad input creates nothing: data, models and labels are
// checked before the run directory is touched; in a data-parallel run every rank checks, and all stop if
// one fails or trains something else.
Prepared prepare(const Config& cfg, const TrainOptions& opts, FILE* console) {
  std::optional<Prepared> p;
  std::exception_ptr failure;
  try {
    data::Dataset ds = data::load(cfg.data, "train", console);
    check_pairs(cfg, ds);
    train::TrainState s = train::make_state(cfg, ds.image_shape(), ds.size());
    check_labels(cfg, ds);
    p = Prepared{std::move(ds), std::move(s)};
  } catch (...) {
    failure = std::current_exception();
  }
  if (opts.team)
    agree_on_start(*opts.team, p ? team_fingerprint(cfg, p->data) : "", failure);
  else if (failure)
    std::rethrow_exception(failure);
  p->state.team = opts.team;
  return std::move(*p);
}

void resume(train::TrainState& s, const run::Layout& run, FILE* console) {
  const std::string from = train::load_shared(s, [&] {
    const std::string newest = run::newest_usable_checkpoint(run, console);
    run.remove_partial_writes();
    run.mark();
    return newest;
  });
  say(console, "train: resuming from " + from + " (step " + std::to_string(s.step) + ")");
  const int64_t world = s.team ? s.team->size() : 1;
  if (s.checkpoint_world != world)
    say(console, "warning: this run was trained by " + std::to_string(s.checkpoint_world) +
                     " process(es) and goes on with " + std::to_string(world) +
                     ": the data order and noise are unchanged; dropout draws and BatchNorm's per-process batch " +
                     "statistics differ, so it will not repeat a run of the old size bitwise");
}

// A data-parallel run's closing line: the share of rank 0's training time spent in the steps' exchanges
// (the start's broadcasts left out) and the data averaged per step.
class CommunicationReport {
 public:
  CommunicationReport(const train::Team* team, int64_t first_step)
      : team_(team),
        first_step_(first_step),
        seconds0_(team ? team->communication_seconds() : 0),
        values0_(team ? team->averaged_values() : 0) {}
  std::string line(const train::TrainResult& r) const {
    if (!team_ || r.seconds <= 0 || r.steps <= first_step_) return "";
    const double share = (team_->communication_seconds() - seconds0_) / r.seconds;
    const double mib = static_cast<double>(team_->averaged_values() - values0_) * 4 / (1 << 20);
    char text[200];
    std::snprintf(text, sizeof text,
                  "train: %d processes: %.0f%% of rank 0's training time in collectives, %.2f MiB averaged per step",
                  team_->size(), 100 * share, mib / static_cast<double>(r.steps - first_step_));
    return text;
  }

 private:
  const train::Team* team_;
  int64_t first_step_;
  double seconds0_;
  int64_t values0_;
};

}  // namespace

train::TrainResult train(const Config& cfg, const TrainOptions& opts) {
  validate(cfg);
  if (cfg.train.device != "cpu" && !torch::cuda::is_available())
    throw UserError("train.device = '" + cfg.train.device + "' but this LibTorch build sees no CUDA device");
  precision::require(cfg.train.precision, "train.precision");
  if (opts.team) check_team_batch(cfg, *opts.team);
  const bool writer = !opts.team || opts.team->rank() == 0;
  FILE* console = writer ? opts.console : nullptr;  // the other ranks speak only of errors
  if (cfg.train.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  say(console, runtime::summary(runtime::configure(threads_for(cfg, opts))));
  if (cfg.train.precision == "bf16")
    say(console, "precision: bf16 (products and convolutions in bf16 under autocast; weights, Adam, losses fp32)");

  Prepared p = prepare(cfg, opts, console);
  train::TrainState& s = p.state;
  const run::Layout run(opts.run_dir);
  const bool resumed = claim_run_directory(cfg, opts, run);
  if (resumed)
    resume(s, run, console);
  else
    train::start_team(s);
  if (writer) fs::write_text_atomic(run.config(), to_toml(cfg));
  if (writer && !p.data.info_json.empty()) fs::write_text_atomic(run.data_info(), p.data.info_json);
  const losses::Objective objective(cfg.loss);
  const int64_t steps = train::total_steps(cfg, s.sampler->batches_per_epoch());
  const std::string where =
      opts.team ? " on " + std::to_string(opts.team->size()) + " processes (" +
                      std::to_string(cfg.data.batch_size / opts.team->size()) + " per process)"
                : "";
  const std::string data_name = p.data.name == "images" ? cfg.data.dir : p.data.name;
  say(console, "train: " + cfg.name + ": " + data_name + " " + std::to_string(p.data.size()) + " images, G " +
                   std::to_string(models::count_parameters(*s.g)) + " params, D " +
                   std::to_string(models::count_parameters(*s.d)) + " params, " + std::to_string(steps) +
                   " steps of batch " + std::to_string(cfg.data.batch_size) + where + " -> " + opts.run_dir);

  train::Session session(s, p.data, objective, steps, resumed);
  session.poison_steps.insert(opts.inject_nonfinite_at.begin(), opts.inject_nonfinite_at.end());
  // Every rank watches the health (the decisions are the same everywhere) and takes part in checkpoints;
  // only rank 0 writes.
  session.add(train::divergence_guard(run, console));
  session.add(train::saturation_monitor());
  if (console) session.add(train::progress(console, opts.run_dir));
  if (writer) {
    session.add(train::run_log(run));
    session.add(train::status_file(run));
    session.add(train::sample_grids(run));
    if (cfg.train.eval_every > 0) session.add(train::periodic_eval(run, console));
  }
  session.add(train::checkpoints(run, writer));
  const CommunicationReport report(opts.team.get(), s.step);
  const train::TrainResult result = session.run();
  say(console, report.line(result));
  return result;
}

}  // namespace ganforge::app
