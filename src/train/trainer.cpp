#include "ganforge/trainer.h"

#include <ATen/CPUGeneratorImpl.h>

#include <atomic>
#include <limits>
#include <set>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ganforge/augment.h"
#include "ganforge/checkpoint.h"
#include "ganforge/data.h"
#include "ganforge/error.h"
#include "ganforge/evaluate.h"
#include "ganforge/fs.h"
#include "ganforge/generate.h"
#include "ganforge/grid.h"
#include "ganforge/losses.h"
#include "ganforge/optim.h"
#include "ganforge/progress.h"
#include "ganforge/run_dir.h"
#include "ganforge/runtime.h"
#include "ganforge/step.h"

namespace ganforge {
namespace {

std::atomic<bool> g_stop_requested{false};

void set_requires_grad(torch::nn::Module& m, bool on) {
  for (auto& p : m.parameters()) p.requires_grad_(on);
}

// D's output as shown in the progress line: a probability for the GAN loss, the raw score otherwise.
double mean_score(const losses::AdversarialLoss& loss, const torch::Tensor& out) {
  return (loss.outputs_are_logits() ? torch::sigmoid(out) : out).mean().item<double>();
}

void say(FILE* console, const std::string& msg) {
  if (console) std::fprintf(console, "%s\n", msg.c_str());
}

// Mean pairwise L2 distance between the images of a batch: a cheap diversity measure.
double mean_pairwise_distance(const torch::Tensor& images) {
  const auto f = images.detach().flatten(1).to(torch::kCPU, torch::kFloat64);
  const int64_t n = f.size(0);
  if (n < 2) return 0;
  return torch::cdist(f, f).sum().item<double>() / static_cast<double>(n * (n - 1));
}

// Samples whose diversity is under this share of the real data's are reported as collapsing. Calibrated
// on MNIST: a healthy mnist-mlp run measures ~0.98, the collapsed TF seed 0.17 and the Keras seed's
// noise blobs 0.32.
constexpr double kLowDiversity = 0.4;
// With an evaluator (train.eval_metrics has `classes`): samples are reported as collapsing onto few classes
// when fewer than this share of the classes hold at least a quarter of their share of the real data.
// Calibrated on 2,000 samples of the trained runs: mnist-mlp, mnist-dcgan, mnist-cgan, fashion-dcgan 10 of
// 10, fashion-wgangp after 1,500 steps 9; the collapsed TF and Keras seeds 2 and 1.
constexpr double kFewClasses = 0.8;

bool gradients_finite(const torch::nn::Module& m) { return optim::gradients_finite(m.parameters()); }

constexpr int64_t kEvalSeed = 20141;  // noise of the periodic evaluations

// Whether `v` is a better value of `metric` than `best` (NaN: nothing yet); non-finite values never are.
bool improves(const std::string& metric, double v, double best) {
  const bool lower_is_better = metric == "fid" || metric == "kid";
  return std::isfinite(v) && (std::isnan(best) || (lower_is_better ? v < best : v > best));
}

// A metric's value in an eval result line: fid, precision, ... directly; kid and is by their mean.
double metric_value(const nlohmann::json& line, const std::string& metric) {
  if (!line.contains(metric)) return std::numeric_limits<double>::quiet_NaN();
  const auto& v = line[metric];
  if (v.is_object()) return v["mean"].get<double>();
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

// The best value of `metric` among the eval lines of metrics.jsonl (NaN: none), for a resumed run.
double best_logged(const std::string& path, const std::string& metric) {
  double best = std::numeric_limits<double>::quiet_NaN();
  if (metric.empty()) return best;
  std::ifstream in(path);
  for (std::string text; std::getline(in, text);) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || j.value("event", "") != "eval") continue;
    const double v = metric_value(j, metric);
    if (improves(metric, v, best)) best = v;
  }
  return best;
}

// Keep the metrics.jsonl lines up to `step`: later ones belong to work the checkpoint does not hold, and
// the resumed run writes them again.
void truncate_metrics(const std::string& path, int64_t step) {
  std::ifstream in(path);
  std::string kept, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) break;  // a line cut by a crash ends the usable log
    // Events (skips, rollbacks, warnings) stay: they are the history of what happened.
    if (!j.contains("event") && j.contains("step") && j["step"].get<int64_t>() > step) continue;
    kept += line + "\n";
  }
  fs::write_text_atomic(path, kept);
}

}  // namespace

