// A short real training run on MNIST (the Keras seed recipe, fixed seed) and what it must leave behind.
#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/data/dataset.h"
#include "ganforge/core/error.h"
#include "ganforge/io/grid.h"
#include "ganforge/io/idx.h"
#include "ganforge/train/optim.h"
#include "ganforge/io/png.h"
#include "ganforge/run/layout.h"
#include "ganforge/app/train.h"
#include "test_state.h"
#include "seed_config.h"
#include "run_compare.h"
#include "test_util.h"

namespace ganforge {
namespace {

using test::seed_config;

std::vector<nlohmann::json> read_metrics(const std::string& run) {
  std::ifstream in(run::Layout(run).metrics());
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (!j.contains("event")) out.push_back(j);  // metrics lines only
  }
  return out;
}

// One run shared by the tests below: 2,000 steps take ~20 s on 2 cores.
class SeedRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    cfg_ = seed_config();
    cfg_.train.steps = 2000;
    cfg_.train.log_every = 20;
    cfg_.train.sample_every = 1000;
    cfg_.train.checkpoint_every = 500;
    cfg_.train.keep_checkpoints = 2;
    cfg_.train.ema_half_life_kimg = 10;  // grids and samples come from the EMA generator
    app::TrainOptions opts;
    opts.run_dir = *dir_ / "run";
    opts.console = nullptr;
    result_ = app::train(cfg_, opts);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string run() { return *dir_ / "run"; }
  static test::TempDir* dir_;
  static Config cfg_;
  static train::TrainResult result_;
};
test::TempDir* SeedRun::dir_ = nullptr;
Config SeedRun::cfg_;
train::TrainResult SeedRun::result_;

TEST_F(SeedRun, DiscriminatorAccuracyLeavesChanceAndComesBack) {
  const auto m = read_metrics(run());
  ASSERT_EQ(m.size(), 100u);
  std::vector<double> acc;
  for (const auto& line : m) acc.push_back(line["d_acc"].get<double>());
  // Steps 1-20: D has barely learned; then it wins outright against the untrained G ...
  EXPECT_LT(acc.front(), 0.8);
  const double peak = *std::max_element(acc.begin(), acc.begin() + 25);  // within the first 500 steps
  EXPECT_GT(peak, 0.97);
  // ... and as G learns to draw digits, D's accuracy falls back toward chance (0.5). Measured over steps
  // 1501-2000 for seeds 0-5 (2026-11-24), before and after the oneDNN products and fused Adam changed the
  // rounding: mean 0.81-0.95, minimum 0.51-0.81. The bounds hold for the process, not for one lucky seed:
  // the mean over steps 1801-2000 that this test used to bound by 0.9 measured 0.74-0.94 before the change
  // (seed 0: 0.74; four of six seeds above 0.9) and 0.85-0.96 after.
  double tail = 0, low = 1;
  for (size_t i = acc.size() - 25; i < acc.size(); ++i) tail += acc[i] / 25, low = std::min(low, acc[i]);
  EXPECT_LT(tail, 0.96) << "mean D accuracy over steps 1501-2000";
  EXPECT_LT(low, 0.85) << "lowest D accuracy logged over steps 1501-2000";
  EXPECT_GT(tail, 0.5) << "D must still tell real from fake better than chance";
  for (const auto& line : m) {
    EXPECT_TRUE(std::isfinite(line["loss_d"].get<double>()));
    EXPECT_TRUE(std::isfinite(line["loss_g"].get<double>()));
  }
  EXPECT_EQ(m.back()["step"].get<int64_t>(), 2000);
  EXPECT_EQ(m.back()["nimg"].get<int64_t>(), 2000 * 128);
}

TEST_F(SeedRun, WritesConfigGridsAndCheckpoints) {
  EXPECT_EQ(result_.steps, 2000);
  const Config back = load_config(run::Layout(run()).config());
  EXPECT_EQ(to_toml(back).substr(to_toml(back).find('\n')), to_toml(cfg_).substr(to_toml(cfg_).find('\n')));
  for (const char* step : {"step-0001000.png", "step-0002000.png"}) {
    const auto im = png::read(run::Layout(run()).samples_dir() + "/" + step);
    EXPECT_EQ(im.width, 8u * 30 + 2) << "8x8 grid of 28x28 with 2 px padding";
    EXPECT_EQ(im.channels, 1u);
  }
  const auto ckpts = run::Layout(run()).checkpoints();
  ASSERT_EQ(ckpts.size(), 2u) << "keep_checkpoints = 2 prunes older ones";
  EXPECT_NE(ckpts[0].find("step-0001500.pt"), std::string::npos);
  EXPECT_NE(ckpts[1].find("step-0002000.pt"), std::string::npos);
  EXPECT_EQ(result_.checkpoint, ckpts[1]);
  for (const auto& e : std::filesystem::directory_iterator(run::Layout(run()).checkpoints_dir()))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "no temporary file left: " << e.path();
}

