// The training loop and each observer on their own, without the CLI: a tiny MLP GAN on 2D points (no data
// files), a run directory in a temporary folder.
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "ganforge/eval/evaluator.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/layout.h"
#include "ganforge/train/observers.h"
#include "test_util.h"

namespace ganforge::train {
namespace {

Config tiny_config() {
  Config cfg;
  cfg.data.dataset = "ring8";
  cfg.model.z_dim = 2;
  cfg.model.g_hidden = {8};
  cfg.model.d_hidden = {8};
  cfg.model.g_output = "linear";
  cfg.data.batch_size = 20;
  cfg.train.steps = 8;
  cfg.train.log_every = 2;
  cfg.train.sample_every = 0;
  cfg.train.checkpoint_every = 0;
  cfg.train.sample_grid = 16;
  cfg.train.threads = 1;
  return cfg;
}

// Everything a Session needs, built small.
struct Fixture {
  explicit Fixture(Config c = tiny_config(), bool resumed = false)
      : cfg(std::move(c)),
        data(cfg.data.dataset == "ring8" ? data::make_toy("ring8", 400, 1) : data::load(cfg.data.dataset, "", "test")),
        state(make_state(cfg, data.image_shape(), data.size())),
        objective(cfg.loss),
        session(state, data, objective, cfg.train.steps, resumed) {
    std::filesystem::create_directories(run.checkpoints_dir());
    std::filesystem::create_directories(run.samples_dir());
    std::ofstream(run.config()) << to_toml(cfg);
  }
  test::TempDir dir;
  run::Layout run{dir / "run"};
  Config cfg;
  data::Dataset data;
  TrainState state;
  losses::Objective objective;
  Session session;
};

// Writes down every call it gets.
struct Recorder : Observer {
  std::vector<std::string> calls;
  std::vector<StepReport> steps;
  std::vector<nlohmann::json> events;
  void on_start(Session&) override { calls.push_back("start"); }
  void on_step(Session&, const StepReport& r) override {
    calls.push_back("step " + std::to_string(r.step));
    steps.push_back(r);
  }
  void on_event(Session&, const nlohmann::json& e) override { events.push_back(e); }
  void on_rollback(Session& s, int64_t from) override {
    calls.push_back("rollback " + std::to_string(from) + " -> " + std::to_string(s.state.step));
  }
  void on_checkpoint(Session&, const std::string& path) override {
    calls.push_back("checkpoint " + std::filesystem::path(path).filename().string());
  }
  void on_end(Session&) override { calls.push_back("end"); }
};

// Records into a Recorder owned by the test (the session owns the observer it is given).
struct Forward : Observer {
  explicit Forward(Recorder& r) : r_(r) {}
  void on_start(Session& s) override { r_.on_start(s); }
  void on_step(Session& s, const StepReport& r) override { r_.on_step(s, r); }
  void on_event(Session& s, const nlohmann::json& e) override { r_.on_event(s, e); }
  void on_rollback(Session& s, int64_t from) override { r_.on_rollback(s, from); }
  void on_checkpoint(Session& s, const std::string& p) override { r_.on_checkpoint(s, p); }
  void on_end(Session& s) override { r_.on_end(s); }
  Recorder& r_;
};

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

std::vector<std::string> what(const std::vector<nlohmann::json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e["event"].get<std::string>() + (e.contains("what") ? ":" + e["what"].get<std::string>() : ""));
  return out;
}

TEST(Loop, RunsTheBudgetAndCallsEachObserverInOrder) {
  Fixture f;
  Recorder rec;
  f.session.add(std::make_unique<Forward>(rec));
  const TrainResult r = f.session.run();
  EXPECT_EQ(r.steps, 8);
  EXPECT_FALSE(r.interrupted);
  std::vector<std::string> want = {"start"};
  for (int i = 1; i <= 8; ++i) want.push_back("step " + std::to_string(i));
  want.push_back("end");
  EXPECT_EQ(rec.calls, want);
  for (const auto& s : rec.steps) {
    EXPECT_TRUE(s.finite);
    EXPECT_EQ(s.last(), s.step == 8);
    EXPECT_EQ(s.sums.d_count, 1);
    EXPECT_EQ(s.sums.g_count, 1);
  }
  EXPECT_EQ(f.state.d_updates, 8);
  EXPECT_EQ(f.state.nimg, 8 * 20);
  EXPECT_EQ(f.state.meter.d_count, 8) << "no log observer: the meter keeps every step";
}

TEST(Loop, DStepsRunThatManyDiscriminatorPhasesPerStep) {
  Config cfg = tiny_config();
  cfg.train.d_steps = 3;
  Fixture f(cfg);
  f.session.run();
  EXPECT_EQ(f.state.d_updates, 24);
  EXPECT_EQ(f.state.nimg, 24 * 20);
}

TEST(Loop, AStopRequestEndsTheRunAfterTheCurrentStep) {
  struct StopAt3 : Observer {
    void on_step(Session&, const StepReport& r) override {
      if (r.step == 3) request_stop();
    }
  };
  Fixture f;
  f.session.add(std::make_unique<StopAt3>());
  const TrainResult r = f.session.run();
  clear_stop();
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.steps, 3);
}