std::unique_ptr<losses::AdversarialLoss> make_loss(const Config& cfg) {
  return losses::make(cfg.loss_type, cfg.g_loss, cfg.label_smoothing);
}

DStepResult discriminator_step(TrainState& s, const losses::AdversarialLoss& loss, const torch::Tensor& real,
                               const torch::Tensor& z, bool poison, const torch::Tensor& y_real,
                               const torch::Tensor& y_fake) {
  const Config& cfg = s.cfg;
  DStepResult r;
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;  // D's update needs no gradient through G
    fake = s.g->generate(z, y_fake);
  }
  // DiffAugment: independent draws for the real and the fake batch, from the run's augmentation stream.
  const torch::Tensor real_in = augment::random_apply(s.augment_ops, real, s.augment_gen);
  fake = augment::random_apply(s.augment_ops, fake, s.augment_gen);
  const models::Judgement real_j = s.d->judge(real_in, y_real);
  const models::Judgement fake_j = s.d->judge(fake, y_fake);
  const torch::Tensor& real_out = real_j.logits;  // [B]
  const torch::Tensor& fake_out = fake_j.logits;  // [B]
  torch::Tensor loss_d = loss.d_loss(real_out, fake_out);
  // ACGAN (Odena et al. 2017, eq. 2): D also learns to name the class of reals and fakes.
  if (real_j.class_logits.defined())
    loss_d = loss_d + cfg.ac_weight * (torch::nn::functional::cross_entropy(real_j.class_logits, y_real) +
                                       torch::nn::functional::cross_entropy(fake_j.class_logits, y_fake));
  const losses::Critic critic = [&](const torch::Tensor& x) { return s.d->judge(x, y_real).logits; };
  torch::Tensor penalty;
  if (cfg.gp_weight > 0) {
    const torch::Tensor e = torch::rand({real.size(0)}, s.noise_gen).to(real.device());
    penalty = cfg.gp_weight * losses::gradient_penalty(critic, real_in, fake, e);
  }
  // Lazy R1 (Karras et al. 2020, sec. 4.1): every r1_every-th update, weighted r1_every times as much.
  if (cfg.r1_gamma > 0 && s.d_updates % cfg.r1_every == 0) {
    torch::Tensor r1 = (cfg.r1_gamma / 2 * static_cast<double>(cfg.r1_every)) * losses::r1_penalty(critic, real_in);
    penalty = penalty.defined() ? penalty + r1 : r1;
  }
  if (penalty.defined()) loss_d = loss_d + penalty;
  if (poison) loss_d = loss_d * std::numeric_limits<float>::quiet_NaN();
  optim::clear_grads(*s.opt_d);
  loss_d.backward();
  r.loss_d = loss_d.item<double>();
  r.finite = std::isfinite(r.loss_d) && gradients_finite(*s.d);
  if (!r.finite) return r;
  s.opt_d->step();
  ++s.d_updates;
  torch::NoGradGuard no_grad;
  // WGAN (Arjovsky et al. 2017, Algorithm 1): clip every critic parameter to [-c, c] after its update.
  if (cfg.weight_clip > 0)
    for (auto& p : s.d->parameters()) p.clamp_(-cfg.weight_clip, cfg.weight_clip);
  if (penalty.defined()) r.penalty = penalty.item<double>();
  r.d_real = mean_score(loss, real_out);
  r.d_fake = mean_score(loss, fake_out);
  const double t = loss.decision_threshold();
  r.d_acc = ((real_out > t).sum() + (fake_out < t).sum()).item<double>() /
            static_cast<double>(real_out.size(0) + fake_out.size(0));  // per D output: packs count once
  return r;
}