TEST_F(SeedRun, CheckpointReproducesTheSamplesForTheSameZ) {
  const auto info = run::read_checkpoint_info(result_.checkpoint);
  EXPECT_EQ(info.step, 2000);
  EXPECT_EQ(info.image_shape, (std::vector<int64_t>{1, 28, 28}));
  const Config cfg = parse_config(info.config_text, "stored");
  train::TrainState fresh = train::make_state(cfg, info.image_shape, 8000);
  train::load_state(result_.checkpoint, fresh);
  EXPECT_EQ(fresh.step, 2000);
  EXPECT_EQ(fresh.nimg, 2000 * 128);
  torch::InferenceMode guard;
  fresh.sampling_generator()->eval();
  const auto regenerated = grid::make(fresh.sampling_generator()->forward(models::grid_noise(cfg.model, cfg.train.sample_grid, cfg.train.seed)));
  const auto written = png::read(result_.sample_grid);
  EXPECT_EQ(regenerated.data, written.data) << "the final grid and the checkpoint's G disagree";
  // The grid came from the EMA generator, which differs from the raw one.
  ASSERT_TRUE(fresh.g_ema);
  EXPECT_NE(grid::make(fresh.g->forward(models::grid_noise(cfg.model, cfg.train.sample_grid, cfg.train.seed))).data, written.data);
  // And a freshly initialised G does not (the comparison can fail).
  train::TrainState untrained = train::make_state(cfg, info.image_shape, 0);
  EXPECT_NE(grid::make(untrained.g->forward(models::grid_noise(cfg.model, cfg.train.sample_grid, cfg.train.seed))).data, written.data);
}