TEST(RunLog, WritesAMeanLineEveryLogEveryStepsAndEveryEvent) {
  struct EventAt3 : Observer {
    void on_step(Session& s, const StepReport& r) override {
      if (r.step == 3) s.emit({{"event", "warning"}, {"what", "test"}, {"step", 3}, {"message", "m"}});
    }
  };
  Fixture f;  // log_every 2
  f.session.add(std::make_unique<EventAt3>());
  f.session.add(run_log(f.run));
  f.session.run();
  const auto lines = read_lines(f.run.metrics());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["step"], 2);
  EXPECT_EQ(lines[1]["event"], "warning");
  EXPECT_EQ(lines[2]["step"], 4);
  EXPECT_EQ(lines[3]["step"], 6);
  EXPECT_EQ(lines[4]["step"], 8);
  EXPECT_EQ(lines[4]["nimg"], 160);
  EXPECT_DOUBLE_EQ(lines[4]["epoch"].get<double>(), 160.0 / 400);
  for (const char* k : {"loss_d", "loss_g", "d_real", "d_fake", "d_acc", "penalty", "it_per_s", "time_s"})
    EXPECT_TRUE(lines[4].contains(k)) << k;
  EXPECT_EQ(f.state.meter.d_count, 0) << "the meter is reset by each line";
}

TEST(RunLog, OnResumeDropsLinesAfterTheStateStepAndKeepsEvents) {
  Fixture f(tiny_config(), /*resumed=*/true);
  {
    std::ofstream out(f.run.metrics());
    for (int step = 2; step <= 8; step += 2) out << nlohmann::json{{"step", step}}.dump() << "\n";
    out << nlohmann::json{{"event", "warning"}, {"step", 7}, {"message", "kept"}}.dump() << "\n";
    out << "{\"step\": 9, \"cut by a cra";  // a line cut by a crash ends the usable log
  }
  f.state.step = 4;
  f.session.add(run_log(f.run));
  f.session.run();
  const auto lines = read_lines(f.run.metrics());
  std::vector<std::string> got;
  for (const auto& l : lines) got.push_back(l.contains("event") ? "event" : std::to_string(l["step"].get<int>()));
  EXPECT_EQ(got, (std::vector<std::string>{"2", "4", "event", "6", "8"}));
}