GStepResult generator_step(TrainState& s, const losses::AdversarialLoss& loss, const torch::Tensor& z,
                           const torch::Tensor& y_fake) {
  GStepResult r;
  // Through a frozen D: D's weight gradients would be thrown away.
  set_requires_grad(*s.d, false);
  const torch::Tensor fake = augment::random_apply(s.augment_ops, s.g->generate(z, y_fake), s.augment_gen);
  const models::Judgement j = s.d->judge(fake, y_fake);
  torch::Tensor loss_g = loss.g_loss(j.logits);
  if (j.class_logits.defined())  // ACGAN: G wants its fakes recognised as the class asked for
    loss_g = loss_g + s.cfg.ac_weight * torch::nn::functional::cross_entropy(j.class_logits, y_fake);
  optim::clear_grads(*s.opt_g);
  loss_g.backward();
  set_requires_grad(*s.d, true);
  r.loss_g = loss_g.item<double>();
  r.finite = std::isfinite(r.loss_g) && gradients_finite(*s.g);
  if (!r.finite) return r;
  s.opt_g->step();
  if (s.g_ema) models::ema_update(*s.g_ema, *s.g, models::ema_beta(s.cfg.ema_half_life_kimg, z.size(0)));
  return r;
}

void request_stop() { g_stop_requested.store(true); }
bool stop_requested() { return g_stop_requested.load(); }

int64_t total_steps(const Config& cfg, int64_t batches_per_epoch) {
  if (cfg.steps > 0) return cfg.steps;
  // Each generator step consumes d_steps real batches.
  return static_cast<int64_t>(std::ceil(cfg.epochs * static_cast<double>(batches_per_epoch) /
                                        static_cast<double>(cfg.d_steps)));
}

