// Exact resume, at every instant: each config family is trained once without interruption, then killed
// (SIGKILL, through the test kill points of core/test_hooks.h) between checkpoints, right after an event
// line and in the middle of a checkpoint write, and resumed with `train --resume`. Every resumed run must end
// with the uninterrupted run's metrics.jsonl, line for line (timing fields aside), and bitwise its weights.
//
// The kill points are drawn from a seed printed with each case; a failure is reproduced with
//   GANFORGE_RESUME_SEED=<seed> ctest -R Resume
// (unset, each run draws a new seed, so CI explores other instants over time).
#include <torch/torch.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

#include "ganforge/core/config.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/layout.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "run_compare.h"
#include "test_util.h"

namespace ganforge {
namespace {

struct ResumeCase {
  std::string name;
  std::string config;             // configs/<config>.toml
  std::vector<std::string> sets;  // --set overrides
  bool evaluator = false;         // periodic evaluation: a small MNIST evaluator is trained first
  bool events = false;            // the run writes event lines (warnings, evals): kill after one of them
};
void PrintTo(const ResumeCase& c, std::ostream* os) { *os << c.name; }

std::vector<ResumeCase> cases() {
  return {
      {"mlp_dropout_ema", "seed-keras-mlp",
       {"train.steps=40", "train.log_every=3", "model.d_dropout=0.3", "train.ema_half_life_kimg=1",
        "train.sample_every=10", "train.checkpoint_every=8", "train.keep_checkpoints=2"}},
      {"dcgan_bn", "mnist-dcgan",
       {"train.steps=8", "data.batch_size=16", "train.log_every=1", "train.sample_every=4", "train.checkpoint_every=3"}},
      {"wgangp_k5", "fashion-wgangp",
       {"train.steps=6", "data.batch_size=16", "train.log_every=1", "train.sample_every=3", "train.checkpoint_every=2"}},
      {"conditional", "mnist-cgan",
       {"train.steps=24", "train.eval_every=0", "train.log_every=2", "train.sample_every=8",
        "train.checkpoint_every=8"}},
      {"diffaugment", "fashion-hinge-sn",
       {"train.steps=8", "data.batch_size=16", "train.diffaugment='color,translation,cutout'", "train.log_every=1",
        "train.sample_every=4", "train.checkpoint_every=3"}},
      // pix2pix: dropout is G's noise, the pairs' edge maps are made at every start.
      {"pix2pix", "edges2fashion-32",
       {"train.steps=6", "data.batch_size=8", "model.g_channels=8", "model.d_channels=8", "train.log_every=1",
        "train.sample_every=3", "train.checkpoint_every=2"}},
      {"eval_best", "mnist-mlp",
       {"train.steps=30", "train.log_every=3", "train.eval_every=6", "train.eval_n=300",
        "train.eval_metrics='fid,kid,classes'", "train.sample_every=10", "train.checkpoint_every=10"},
       true, true},
      // The Keras seed: D saturates at once (d_saturated warnings) and its noise-blob samples warn too.
      {"collapsing_seed", "seed-keras-mlp",
       {"train.steps=60", "train.log_every=5", "train.health_window=10", "train.sample_every=10",
        "train.checkpoint_every=25"},
       false, true},
  };
}

uint64_t resume_seed() {
  static const uint64_t seed = [] {
    const char* v = std::getenv("GANFORGE_RESUME_SEED");
    return v ? std::stoull(v) : static_cast<uint64_t>(std::random_device{}());
  }();
  return seed;
}

std::string train_args(const ResumeCase& c, const std::string& out) {
  std::string args = "train --config " + test::source_dir() + "/configs/" + c.config + ".toml --deterministic --quiet";
  for (const auto& s : c.sets) {
    std::string v = s;  // TOML strings: 'a,b' in the table, "a,b" in the value
    for (char& ch : v)
      if (ch == '\'') ch = '"';
    args += " --set '" + v + "'";
  }
  return args + " --out " + out;
}

using test::expect_same_weights;
using test::log_without_time;

class Resume : public ::testing::TestWithParam<ResumeCase> {
 protected:
  void SetUp() override {
    const ResumeCase& c = GetParam();
    ASSERT_NE(std::getenv("GANFORGE_BIN"), nullptr);
    if (c.evaluator) {
      env_ = "GANFORGE_CACHE=" + (dir_ / "cache") + " ";
      test::train_small_evaluator(dir_ / "cache");
    }
    const auto r = test::run_cli(train_args(c, dir_ / "full"), env_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    full_ = log_without_time(dir_ / "full");
    for (const auto& line : full_) {
      if (line.contains("event")) ++events_;
      if (line.value("best", false)) ++best_writes_;
      if (!line.contains("event")) last_step_ = line["step"];
    }
    const std::vector<std::string> ckpts = run::Layout(dir_ / "full").checkpoints();
    ASSERT_FALSE(ckpts.empty());
    final_ = ckpts.back();
    rng_.seed(resume_seed() ^ std::stoull(fs::fnv1a64_hex(c.name.data(), c.name.size()), nullptr, 16));
  }

  // Kill a fresh run at `point`, check that it died by SIGKILL, resume it, compare with the full run.
  void kill_and_resume(const std::string& name, const std::string& point) {
    SCOPED_TRACE("kill point " + point + " (GANFORGE_RESUME_SEED=" + std::to_string(resume_seed()) + ")");
    const std::string run = dir_ / name;
    auto r = test::run_cli(train_args(GetParam(), run), env_ + "GANFORGE_TEST_FAULT=" + point + " ");
    ASSERT_EQ(r.exit_code, 128 + SIGKILL) << "the run was not killed at " << point << ":\n" << r.output;
    if (point.rfind("write:", 0) == 0) check_half_written(run, point.substr(6, point.find('@') - 6));
    r = test::run_cli("train --resume " + run + " --quiet", env_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto got = log_without_time(run);
    EXPECT_EQ(got.size(), full_.size()) << "metrics.jsonl line count";
    for (size_t i = 0; i < std::min(got.size(), full_.size()); ++i)
      if (got[i] != full_[i]) {
        ADD_FAILURE() << "metrics.jsonl line " << i + 1 << " differs:\n  uninterrupted " << full_[i].dump()
                      << "\n  resumed       " << got[i].dump();
        break;
      }
    expect_same_weights(final_, run::Layout(run).checkpoint(last_step_));
    for (const auto& entry : std::filesystem::recursive_directory_iterator(run))
      EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << "left behind: " << entry.path();
  }

  // Killed halfway through writing `file`: the half-written bytes are in a temporary file, never under the
  // file's own name (and best.pt, if it was being replaced, still matches its sidecar).
  void check_half_written(const std::string& run, const std::string& file) {
    bool temporary = false;
    for (const auto& entry : std::filesystem::directory_iterator(run + "/checkpoints"))
      temporary |= entry.path().filename().string().rfind(file + ".tmp.", 0) == 0;
    EXPECT_TRUE(temporary) << "no half-written temporary file of " << file;
    const std::string path = run + "/checkpoints/" + file;
    if (std::filesystem::exists(path)) EXPECT_NO_THROW(run::CheckpointReader{path}) << path;
  }

  int64_t pick(int64_t lo, int64_t hi, const std::function<bool(int64_t)>& ok = [](int64_t) { return true; }) {
    std::vector<int64_t> choices;
    for (int64_t v = lo; v <= hi; ++v)
      if (ok(v)) choices.push_back(v);
    EXPECT_FALSE(choices.empty());
    return choices.empty() ? lo : choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(rng_)];
  }

  int64_t config_int(const std::string& key) {
    for (const auto& s : GetParam().sets)
      if (s.rfind(key + "=", 0) == 0) return std::stoll(s.substr(key.size() + 1));
    ADD_FAILURE() << key << " is not set in the case";
    return 1;
  }

  test::TempDir dir_;
  std::string env_;
  std::vector<nlohmann::json> full_;
  int64_t events_ = 0, last_step_ = 0, best_writes_ = 0;
  std::string final_;
  std::mt19937_64 rng_;
};

TEST_P(Resume, KilledAnywhereAndResumedEqualsTheUninterruptedRun) {
  std::printf("[ resume ] %s: kill points from GANFORGE_RESUME_SEED=%llu\n", GetParam().name.c_str(),
              static_cast<unsigned long long>(resume_seed()));
  const int64_t every = config_int("train.checkpoint_every");
  // Between two checkpoints: after a step that writes none.
  kill_and_resume("between", "step:" + std::to_string(pick(1, last_step_ - 1, [&](int64_t s) { return s % every; })));
  // Halfway through writing a checkpoint (the last one included: its predecessor is still kept).
  const int64_t ckpt = pick(1, last_step_, [&](int64_t s) { return s % every == 0 || s == last_step_; });
  kill_and_resume("in_write", "write:" + run::step_name(ckpt) + ".pt");
  if (GetParam().events) {
    ASSERT_GT(events_, 0) << "the case is meant to write events";
    kill_and_resume("after_event", "event:" + std::to_string(pick(1, events_)));
  }
  if (GetParam().evaluator) {
    // Halfway through replacing best.pt: the old one must still read back (its sidecar lists both checksums).
    ASSERT_GE(best_writes_, 2) << "the case is meant to improve on its best at least once";
    kill_and_resume("in_best_write", "write:best.pt@" + std::to_string(pick(2, best_writes_)));
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, Resume, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ganforge