TEST(Guard, SkipsNonFiniteStepsThenRollsBackWithLowerLearningRates) {
  Config cfg = tiny_config();
  cfg.train.nonfinite_patience = 3;
  cfg.train.rollback_lr_factor = 0.5;
  Fixture f(cfg);
  Recorder rec;
  f.session.poison_steps = {2, 4, 5, 6};
  f.session.add(divergence_guard(f.run, nullptr));
  f.session.add(std::make_unique<Forward>(rec));
  f.session.add(checkpoints(f.run));  // step 0 only (checkpoint_every = 0), then the last
  const TrainResult r = f.session.run();
  EXPECT_EQ(r.steps, 8);
  EXPECT_EQ(what(rec.events), (std::vector<std::string>{"nonfinite", "nonfinite", "nonfinite", "nonfinite", "rollback"}));
  EXPECT_EQ(rec.events[0]["step"], 2);
  EXPECT_EQ(rec.events[4]["from_step"], 6);
  EXPECT_EQ(rec.events[4]["step"], 0);
  EXPECT_DOUBLE_EQ(f.state.lr_scale, 0.5);
  for (auto* opt : {f.state.opt_g.get(), f.state.opt_d.get()})
    EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamOptions&>(opt->param_groups()[0].options()).lr(), 2e-4 * 0.5);
  // The step that rolled back reached no later observer; after it, training ran from step 0 again.
  EXPECT_NE(std::find(rec.calls.begin(), rec.calls.end(), "rollback 6 -> 0"), rec.calls.end());
  EXPECT_EQ(std::count(rec.calls.begin(), rec.calls.end(), "step 6"), 1) << "step 6 once: after the rollback";
  EXPECT_EQ(rec.steps.back().step, 8);
}

TEST(SaturationMonitor, WarnsOnceWhenDWinsForTheWholeWindow) {
  Config cfg = tiny_config();
  cfg.train.health_window = 3;
  Fixture f(cfg);
  Recorder rec;
  auto monitor = saturation_monitor();
  f.session.add(std::make_unique<Forward>(rec));
  StepReport r;
  r.sums.d_count = 1;
  auto feed = [&](int64_t step, double acc) {
    r.step = step;
    r.sums.d_acc = acc;
    monitor->on_step(f.session, r);
  };
  feed(1, 1.0), feed(2, 1.0), feed(3, 0.5);  // broken before the window
  EXPECT_TRUE(rec.events.empty());
  for (int64_t step = 4; step <= 10; ++step) feed(step, 0.995);
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0]["what"], "d_saturated");
  EXPECT_EQ(rec.events[0]["step"], 6);
}

TEST(Checkpoints, WriteAtStartCadenceAndEndKeepTheNewestAndRefuseNonFiniteWeights) {
  Config cfg = tiny_config();
  cfg.train.steps = 7;
  cfg.train.checkpoint_every = 2;
  cfg.train.keep_checkpoints = 2;
  Fixture f(cfg);
  Recorder rec;
  f.session.add(checkpoints(f.run));
  f.session.add(std::make_unique<Forward>(rec));
  const TrainResult r = f.session.run();
  std::vector<std::string> written;
  for (const auto& c : rec.calls)
    if (c.rfind("checkpoint", 0) == 0) written.push_back(c);
  EXPECT_EQ(written, (std::vector<std::string>{"checkpoint step-0000000.pt", "checkpoint step-0000002.pt", "checkpoint step-0000004.pt",
                                                "checkpoint step-0000006.pt", "checkpoint step-0000007.pt"}));
  EXPECT_EQ(f.run.checkpoints(), (std::vector<std::string>{f.run.checkpoint(6), f.run.checkpoint(7)}));
  EXPECT_EQ(r.checkpoint, f.run.checkpoint(7));
  EXPECT_TRUE(std::filesystem::exists(run::Layout::sidecar(f.run.checkpoint(7))));
  EXPECT_FALSE(std::filesystem::exists(run::Layout::sidecar(f.run.checkpoint(4)))) << "pruned with its sidecar";
  // A NaN weight: the checkpoint is refused with an event, nothing is written.
  {
    torch::NoGradGuard no_grad;
    f.state.g->parameters()[0].fill_(std::numeric_limits<float>::quiet_NaN());
  }
  auto cp = checkpoints(f.run);
  StepReport last;
  last.step = last.steps = 8;
  f.state.step = 8;
  cp->on_step(f.session, last);
  EXPECT_EQ(what(rec.events), (std::vector<std::string>{"checkpoint_refused"}));
  EXPECT_FALSE(std::filesystem::exists(f.run.checkpoint(8)));
}

