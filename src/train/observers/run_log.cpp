// metrics.jsonl and the console: the two observers that report the numbers of every step.
#include <chrono>
#include <fstream>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/progress.h"
#include "ganforge/train/observers.h"

namespace ganforge::train {
namespace {

double mean(double sum, int64_t count) { return sum / static_cast<double>(std::max<int64_t>(1, count)); }

bool log_step(const Session& s, const StepReport& r) { return r.step % s.state.cfg.train.log_every == 0 || r.last(); }

// Keep the metrics.jsonl lines up to `step`: later ones belong to work the checkpoint does not hold, and the
// resumed run writes them again.
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

class RunLog : public Observer {
 public:
  explicit RunLog(run::Layout run) : run_(std::move(run)) {}

  void on_start(Session& s) override {
    if (s.resumed) truncate_metrics(run_.metrics(), s.state.step);
    open();
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
    write(line);
    s.state.meter.reset();
    mark(s);
  }

  void on_event(Session&, const nlohmann::json& event) override { write(event); }

  void on_rollback(Session& s, int64_t) override {
    out_.close();
    truncate_metrics(run_.metrics(), s.state.step);
    open();
    last_log_step_ = s.state.step;
  }

 private:
  void open() {
    out_.open(run_.metrics(), std::ios::app);
    if (!out_) throw UserError(run_.metrics() + ": cannot write");
  }
  void write(const nlohmann::json& j) { out_ << j.dump() << "\n" << std::flush; }
  void mark(const Session& s) {
    last_log_ = std::chrono::steady_clock::now();
    last_log_step_ = s.state.step;
    overhead_at_last_log_ = s.overhead_s;
  }

  run::Layout run_;
  std::ofstream out_;
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