TEST_F(SeedRun, SampleCommandWritesIdxAndPng) {
  const std::string out = *dir_ / "s.idx.gz";
  auto r = test::run_cli("sample --run " + run() + " --n 300 --seed 5 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto a = idx::read_images(out);
  EXPECT_EQ(a.count, 300u);
  EXPECT_EQ(a.rows, 28u);
  r = test::run_cli("sample --run " + run() + " --n 300 --seed 5 --out " + (*dir_ / "t.idx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(idx::read_images(*dir_ / "t.idx").pixels, a.pixels) << "same seed, same images";
  r = test::run_cli("sample --checkpoint " + result_.checkpoint + " --n 300 --seed 6 --out " + (*dir_ / "u.idx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(idx::read_images(*dir_ / "u.idx").pixels, a.pixels) << "another seed, other images";
  // Samples are not blank: a trained G draws strokes (pixel mean of MNIST is ~33/255).
  double mean = 0;
  for (uint8_t p : a.pixels) mean += p;
  mean /= static_cast<double>(a.pixels.size());
  EXPECT_GT(mean, 10.0);
  EXPECT_LT(mean, 90.0);
  r = test::run_cli("sample --run " + run() + " --n 16 --out " + (*dir_ / "g.png"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(png::read(*dir_ / "g.png").width, 4u * 30 + 2);
}

TEST_F(SeedRun, SampleAndTrainRefuseBadRequests) {
  auto r = test::run_cli("sample --run " + run() + " --n 4 --out " + (*dir_ / "x.jpg"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("use a .png, .idx, .idx.gz, .pt or (2D data) .csv"), std::string::npos) << r.output;
  r = test::run_cli("sample --run " + (*dir_ / "missing") + " --n 4 --out " + (*dir_ / "x.png"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("run directory not found"), std::string::npos) << r.output;
  // A corrupt checkpoint names the file.
  test::write_bytes(*dir_ / "bad.pt", "PK\x03\x04 not really a zip");
  r = test::run_cli("sample --checkpoint " + (*dir_ / "bad.pt") + " --n 4 --out " + (*dir_ / "x.png"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.pt: corrupt or unreadable checkpoint"), std::string::npos) << r.output;
  // An existing run is never overwritten without --overwrite.
  const auto before = std::filesystem::last_write_time(run::Layout(run()).metrics());
  r = test::run_cli("train --config " + test::source_dir() + "/configs/seed-keras-mlp.toml --set train.steps=1 --out " +
                    run());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("run directory exists"), std::string::npos) << r.output;
  EXPECT_EQ(std::filesystem::last_write_time(run::Layout(run()).metrics()), before);
}

}  // namespace
}  // namespace ganforge

// A run stopped with SIGTERM writes a checkpoint, exits 0, and resumes to the same metrics (timing fields
// aside) and bitwise the same weights as an uninterrupted run. Runs killed at any instant: test_resume.cpp.
namespace ganforge {
namespace {

std::string train_args(const std::string& out) {
  return "train --config " + test::source_dir() + "/configs/seed-keras-mlp.toml --data " + test::source_dir() +
         "/data/mnist --deterministic --set train.steps=400 --set train.log_every=25 --set train.checkpoint_every=50"
         " --set model.d_dropout=0.2 --set train.ema_half_life_kimg=5 --quiet --out " + out;
}

using test::expect_same_weights;

// Start a training process, kill it with `signal` once `trigger` exists, wait; returns the exit status.
int run_and_signal(const std::string& args, const std::string& trigger, int signal) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string cmd = std::string(std::getenv("GANFORGE_BIN")) + " " + args + " >/dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 6000 && !std::filesystem::exists(trigger); ++i) ::usleep(10000);
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(Resume, SigtermCheckpointsAndExitsZero) {
  ASSERT_NE(std::getenv("GANFORGE_BIN"), nullptr);
  test::TempDir dir;
  auto r = test::run_cli(train_args(dir / "full"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int status = run_and_signal(train_args(dir / "stopped"), dir / "stopped/checkpoints/step-0000100.pt", SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << "SIGTERM must end the run cleanly";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const auto ckpts = run::Layout(dir / "stopped").checkpoints();
  ASSERT_FALSE(ckpts.empty());
  EXPECT_EQ(ckpts.back().find("step-0000400.pt"), std::string::npos) << "stopped before the end";
  // A corrupt newest checkpoint is skipped, not trusted: resume uses the one before it.
  test::write_bytes(dir / "stopped/checkpoints/step-0000999.pt", "truncated garbage");
  r = test::run_cli("train --resume " + (dir / "stopped"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("skipping unusable checkpoint"), std::string::npos) << r.output;
  EXPECT_EQ(test::log_without_time(dir / "stopped"), test::log_without_time(dir / "full"));
  expect_same_weights(dir / "full/checkpoints/step-0000400.pt", dir / "stopped/checkpoints/step-0000400.pt");
}

}  // namespace
}  // namespace ganforge

// Divergence guard and health warnings, through whole training runs.
namespace ganforge {
namespace {

std::vector<nlohmann::json> events(const std::string& run, const std::string& kind) {
  std::vector<nlohmann::json> out;
  std::ifstream in(run::Layout(run).metrics());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.value("event", "") == kind) out.push_back(j);
  }
  return out;
}

train::TrainResult guarded_run(const std::string& run, std::vector<int64_t> inject, int64_t health_window) {
  Config cfg = seed_config();
  cfg.train.steps = 120;
  cfg.train.log_every = 10;
  cfg.train.sample_every = 0;
  cfg.train.checkpoint_every = 50;
  cfg.train.health_window = health_window;
  app::TrainOptions opts;
  opts.run_dir = run;
  opts.console = nullptr;
  opts.inject_nonfinite_at = std::move(inject);
  return app::train(cfg, opts);
}

void expect_finite_weights(const std::string& ckpt) {
  const auto info = run::read_checkpoint_info(ckpt);
  train::TrainState s = train::make_state(parse_config(info.config_text, "stored"), info.image_shape, 0);
  train::load_state(ckpt, s);
  for (const auto& p : s.g->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

TEST(Guard, SkipsANonFiniteStepAndWarnsAboutASaturatedD) {
  test::TempDir dir;
  const auto r = guarded_run(dir / "run", {30}, 40);
  EXPECT_EQ(r.steps, 120);
  const auto skips = events(dir / "run", "nonfinite");
  ASSERT_EQ(skips.size(), 1u);
  EXPECT_EQ(skips[0]["step"].get<int64_t>(), 30);
  EXPECT_TRUE(events(dir / "run", "rollback").empty());
  expect_finite_weights(r.checkpoint);
  // The untrained G loses outright for the first hundreds of steps of the Keras seed.
  const auto warnings = events(dir / "run", "warning");
  ASSERT_FALSE(warnings.empty());
  EXPECT_EQ(warnings[0]["what"], "d_saturated");
}

// The main job's config, a healthy run, raises no warning at any grid of its first 1,500 steps. Judged on
// its EMA generator, as before 2026-12-02, the grids of steps 250-1,500 measured 0.25-0.41 of the real
// data's diversity (docs/results/diversity-g-vs-ema.txt) and warned; G's own samples measured 0.61-0.85.
TEST(Health, TheMainJobsConfigRaisesNoFalseAlarm) {
  test::TempDir dir;
  const auto r = test::train_short("mnist-mlp", 1500, dir / "run", "--set train.sample_every=250");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (int64_t step = 250; step <= 1500; step += 250)
    EXPECT_TRUE(std::filesystem::exists(run::Layout(dir / "run").grid(step))) << "grid judged at step " << step;
  for (const auto& w : events(dir / "run", "warning")) ADD_FAILURE() << "false alarm: " << w.dump();
}

TEST(Guard, WarnsWhenTheSamplesCollapseOntoOnePoint) {
  test::TempDir dir;
  Config cfg = seed_config();
  cfg.train.ema_half_life_kimg = 1;  // with an EMA generator, as the main job has: G's samples are judged
  cfg.train.steps = 10;
  cfg.train.sample_every = 0;
  cfg.train.checkpoint_every = 10;
  app::TrainOptions opts;
  opts.run_dir = dir / "run";
  opts.console = nullptr;
  const auto r = app::train(cfg, opts);
  // G's output layer zeroed: one step later every sample is (nearly) the same image.
  test::collapse_generator(r.checkpoint);
  cfg.train.steps = 11;
  opts.resume = true;
  app::train(cfg, opts);
  std::vector<nlohmann::json> collapse;
  for (const auto& w : events(dir / "run", "warning"))
    if (w["what"] == "low_diversity" && w["step"] == 11) collapse.push_back(w);
  ASSERT_EQ(collapse.size(), 1u);
  EXPECT_LT(collapse[0]["diversity"].get<double>(), 0.05);
  EXPECT_NE(collapse[0]["message"].get<std::string>().find("collapsing"), std::string::npos);
}

TEST(Guard, RepeatedNonFiniteStepsRollBackAndLowerTheLearningRates) {
  test::TempDir dir;
  std::vector<int64_t> inject;
  for (int64_t step = 61; step <= 72; ++step) inject.push_back(step);
  const auto r = guarded_run(dir / "run", inject, 0);
  EXPECT_EQ(r.steps, 120);
  const auto rollbacks = events(dir / "run", "rollback");
  ASSERT_EQ(rollbacks.size(), 1u);
  EXPECT_EQ(rollbacks[0]["from_step"].get<int64_t>(), 70) << "10 (train.nonfinite_patience) bad steps: 61-70";
  EXPECT_EQ(rollbacks[0]["step"].get<int64_t>(), 50) << "back to the checkpoint at step 50";
  EXPECT_DOUBLE_EQ(rollbacks[0]["lr_scale"].get<double>(), 0.5);
  EXPECT_EQ(events(dir / "run", "nonfinite").size(), 12u) << "61-70, then 71 and 72 after the rollback";
  // Each step is logged once: the lines after step 50 from before the rollback were dropped.
  int64_t prev = 0;
  for (const auto& line : read_metrics(dir / "run")) {
    EXPECT_GT(line["step"].get<int64_t>(), prev);
    prev = line["step"].get<int64_t>();
  }
  EXPECT_EQ(prev, 120);
  // The lowered rates are in the final checkpoint.
  const auto info = run::read_checkpoint_info(r.checkpoint);
  train::TrainState s = train::make_state(parse_config(info.config_text, "stored"), info.image_shape, 8000);
  train::load_state(r.checkpoint, s);
  EXPECT_DOUBLE_EQ(s.lr_scale, 0.5);
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamOptions&>(s.opt_g->param_groups()[0].options()).lr(), 1e-4);
  expect_finite_weights(r.checkpoint);
}

}  // namespace
}  // namespace ganforge