TEST(SampleGrids, WriteAtCadenceAndAtTheEndAndWarnWhenSamplesCollapse) {
  Config cfg = tiny_config();
  cfg.train.steps = 4;
  cfg.train.sample_every = 3;
  Fixture f(cfg);
  Recorder rec;
  f.session.add(sample_grids(f.run));
  f.session.add(std::make_unique<Forward>(rec));
  {
    // G's output layer zeroed: every sample is its bias, one point.
    torch::NoGradGuard no_grad;
    for (auto& p : f.state.g->parameters()) p.zero_();
  }
  const TrainResult r = f.session.run();
  EXPECT_TRUE(std::filesystem::exists(f.run.grid(3)));
  EXPECT_TRUE(std::filesystem::exists(f.run.grid(4)));
  EXPECT_FALSE(std::filesystem::exists(f.run.grid(2)));
  EXPECT_EQ(r.sample_grid, f.run.grid(4));
  ASSERT_FALSE(rec.events.empty());
  EXPECT_EQ(rec.events[0]["what"], "low_diversity");
  EXPECT_LT(rec.events[0]["diversity"].get<double>(), 0.4);
}

TEST(PeriodicEval, MeasuresAtItsCadenceKeepsTheBestAndWarnsAboutFewClasses) {
  test::TempDir cache;
  ::setenv("GANFORGE_CACHE", cache.path.c_str(), 1);
  evaluator::FitOptions fit;  // a briefly trained MNIST evaluator where periodic evaluation looks for it
  fit.max_steps = 10;
  fit.out = evaluator::default_path("mnist");
  fit.console = nullptr;
  evaluator::train_evaluator(fit);
  Config cfg = tiny_config();
  cfg.data.dataset = "mnist";
  cfg.model.g_output = "tanh";
  cfg.train.steps = 4;
  cfg.train.eval_every = 2;
  cfg.train.eval_n = 60;
  cfg.train.eval_metrics = "fid,classes";
  Fixture f(cfg);
  Recorder rec;
  f.session.add(periodic_eval(f.run, nullptr));
  f.session.add(std::make_unique<Forward>(rec));
  f.session.run();
  std::vector<nlohmann::json> evals;
  for (const auto& e : rec.events)
    if (e["event"] == "eval") evals.push_back(e);
  ASSERT_EQ(evals.size(), 2u);
  EXPECT_EQ(evals[0]["step"], 2);
  EXPECT_EQ(evals[1]["step"], 4);
  EXPECT_EQ(evals[0]["n"], 60);
  EXPECT_TRUE(evals[0]["best"].get<bool>()) << "the first evaluation is the best so far";
  EXPECT_EQ(evals[1].contains("best"), evals[1]["fid"].get<double>() < evals[0]["fid"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(f.run.best()));
  EXPECT_GT(f.session.overhead_s, 0) << "evaluation time is left out of it_per_s";
  // An untrained G makes one blur: its classes collapse at both evaluations, and the observer says so at the
  // second (one evaluation alone is not enough: a healthy run may start that way).
  std::vector<nlohmann::json> few;
  for (const auto& e : rec.events)
    if (e["event"] == "warning" && e["what"] == "few_classes") few.push_back(e);
  ASSERT_EQ(few.size(), 1u);
  EXPECT_EQ(few[0]["step"], 4);
  EXPECT_EQ(few[0]["since"], 2);
  EXPECT_LT(evals[0]["classes"]["represented"].get<int64_t>(), 8);
}

TEST(Progress, PrintsEventsAndTheClosingLine) {
  Fixture f;
  FILE* out = std::tmpfile();
  f.session.add(progress(out, "runs/x"));
  struct EventAt2 : Observer {
    void on_step(Session& s, const StepReport& r) override {
      if (r.step == 2) s.emit({{"event", "warning"}, {"message", "look here"}});
    }
  };
  f.session.add(std::make_unique<EventAt2>());
  f.session.run();
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text += static_cast<char>(c);
  std::fclose(out);
  EXPECT_NE(text.find("warning: look here"), std::string::npos) << text;
  EXPECT_NE(text.find("train: done: 8 steps"), std::string::npos) << text;
}

}  // namespace
}  // namespace ganforge::train