TrainResult train(const Config& cfg, const TrainOptions& opts) {
  validate(cfg);
  if (cfg.device != "cpu" && !torch::cuda::is_available())
    throw UserError("train.device = '" + cfg.device + "' but this LibTorch build sees no CUDA device");
  if (cfg.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  const auto rt = runtime::configure(cfg.deterministic ? 1 : static_cast<int>(cfg.threads));
  say(opts.console, runtime::summary(rt));

  const data::Dataset ds = data::load(cfg.dataset, cfg.data_dir, "train");
  TrainState s = make_state(cfg, ds.image_shape(), ds.size());
  if (opts.resume) {
    const std::string from = newest_usable_checkpoint(opts.run_dir, opts.console);
    load_checkpoint(from, s);
    truncate_metrics(run_dir::metrics_path(opts.run_dir), s.step);
    say(opts.console, "train: resuming from " + from + " (step " + std::to_string(s.step) + ")");
  } else {
    run_dir::create(opts.run_dir, opts.overwrite);
  }
  fs::write_text_atomic(run_dir::config_path(opts.run_dir), to_toml(cfg));
  const torch::Device device(cfg.device);
  const auto loss = make_loss(cfg);
  const int64_t steps = total_steps(cfg, s.sampler->batches_per_epoch());
  const int64_t batch = cfg.batch_size;
  say(opts.console, "train: " + cfg.name + ": " + ds.name + " " + std::to_string(ds.size()) + " images, G " +
                        std::to_string(models::count_parameters(*s.g)) + " params, D " +
                        std::to_string(models::count_parameters(*s.d)) + " params, " + std::to_string(steps) +
                        " steps of batch " + std::to_string(batch) + " -> " + opts.run_dir);

  const torch::Tensor grid_z = models::grid_noise(cfg).to(device);
  const bool conditional = !cfg.conditional.empty();
  if (conditional && (ds.labels.min().item<int64_t>() < 0 || ds.labels.max().item<int64_t>() >= cfg.classes))
    throw UserError("config: model.classes = " + std::to_string(cfg.classes) + " but the data's labels go up to " +
                    std::to_string(ds.labels.max().item<int64_t>()));
  const torch::Tensor grid_y = conditional ? models::balanced_labels(cfg.sample_grid, cfg.classes).to(device)
                                           : torch::Tensor();
  auto fake_labels = [&]() { return torch::randint(0, cfg.classes, {batch}, s.noise_gen, torch::kInt64).to(device); };

  std::ofstream metrics(run_dir::metrics_path(opts.run_dir), std::ios::app);
  if (!metrics) throw UserError(run_dir::metrics_path(opts.run_dir) + ": cannot write");

  TrainResult result;
  const double real_diversity =
      mean_pairwise_distance(ds.batch(torch::arange(std::min(ds.size(), cfg.sample_grid))));
  // 2D data: the grid is a scatter plot of the fixed-z samples over 2,500 real points.
  const torch::Tensor scatter_reference =
      ds.is_points() ? ds.batch(torch::arange(std::min<int64_t>(ds.size(), 2500))) : torch::Tensor();
  double diversity = 1;  // of the last grid, relative to real_diversity
  auto write_grid = [&]() {
    torch::InferenceMode guard;
    auto& g = s.sampling_generator();
    g->eval();
    const auto images = g->generate(grid_z, grid_y);
    if (g == s.g) g->train();
    result.sample_grid = run_dir::samples_dir(opts.run_dir) + "/" + run_dir::step_name(s.step) + ".png";
    if (ds.is_points())
      grid::write_scatter_png(result.sample_grid, images.cpu(), scatter_reference);
    else
      grid::write_png(result.sample_grid, images);
    diversity = real_diversity > 0 ? mean_pairwise_distance(images) / real_diversity : 1;
  };
  // Periodic evaluation (train.eval_every): the metrics of eval_n samples from a fixed noise seed, so
  // that evaluations compare the same z across steps; none of the training random streams is touched.
  std::unique_ptr<ImageMetrics> evaluator;
  std::set<std::string> eval_which;
  double best = std::numeric_limits<double>::quiet_NaN();
  if (cfg.eval_every > 0) {
    evaluator = std::make_unique<ImageMetrics>(cfg.dataset, cfg.data_dir, "", "", opts.console);
    eval_which = evaluator->parse(cfg.eval_metrics);
    if (opts.resume) best = best_logged(run_dir::metrics_path(opts.run_dir), cfg.eval_best);
  }
  auto write_checkpoint = [&]() {
    result.checkpoint = run_dir::checkpoints_dir(opts.run_dir) + "/" + run_dir::step_name(s.step) + ".pt";
    save_checkpoint(result.checkpoint, s);
    run_dir::prune_checkpoints(opts.run_dir, cfg.keep_checkpoints);
  };

  Progress progress(steps, "step", opts.console ? opts.console : stderr);
  LogMeter& meter = s.meter;
  int64_t bad_in_a_row = 0, saturated_steps = 0;
  std::set<int64_t> injections(opts.inject_nonfinite_at.begin(), opts.inject_nonfinite_at.end());
  auto inject_nonfinite = [&](int64_t step) { return injections.erase(step) > 0; };  // each fires once
  auto log_event = [&](const nlohmann::json& event) {
    metrics << event.dump() << "\n" << std::flush;
    if (opts.console) {
      if (progress.interactive()) std::fprintf(opts.console, "\n");
      std::fprintf(opts.console, "%s: %s\n", event["event"].get<std::string>().c_str(),
                   event["message"].get<std::string>().c_str());
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  const double elapsed_before = s.elapsed_s;
  auto last_log = t0;
  int64_t last_log_step = s.step;
  if (!opts.resume) write_checkpoint();  // step 0: the divergence guard can always roll back
  while (s.step < steps && !stop_requested()) {
    // Discriminator: k updates on fresh real batches and fresh fakes. A NaN/Inf loss or gradient skips
    // the rest of the step (no optimizer step is taken with it).
    bool finite = true;
    LogMeter step_meter;
    for (int64_t k = 0; k < cfg.d_steps && finite; ++k) {
      const torch::Tensor idx = s.sampler->next();
      const torch::Tensor real = ds.batch(idx).to(device);  // [B, C, H, W] images in [-1, 1], or [B, 2] points
      const torch::Tensor z = models::sample_noise(cfg, batch, s.noise_gen).to(device);
      // Conditional: the reals' labels, and uniformly drawn classes for the fakes.
      const torch::Tensor y_real = conditional ? ds.labels.index_select(0, idx).to(device) : torch::Tensor();
      const torch::Tensor y_fake = conditional ? fake_labels() : torch::Tensor();
      const DStepResult r = discriminator_step(s, *loss, real, z, inject_nonfinite(s.step + 1), y_real, y_fake);
      s.nimg += batch;
      finite = r.finite;
      if (!finite) break;
      step_meter.loss_d += r.loss_d, step_meter.penalty += r.penalty;
      step_meter.d_real += r.d_real, step_meter.d_fake += r.d_fake, step_meter.d_acc += r.d_acc;
      ++step_meter.d_count;
    }
    if (finite) {
      const torch::Tensor z = models::sample_noise(cfg, batch, s.noise_gen).to(device);
      const GStepResult r = generator_step(s, *loss, z, conditional ? fake_labels() : torch::Tensor());
      finite = r.finite;
      if (finite) {
        step_meter.loss_g += r.loss_g;
        ++step_meter.g_count;
      }
    }
    ++s.step;
    if (finite) {
      bad_in_a_row = 0;
      meter.loss_d += step_meter.loss_d, meter.d_real += step_meter.d_real, meter.d_fake += step_meter.d_fake;
      meter.d_acc += step_meter.d_acc, meter.loss_g += step_meter.loss_g, meter.penalty += step_meter.penalty;
      meter.d_count += step_meter.d_count, meter.g_count += step_meter.g_count;
      // Health: D winning outright for a long time means G gets no useful gradient.
      const bool saturated =
          loss->has_accuracy() && step_meter.d_count > 0 && step_meter.d_acc / step_meter.d_count >= 0.99;
      saturated_steps = saturated ? saturated_steps + 1 : 0;
      if (cfg.health_window > 0 && saturated_steps == cfg.health_window)
        log_event({{"event", "warning"}, {"what", "d_saturated"}, {"step", s.step},
                   {"message", "D's accuracy has been >= 0.99 for " + std::to_string(cfg.health_window) +
                                   " steps: G is not learning (try a lower optim.lr_d or the non_saturating loss)"}});
    } else {
      ++bad_in_a_row;
      s.opt_d->zero_grad();
      s.opt_g->zero_grad();
      log_event({{"event", "nonfinite"}, {"step", s.step}, {"action", "skipped"},
                 {"message", "NaN/Inf loss or gradient at step " + std::to_string(s.step) + ": update skipped"}});
      if (bad_in_a_row >= cfg.nonfinite_patience) {
        const double scale = s.lr_scale * cfg.rollback_lr_factor;
        const int64_t at = s.step;
        const std::string from = newest_usable_checkpoint(opts.run_dir, opts.console);
        load_checkpoint(from, s);
        s.lr_scale = scale;
        apply_learning_rates(s);
        metrics.close();
        truncate_metrics(run_dir::metrics_path(opts.run_dir), s.step);
        metrics.open(run_dir::metrics_path(opts.run_dir), std::ios::app);
        log_event({{"event", "rollback"}, {"step", s.step}, {"from_step", at}, {"checkpoint", from},
                   {"lr_scale", s.lr_scale},
                   {"message", std::to_string(bad_in_a_row) + " non-finite steps in a row at step " +
                                   std::to_string(at) + ": rolled back to step " + std::to_string(s.step) +
                                   ", learning rates x" + std::to_string(s.lr_scale)}});
        bad_in_a_row = 0;
        last_log_step = s.step;
        continue;
      }
    }

    const bool last = s.step == steps;
    const bool log_now = s.step % cfg.log_every == 0 || last;
    const std::vector<std::pair<std::string, double>> fields = {
        {"loss_d", meter.loss_d / std::max<int64_t>(1, meter.d_count)},
        {"loss_g", meter.loss_g / std::max<int64_t>(1, meter.g_count)},
        {"D(x)", meter.d_real / std::max<int64_t>(1, meter.d_count)},
        {"D(G(z))", meter.d_fake / std::max<int64_t>(1, meter.d_count)}};
    if (opts.console) progress.update(s.step, fields, log_now);
    if (log_now) {
      const auto now = std::chrono::steady_clock::now();
      const double interval = std::chrono::duration<double>(now - last_log).count();
      nlohmann::json line = {
          {"step", s.step},
          {"nimg", s.nimg},
          {"epoch", static_cast<double>(s.nimg) / static_cast<double>(ds.size())},
          {"loss_d", fields[0].second},
          {"loss_g", fields[1].second},
          {"d_real", fields[2].second},
          {"d_fake", fields[3].second},
          {"d_acc", meter.d_acc / std::max<int64_t>(1, meter.d_count)},
          {"penalty", meter.penalty / std::max<int64_t>(1, meter.d_count)},
          {"it_per_s", interval > 0 ? static_cast<double>(s.step - last_log_step) / interval : 0.0},
          {"time_s", elapsed_before + std::chrono::duration<double>(now - t0).count()},
      };
      metrics << line.dump() << "\n" << std::flush;
      meter.reset();
      last_log = now;
      last_log_step = s.step;
    }
    s.elapsed_s = elapsed_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if ((cfg.sample_every > 0 && s.step % cfg.sample_every == 0) || last) {
      write_grid();
      if (diversity < kLowDiversity)
        log_event({{"event", "warning"}, {"what", "low_diversity"}, {"step", s.step}, {"diversity", diversity},
                   {"message", "samples are collapsing: their mean pairwise distance is " +
                                   std::to_string(diversity) + " of the real data's (" + result.sample_grid + ")"}});
    }
    if (evaluator && (s.step % cfg.eval_every == 0 || last)) {
      const auto e0 = std::chrono::steady_clock::now();
      const torch::Tensor eval_labels = conditional ? models::balanced_labels(cfg.eval_n, cfg.classes) : torch::Tensor();
      nlohmann::json line = evaluator->measure(generate(s, cfg.eval_n, kEvalSeed, 1024, eval_labels), eval_which,
                                               kEvalSeed, eval_labels);
      line["event"] = "eval";
      line["step"] = s.step;
      std::string message = "step " + std::to_string(s.step);
      for (const char* k : {"fid", "kid", "is", "precision", "recall", "density", "coverage", "label_accuracy"})
        if (line.contains(k)) message += std::string(" ") + k + " " + std::to_string(metric_value(line, k));
      if (!cfg.eval_best.empty()) {
        const double v = metric_value(line, cfg.eval_best);
        if (improves(cfg.eval_best, v, best)) {
          best = v;
          try {
            save_checkpoint(run_dir::checkpoints_dir(opts.run_dir) + "/best.pt", s);
            line["best"] = true;
            message += " (best so far: checkpoints/best.pt)";
          } catch (const NonFiniteWeights&) {
          }
        }
      }
      line["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
      line["message"] = message;
      log_event(line);
      if (line.contains("classes")) {
        const int64_t represented = line["classes"]["represented"], of = line["classes"]["of"];
        if (static_cast<double>(represented) < kFewClasses * static_cast<double>(of))
          log_event({{"event", "warning"}, {"what", "few_classes"}, {"step", s.step}, {"represented", represented},
                     {"of", of},
                     {"message", "samples are collapsing onto few classes: only " + std::to_string(represented) +
                                     " of " + std::to_string(of) +
                                     " classes hold at least a quarter of their share of the real data"}});
      }
      last_log += std::chrono::steady_clock::now() - e0;  // it_per_s counts training only
    }
    if ((cfg.checkpoint_every > 0 && s.step % cfg.checkpoint_every == 0) || last || stop_requested()) {
      try {
        write_checkpoint();
      } catch (const NonFiniteWeights& e) {
        log_event({{"event", "checkpoint_refused"}, {"step", s.step}, {"message", e.what()}});
      }
    }
  }
  result.steps = s.step;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (s.step < steps) {
    result.interrupted = true;
    if (opts.console)
      progress.finish("train: stopped at step " + std::to_string(s.step) + " of " + std::to_string(steps) +
                      (result.checkpoint.empty() ? "" : "; checkpoint " + result.checkpoint) +
                      "; continue with: ganforge train --resume " + opts.run_dir);
    return result;
  }
  if (opts.console)
    progress.finish("train: done: " + std::to_string(result.steps) + " steps in " +
                    Progress::format_duration(result.seconds) + "; samples " + result.sample_grid +
                    ", checkpoint " + result.checkpoint);
  return result;
}

}  // namespace ganforge
