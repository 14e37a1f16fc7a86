// Periodic evaluation during training: the metrics of a fixed set of samples, best.pt, and the few-classes
// warning.
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>

#include "ganforge/core/registry.h"
#include "ganforge/eval/image_metrics.h"
#include "ganforge/eval/translation.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/observers.h"
#include "ganforge/core/seeds.h"

namespace ganforge::train {
namespace {

// With an evaluator (train.eval_metrics has `classes`): samples are reported as collapsing onto few classes
// when fewer than this share of the classes hold at least a quarter of their share of the real data, at two
// evaluations in a row. Calibrated on 2,000 samples of the trained runs: mnist-mlp, mnist-dcgan,
// mnist-cgan, fashion-dcgan 10 of 10, fashion-wgangp after 1,500 steps 9; the collapsed TF and Keras seeds
// 2 and 1. One evaluation is not enough: mnist-cgan, a healthy run, measured 6 of 10 at its first (step
// 2,500 of 10,000; FID 47.6) and 10 of 10 at each later one (docs/results/health-survey.txt).
constexpr double kFewClasses = 0.8;

// Whether an eval line's class histogram is "few classes"; false without one.
bool few_classes(const nlohmann::json& line) {
  if (!line.contains("classes")) return false;
  const int64_t represented = line["classes"]["represented"], of = line["classes"]["of"];
  return static_cast<double>(represented) < kFewClasses * static_cast<double>(of);
}

// Whether `v` is a better value of `metric` than `best` (NaN: nothing yet); non-finite values never are.
bool improves(const std::string& metric, double v, double best) {
  const registry::MetricEntry* m = registry::metric_of_key(metric);
  const bool lower_is_better = m && m->lower_is_better;
  return std::isfinite(v) && (std::isnan(best) || (lower_is_better ? v < best : v > best));
}

// A metric's value in an eval result line: fid, precision, ... directly; kid and is by their mean.
double metric_value(const nlohmann::json& line, const std::string& metric) {
  if (!line.contains(metric)) return std::numeric_limits<double>::quiet_NaN();
  const auto& v = line[metric];
  if (v.is_object()) return v["mean"].get<double>();
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

// What a resumed run takes from the eval lines of metrics.jsonl (cut back to its checkpoint): the best value
// of `metric` (NaN: none) and the last evaluation (null: none).
struct Logged {
  double best = std::numeric_limits<double>::quiet_NaN();
  nlohmann::json last;
};
Logged read_logged(const std::string& path, const std::string& metric) {
  Logged out;
  std::ifstream in(path);
  for (std::string text; std::getline(in, text);) {
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || j.value("event", "") != "eval") continue;
    out.last = j;
    const double v = metric.empty() ? std::numeric_limits<double>::quiet_NaN() : metric_value(j, metric);
    if (improves(metric, v, out.best)) out.best = v;
  }
  return out;
}

class PeriodicEval : public Observer {
 public:
  PeriodicEval(run::Layout run, FILE* console) : run_(std::move(run)), console_(console) {}

  void on_start(Session& s) override {
    const Config& cfg = s.state.cfg;
    if (cfg.model.arch == "pix2pix") {  // image-to-image: the first eval_n test pairs (eval/translation.h)
      translation_ = std::make_unique<TranslationMetrics>(cfg.data, cfg.train.eval_n, console_);
    } else {
      metrics_ = std::make_unique<ImageMetrics>(cfg.data.dataset, cfg.data.dir, "", "", console_);
      which_ = metrics_->parse(cfg.train.eval_metrics);
    }
    if (s.resumed) {
      const Logged logged = read_logged(run_.metrics(), cfg.train.eval_best);
      best_ = logged.best;
      previous_ = logged.last;
    }
  }

  void on_step(Session& s, const StepReport& r) override {
    const Config& cfg = s.state.cfg;
    if (!(r.step % cfg.train.eval_every == 0 || r.last())) return;
    const auto e0 = std::chrono::steady_clock::now();
    nlohmann::json line;
    if (translation_) {  // no randomness: G in eval mode translates the same test inputs each time
      line = translation_->measure(run::translate(*s.state.sampling_generator(), translation_->inputs()));
    } else {
      const bool conditional = !cfg.model.conditional.empty();
      const torch::Tensor labels =
          conditional ? models::balanced_labels(cfg.train.eval_n, cfg.model.classes) : torch::Tensor();
      // Fixed noise, so that evaluations compare the same z across steps; no training stream is touched.
      const torch::Tensor images =
          run::generate(*s.state.sampling_generator(), cfg.model, cfg.train.eval_n, Seeds::kEval, 1024, labels);
      line = metrics_->measure(images, which_, Seeds::kEval, labels);
    }
    line["event"] = "eval";
    line["step"] = r.step;
    std::string message = "step " + std::to_string(r.step);
    std::vector<std::string> keys = registry::metric_keys();
    keys.push_back("label_accuracy");  // conditional runs: measured beside the metrics asked for
    if (translation_) keys.insert(keys.begin(), {"l1", "ssim"});
    for (const auto& k : keys)
      if (line.contains(k)) message += " " + k + " " + std::to_string(metric_value(line, k));
    if (!cfg.train.eval_best.empty() && improves(cfg.train.eval_best, metric_value(line, cfg.train.eval_best), best_)) {
      best_ = metric_value(line, cfg.train.eval_best);
      try {
        save_state(run_.best(), s.state);
        line["best"] = true;
        message += " (best so far: checkpoints/best.pt)";
      } catch (const NonFiniteWeights&) {
      }
    }
    line["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
    line["message"] = message;
    s.emit(line);
    warn_if_few_classes(s, line);
    s.overhead_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
  }

 private:
  void warn_if_few_classes(Session& s, const nlohmann::json& line) {
    const bool warn = few_classes(line) && few_classes(previous_);
    const nlohmann::json previous = previous_;
    previous_ = line;
    if (!warn) return;
    const int64_t represented = line["classes"]["represented"], of = line["classes"]["of"];
    s.emit({{"event", "warning"}, {"what", "few_classes"}, {"step", s.state.step}, {"represented", represented},
            {"of", of}, {"since", previous["step"]},
            {"message", "samples are collapsing onto few classes: only " + std::to_string(represented) + " of " +
                            std::to_string(of) + " classes hold at least a quarter of their share of the real data " +
                            "(also at step " + previous["step"].dump() + ")"}});
  }

  run::Layout run_;
  FILE* console_;
  std::unique_ptr<ImageMetrics> metrics_;           // sampling runs
  std::unique_ptr<TranslationMetrics> translation_;  // image-to-image runs
  std::set<std::string> which_;
  double best_ = std::numeric_limits<double>::quiet_NaN();
  nlohmann::json previous_;  // the previous evaluation's line (null before the first)
};

}  // namespace

std::unique_ptr<Observer> periodic_eval(const run::Layout& run, FILE* console) {
  return std::make_unique<PeriodicEval>(run, console);
}

}  // namespace ganforge::train
