// RUN/status.json: what a run is doing, for anyone watching it (ganforge serve).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "ganforge/io/fs.h"
#include "ganforge/train/observers.h"

namespace ganforge::train {
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

class StatusFile : public Observer {
 public:
  explicit StatusFile(run::Layout run) : run_(std::move(run)) {}

  // A process that leaves by an exception never reaches on_end: the file then says "failed" (best effort,
  // nothing may throw here).
  ~StatusFile() override {
    if (!started_ || ended_) return;
    try {
      write("failed", "the training process ended with an error at step " + std::to_string(step_) +
                          " (its console has the message)");
    } catch (...) {
    }
  }

  void on_start(Session& s) override {
    // The sessions of earlier processes are kept; a malformed or missing file starts the list afresh.
    try {
      const auto bytes = fs::read_file_bytes(run_.status());
      const auto old = nlohmann::json::parse(bytes.begin(), bytes.end());
      if (s.resumed && old.is_object() && old.contains("sessions") && old["sessions"].is_array())
        sessions_ = old["sessions"];
    } catch (const std::exception&) {
    }
    if (!sessions_.is_array()) sessions_ = nlohmann::json::array();
    sessions_.push_back({{"from_step", s.state.step}, {"started", unix_now()}, {"pid", static_cast<int64_t>(getpid())}});
    started_ = true;
    steps_ = s.steps;
    step_ = s.state.step;
    write("training", "");
  }

  void on_step(Session& s, const StepReport& r) override {
    step_ = r.step;
    if (s.state.watch.log_lines != logged_lines_) {  // a metrics line (or event) was written this step
      logged_lines_ = s.state.watch.log_lines;
      write("training", "");
    }
  }

  void on_rollback(Session& s, int64_t) override {
    step_ = s.state.step;
    write("training", "");
  }

  void on_end(Session& s) override {
    ended_ = true;
    step_ = s.state.step;
    write(s.result.interrupted ? "stopped" : "finished", "");
  }

 private:
  void write(const std::string& state, const std::string& message) {
    const double now = unix_now();
    nlohmann::json& last = sessions_.back();
    last["updated"] = now;
    if (state != "training") {
      last["ended"] = now;
      last["outcome"] = state;
    }
    nlohmann::json j = {{"state", state},         {"step", step_},  {"steps", steps_},
                        {"pid", static_cast<int64_t>(getpid())}, {"host", host_name()},
                        {"updated", now},         {"sessions", sessions_}};
    if (!message.empty()) j["message"] = message;
    // A heartbeat: atomic for readers, synced to the disk only when the process ends.
    fs::write_text_atomic(run_.status(), j.dump(1) + "\n", /*durable=*/state != "training");
  }

  run::Layout run_;
  nlohmann::json sessions_;
  bool started_ = false;
  bool ended_ = false;
  int64_t step_ = 0;
  int64_t steps_ = 0;
  int64_t logged_lines_ = -1;
};

}  // namespace

std::unique_ptr<Observer> status_file(const run::Layout& run) { return std::make_unique<StatusFile>(run); }

}  // namespace ganforge::train
