// The observers that watch training's health: the divergence guard and the saturation monitor.
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/train/observers.h"

namespace ganforge::train {
namespace {

class DivergenceGuard : public Observer {
 public:
  DivergenceGuard(run::Layout run, FILE* console) : run_(std::move(run)), console_(console) {}

  void on_step(Session& s, const StepReport& r) override {
    int64_t& bad_in_a_row = s.state.watch.nonfinite_in_a_row;  // checkpointed: a resumed run counts on
    if (r.finite) {
      bad_in_a_row = 0;
      return;
    }
    ++bad_in_a_row;
    s.emit({{"event", "nonfinite"}, {"step", r.step}, {"action", "skipped"},
            {"message", "NaN/Inf loss or gradient at step " + std::to_string(r.step) + ": update skipped"}});
    const Config& cfg = s.state.cfg;
    if (bad_in_a_row < cfg.train.nonfinite_patience) return;
    const int64_t streak = bad_in_a_row;
    const double scale = s.state.lr_scale * cfg.train.rollback_lr_factor;
    const std::string from = s.rewind([this] { return run::newest_usable_checkpoint(run_, console_); });
    s.state.lr_scale = scale;
    apply_learning_rates(s.state);
    s.emit({{"event", "rollback"}, {"step", s.state.step}, {"from_step", r.step}, {"checkpoint", from},
            {"lr_scale", s.state.lr_scale},
            {"message", std::to_string(streak) + " non-finite steps in a row at step " +
                            std::to_string(r.step) + ": rolled back to step " + std::to_string(s.state.step) +
                            ", learning rates x" + std::to_string(s.state.lr_scale)}});
    s.state.watch.nonfinite_in_a_row = 0;  // the rewound state holds the checkpoint's count
  }

 private:
  run::Layout run_;
  FILE* console_;
};

class SaturationMonitor : public Observer {
 public:
  // The count is checkpointed (a resumed run warns at the step the uninterrupted one does); a rollback does
  // not rewind it, so it is kept here and copied into the state each step.
  void on_start(Session& s) override { saturated_steps_ = s.state.watch.saturated_steps; }

  void on_step(Session& s, const StepReport& r) override {
    if (!r.finite) return;
    const int64_t window = s.state.cfg.train.health_window;
    const bool saturated = s.objective.has_accuracy() && r.sums.d_count > 0 &&
                           r.sums.d_acc / static_cast<double>(r.sums.d_count) >= 0.99;
    saturated_steps_ = saturated ? saturated_steps_ + 1 : 0;
    s.state.watch.saturated_steps = saturated_steps_;
    if (window > 0 && saturated_steps_ == window)
      s.emit({{"event", "warning"}, {"what", "d_saturated"}, {"step", r.step},
              {"message", "D's accuracy has been >= 0.99 for " + std::to_string(window) +
                              " steps: G is not learning (try a lower optim.lr_d or the non_saturating loss)"}});
  }

 private:
  int64_t saturated_steps_ = 0;
};

}  // namespace

std::unique_ptr<Observer> divergence_guard(const run::Layout& run, FILE* console) {
  return std::make_unique<DivergenceGuard>(run, console);
}
std::unique_ptr<Observer> saturation_monitor() { return std::make_unique<SaturationMonitor>(); }

}  // namespace ganforge::train
