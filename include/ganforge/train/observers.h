// The observers a training run is made of (train/loop.h). Each owns one concern and is unit-tested without
// the CLI (tests/unit/train/test_observers.cpp). app/train.cpp adds them in this order, which is the order of
// their lines in metrics.jsonl within a step:
//   divergence_guard, saturation_monitor, progress (console only), run_log, status_file, sample_grids,
//   periodic_eval, checkpoints
#pragma once

#include <cstdio>
#include <memory>

#include "ganforge/run/layout.h"
#include "ganforge/train/loop.h"

namespace ganforge::train {

// The divergence guard: a step with a NaN/Inf loss or gradient is skipped (event "nonfinite"); after
// train.nonfinite_patience such steps in a row the state is rewound to the newest usable checkpoint and the
// learning rates are multiplied by train.rollback_lr_factor (event "rollback").
std::unique_ptr<Observer> divergence_guard(const run::Layout& run, FILE* console);

// Health: D's accuracy >= 0.99 for train.health_window steps in a row means G gets no useful gradient
// (event "warning", what "d_saturated").
std::unique_ptr<Observer> saturation_monitor();

// The console: a progress line with the running losses and D's scores, every event as "event: message", and
// the closing line (done, or stopped with the command that continues the run).
std::unique_ptr<Observer> progress(FILE* console, const std::string& run_dir);

// RUN/metrics.jsonl: every train.log_every steps (and at the last) the means of the losses and scores since
// the previous line, with nimg, epoch, it_per_s (training time only) and time_s; every event as it comes.
// On resume and rollback the lines after the state's step are dropped first: the resumed run writes them again.
std::unique_ptr<Observer> run_log(const run::Layout& run);

// RUN/status.json, rewritten (atomically) at the start, at every metrics line, at each rollback and at the
// end: {"state": "training" | "finished" | "stopped" | "failed", "step", "steps" (the budget), "pid", "host",
// "updated" (Unix seconds), "sessions": [{"from_step", "started", "ended", "outcome"}]} (one per process that
// trained the run: a resume appends one). A process that ends by an exception leaves "failed"; one killed
// leaves "training" with a stale heartbeat and a pid that is gone (what `ganforge serve` checks).
std::unique_ptr<Observer> status_file(const run::Layout& run);

// RUN/samples/step-N.png every train.sample_every steps and at the last: the sampling generator on the run's
// fixed z (a scatter plot over real points for 2D data); event "warning" (what "low_diversity") when the
// grid's mean pairwise distance falls under 0.4 of the real data's.
std::unique_ptr<Observer> sample_grids(const run::Layout& run);

// Every train.eval_every steps (and at the last) the image metrics of train.eval_n samples from fixed noise
// (event "eval"); RUN/checkpoints/best.pt when train.eval_best improves; event "warning" (what
// "few_classes") when fewer than 80% of the classes hold a quarter of their real share at two evaluations in
// a row (a resumed run takes the previous one from metrics.jsonl). Only with
// train.eval_every > 0.
std::unique_ptr<Observer> periodic_eval(const run::Layout& run, FILE* console);

// RUN/checkpoints/step-N.pt at step 0 of a new run, every train.checkpoint_every steps, at the last step and
// when a stop is requested; keeps the newest train.keep_checkpoints. A state with non-finite weights is
// never written (event "checkpoint_refused"). In a data-parallel run every rank has it (the ranks' check and
// streams are gathered at each checkpoint: state.h's sync_for_checkpoint) and only rank 0 is the `writer`.
std::unique_ptr<Observer> checkpoints(const run::Layout& run, bool writer = true);

}  // namespace ganforge::train
