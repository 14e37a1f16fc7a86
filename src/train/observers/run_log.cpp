// metrics.jsonl and the console: the two observers that report the numbers of every step.
#include <chrono>
#include <fstream>

#include "ganforge/core/error.h"
#include "ganforge/core/test_hooks.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/progress.h"
#include "ganforge/train/observers.h"

namespace ganforge::train {
namespace {

double mean(double sum, int64_t count) { return sum / static_cast<double>(std::max<int64_t>(1, count)); }

bool log_step(const Session& s, const StepReport& r) { return r.step % s.state.cfg.train.log_every == 0 || r.last(); }

// The whole lines of metrics.jsonl (a last line without its newline, or one that is not JSON, was cut by a
// kill or a full disk: it and anything after it are dropped).
std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline after it
    if (line.empty()) continue;
    if (nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false).is_discarded()) break;
    lines.push_back(line);
  }
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  fs::write_text_atomic(path, text);
}

// A resumed run: keep the first `count` lines, the ones written before the checkpoint it resumes from; the
// resumed run writes the rest again. Checkpoints from before the count was kept (log_lines -1): keep the
// step lines up to `step` and every event, as version 1 did.
int64_t cut_for_resume(const std::string& path, int64_t count, int64_t step) {
  std::vector<std::string> lines = read_lines(path);
  if (count >= 0) {
    if (static_cast<int64_t>(lines.size()) > count) lines.resize(static_cast<size_t>(count));
  } else {
    std::vector<std::string> kept;
    for (const auto& line : lines) {
      const auto j = nlohmann::json::parse(line);
      if (!j.contains("event") && j.contains("step") && j["step"].is_number() && j["step"].get<double>() > step) continue;
      kept.push_back(line);
    }
    lines = std::move(kept);
  }
  write_lines(path, lines);
  return static_cast<int64_t>(lines.size());
}

// A rollback to the checkpoint at `step`: the step lines after it go (the steps are trained again), the
// events stay: they are the history of what happened (the skipped steps that caused the rollback).
int64_t cut_for_rollback(const std::string& path, int64_t step) { return cut_for_resume(path, -1, step); }

class RunLog : public Observer {
 public:
  explicit RunLog(run::Layout run) : run_(std::move(run)) {}

  void on_start(Session& s) override {
    s.state.watch.log_lines = s.resumed ? cut_for_resume(run_.metrics(), s.state.watch.log_lines, s.state.step)
                                        : static_cast<int64_t>(read_lines(run_.metrics()).size());
    out_ = std::make_unique<fs::AppendFile>(run_.metrics());
    mark(s);
  }

  void on_step(Session& s, const StepReport& r) override {
    if (!log_step(s, r)) return;
    const auto now = std::chrono::steady_clock::now();
    const double interval =
        std::chrono::duration<double>(now - last_log_).count() - (s.overhead_s - overhead_at_last_log_);
    const LogMeter& m = s.state.meter;
    const nlohmann::json line = {
        {"step", r.step},
        {"nimg", s.state.nimg},
        {"epoch", static_cast<double>(s.state.nimg) / static_cast<double>(s.data.size())},
        {"loss_d", mean(m.loss_d, m.d_count)},
        {"loss_g", mean(m.loss_g, m.g_count)},
        {"d_real", mean(m.d_real, m.d_count)},
        {"d_fake", mean(m.d_fake, m.d_count)},
        {"d_acc", mean(m.d_acc, m.d_count)},
        {"penalty", mean(m.penalty, m.d_count)},
        {"it_per_s", interval > 0 ? static_cast<double>(r.step - last_log_step_) / interval : 0.0},
        {"time_s", s.state.elapsed_s},
    };
    write(s, line);
    s.state.meter.reset();
    mark(s);
  }

  void on_event(Session& s, const nlohmann::json& event) override {
    write(s, event);
    test_hooks::kill_point("event", ++events_);
  }

  // The lines a checkpoint counts go to the disk right after it (a kill loses nothing written; this is
  // for a power cut).
  void on_checkpoint(Session&, const std::string&) override { out_->sync(); }

  void on_rollback(Session& s, int64_t) override {
    out_.reset();
    s.state.watch.log_lines = cut_for_rollback(run_.metrics(), s.state.step);
    out_ = std::make_unique<fs::AppendFile>(run_.metrics());
    last_log_step_ = s.state.step;
  }

 private:
  void write(Session& s, const nlohmann::json& j) {
    out_->write_line(j.dump());
    ++s.state.watch.log_lines;
  }
  void mark(const Session& s) {
    last_log_ = std::chrono::steady_clock::now();
    last_log_step_ = s.state.step;
    overhead_at_last_log_ = s.overhead_s;
  }

  run::Layout run_;
  std::unique_ptr<fs::AppendFile> out_;
  int64_t events_ = 0;  // event lines this process wrote (the test kill point "event:N")
  std::chrono::steady_clock::time_point last_log_;
  int64_t last_log_step_ = 0;
  double overhead_at_last_log_ = 0;
};

class ProgressLine : public Observer {
 public:
  ProgressLine(FILE* console, std::string run_dir) : console_(console), run_dir_(std::move(run_dir)) {}

  void on_start(Session& s) override { bar_ = std::make_unique<Progress>(s.steps, "step", console_); }

  void on_step(Session& s, const StepReport& r) override {
    const LogMeter& m = s.state.meter;
    bar_->update(r.step,
                 {{"loss_d", mean(m.loss_d, m.d_count)},
                  {"loss_g", mean(m.loss_g, m.g_count)},
                  {"D(x)", mean(m.d_real, m.d_count)},
                  {"D(G(z))", mean(m.d_fake, m.d_count)}},
                 log_step(s, r));
  }

  void on_event(Session&, const nlohmann::json& event) override {
    if (bar_ && bar_->interactive()) std::fprintf(console_, "\n");
    std::fprintf(console_, "%s: %s\n", event["event"].get<std::string>().c_str(),
                 event["message"].get<std::string>().c_str());
  }

  void on_end(Session& s) override {
    const TrainResult& r = s.result;
    if (r.interrupted)
      bar_->finish("train: stopped at step " + std::to_string(r.steps) + " of " + std::to_string(s.steps) +
                   (r.checkpoint.empty() ? "" : "; checkpoint " + r.checkpoint) +
                   "; continue with: ganforge train --resume " + run_dir_);
    else
      bar_->finish("train: done: " + std::to_string(r.steps) + " steps in " + Progress::format_duration(r.seconds) +
                   (s.state.team ? " on " + std::to_string(s.state.team->size()) + " processes" : "") +
                   "; samples " + r.sample_grid + ", checkpoint " + r.checkpoint);
  }

 private:
  FILE* console_;
  std::string run_dir_;
  std::unique_ptr<Progress> bar_;
};

}  // namespace

std::unique_ptr<Observer> run_log(const run::Layout& run) { return std::make_unique<RunLog>(run); }
std::unique_ptr<Observer> progress(FILE* console, const std::string& run_dir) {
  return std::make_unique<ProgressLine>(console, run_dir);
}

}  // namespace ganforge::train
