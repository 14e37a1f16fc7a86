// The training loop. It knows no GAN (the objective does: losses/objective.h) and no file (observers do:
// train/observers.h): per step, train.d_steps discriminator phases and one generator phase, then every
// observer's on_step, until the budget is spent or a stop is requested.
#pragma once

#include <torch/torch.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ganforge/losses/objective.h"
#include "ganforge/train/state.h"

namespace ganforge::train {

// What one step did, handed to every observer.
struct StepReport {
  int64_t step = 0;    // generator steps done, this one included
  int64_t steps = 0;   // the budget
  bool finite = true;  // false: a NaN/Inf loss or gradient; the step's remaining updates were skipped
  LogMeter sums;       // this step's losses and D statistics, summed over its updates
  bool last() const { return step == steps; }
};

struct TrainResult {
  int64_t steps = 0;
  double seconds = 0;
  std::string checkpoint;    // last checkpoint written
  std::string sample_grid;   // last sample grid written
  bool interrupted = false;  // stopped by request_stop() before the budget was spent
};

class Session;

// Anything that reacts to training: logs, guards, monitors, evaluations, snapshots, progress. Observers are
// called in the order they were added; an observer may publish an event (Session::emit), which every
// observer receives at once through on_event.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_start(Session&) {}
  virtual void on_step(Session&, const StepReport&) {}
  virtual void on_event(Session&, const nlohmann::json& /*event*/) {}
  // The state was rewound to an earlier checkpoint (state.step is now that checkpoint's) from `from_step`.
  virtual void on_rollback(Session&, int64_t /*from_step*/) {}
  virtual void on_checkpoint(Session&, const std::string& /*path*/) {}
  virtual void on_end(Session&) {}
};

// One training run in progress: the state, the data, the objective and the observers.
class Session {
 public:
  Session(TrainState& state, const data::Dataset& data, const losses::Objective& objective, int64_t steps,
          bool resumed);
  TrainState& state;
  const data::Dataset& data;
  const losses::Objective& objective;
  const int64_t steps;  // the budget in generator steps
  const bool resumed;   // the state came from a checkpoint of this run
  TrainResult result;
  std::set<int64_t> poison_steps;  // tests of the divergence guard: D's loss is made NaN at these steps
  // Seconds spent in observers on work that is not training (evaluation); it_per_s leaves them out.
  double overhead_s = 0;

  void add(std::unique_ptr<Observer> observer);
  void emit(const nlohmann::json& event);
  void checkpoint_written(const std::string& path);
  // Load the state from the checkpoint `pick` names (run on rank 0 alone in a data-parallel run: state.h's
  // load_shared), tell the observers (on_rollback) and end the current step's dispatch. Returns its path.
  std::string rewind(const std::function<std::string()>& pick);
  bool stop_requested() const;

  // Run until the budget is spent or a stop is requested; the result says which.
  TrainResult run();

 private:
  std::vector<std::unique_ptr<Observer>> observers_;
  bool abandoned_ = false;
};

// One phase's outcome, as the loop reports it.
struct PhaseStats {
  bool finite = true;  // false: NaN/Inf loss or gradient; no update was made
  double loss = 0;     // the phase's loss, penalties included
  double penalty = 0;  // D phase: the weighted penalties alone (gradient penalty, R1)
  double d_real = 0, d_fake = 0, d_acc = 0;  // D phase: mean scores and accuracy
};
// One discriminator update on `b` (real data and z), one generator update on `b` (z), as the loop runs them;
// exposed for the reference tests and the benchmarks. `poison` multiplies D's loss by NaN.
PhaseStats discriminator_phase(TrainState& s, const losses::Objective& obj, const losses::PhaseBatch& b,
                               bool poison = false);
PhaseStats generator_phase(TrainState& s, const losses::Objective& obj, const losses::PhaseBatch& b);

// Ask a running loop to finish its current step, write a checkpoint and return (async-signal-safe).
void request_stop();
bool stop_requested();
void clear_stop();  // for a process that trains again after a stop (tests)

// Generator steps that the budget in `cfg` allows, given `batches_per_epoch` real batches per epoch.
int64_t total_steps(const Config& cfg, int64_t batches_per_epoch);

}  // namespace ganforge::train
