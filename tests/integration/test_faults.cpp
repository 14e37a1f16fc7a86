// Write failures: a full disk or a file size limit while a run writes its checkpoint, sidecar, metrics
// line, sample grid or config, and `eval` its result line. The run must stop with one line naming the file
// and exit code 3, leave its last complete checkpoint intact and metrics.jsonl a sequence of whole lines,
// and `train --resume` must then end exactly as the uninterrupted run.
//
// Three ways to fail a write: an injected ENOSPC at the write (GANFORGE_TEST_FAULT=nospace:FILE, core/
// test_hooks.h) for each file, a real full disk (a small tmpfs in a private mount namespace; skipped where
// the sandbox forbids mounts) and a real file size limit (prlimit --fsize: EFBIG, with SIGXFSZ ignored).
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ganforge/core/config.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/layout.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "run_compare.h"
#include "test_util.h"

namespace ganforge {
namespace {

namespace fsys = std::filesystem;

std::string train_args(const std::string& out) {
  return "train --config " + test::source_dir() +
         "/configs/seed-keras-mlp.toml --deterministic --quiet --set train.steps=30 --set train.log_every=2"
         " --set train.checkpoint_every=10 --set train.sample_every=10 --set train.ema_half_life_kimg=2 --out " + out;
}

using test::log_without_time;

std::string weights_digest(const std::string& checkpoint) {
  const auto info = run::read_checkpoint_info(checkpoint);
  train::TrainState s = train::make_state(parse_config(info.config_text, "stored"), info.image_shape, 0);
  train::load_state(checkpoint, s);
  std::string out;
  for (auto* m : {static_cast<torch::nn::Module*>(s.g.get()), static_cast<torch::nn::Module*>(s.d.get()),
                  static_cast<torch::nn::Module*>(s.g_ema.get())})
    for (const auto& p : m->parameters()) {
      const auto c = p.contiguous();
      out += fs::fnv1a64_hex(c.data_ptr(), static_cast<size_t>(c.numel()) * c.element_size());
    }
  return out;
}

std::string last_line(const std::string& output) {
  std::string s = output;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t p = s.rfind('\n');
  return p == std::string::npos ? s : s.substr(p + 1);
}

// What a stopped run must have left: no temporary file, every checkpoint reads back, whole log lines.
void expect_consistent(const std::string& run) {
  for (const auto& e : fsys::recursive_directory_iterator(run))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "left behind: " << e.path();
  for (const auto& c : run::Layout(run).checkpoints()) EXPECT_NO_THROW(run::CheckpointReader{c}) << c;
  EXPECT_NO_THROW(log_without_time(run)) << "metrics.jsonl holds a broken line";
}

class WriteFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("GANFORGE_BIN"), nullptr);
    const auto r = test::run_cli(train_args(dir_ / "full"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    full_log_ = log_without_time(dir_ / "full");
    full_weights_ = weights_digest(run::Layout(dir_ / "full").checkpoint(30));
  }
  void expect_equals_full(const std::string& run) {
    EXPECT_EQ(log_without_time(run), full_log_) << "metrics.jsonl differs from the uninterrupted run's";
    EXPECT_EQ(weights_digest(run::Layout(run).checkpoint(30)), full_weights_) << "final weights differ";
  }
  test::TempDir dir_;
  std::vector<nlohmann::json> full_log_;
  std::string full_weights_;
};

TEST_F(WriteFailure, EachFileOfARunStopsItWithExit3AndTheRunResumes) {
  // FILE[@N]: the Nth write of a file whose path ends in FILE fails with ENOSPC, half of it written.
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"step-0000010.pt.crc32", "checkpoints/step-0000010.pt.crc32"},
      {"step-0000020.pt", "checkpoints/step-0000020.pt"},
      {"metrics.jsonl@9", "metrics.jsonl"},
      {"step-0000010.png", "samples/step-0000010.png"},
      {"config.toml", "config.toml"},
  };
  for (const auto& [target, file] : targets) {
    SCOPED_TRACE(target);
    const std::string run = dir_ / ("run-" + std::to_string(&target - &targets[0].first));
    auto r = test::run_cli(train_args(run), "GANFORGE_TEST_FAULT=nospace:" + target + " ");
    EXPECT_EQ(r.exit_code, 3) << r.output;
    const std::string line = last_line(r.output);
    EXPECT_EQ(test::count_lines(r.output), 1u) << "one line:\n" << r.output;
    EXPECT_EQ(line.rfind("ganforge: error: ", 0), 0u) << line;
    EXPECT_NE(line.find(run + "/" + file + ": write failed (No space left on device)"), std::string::npos) << line;
    expect_consistent(run);
    if (file == "config.toml") {
      // Before the first checkpoint: nothing to resume, and the error says no more than it knows.
      EXPECT_EQ(line.find("--resume"), std::string::npos) << line;
      continue;
    }
    EXPECT_NE(line.find("free space, then continue with: ganforge train --resume " + run), std::string::npos) << line;
    r = test::run_cli("train --resume " + run + " --quiet");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    expect_equals_full(run);
  }
}

TEST_F(WriteFailure, EvalStopsWithExit3AndKeepsItsLogWhole) {
  const std::string eval = "eval --run " + (dir_ / "full") + " --features " + test::source_dir() +
                           "/tests/reference/features_tiny.pt --n 100 --metrics fid";
  const std::string env = "GANFORGE_CACHE=" + (dir_ / "cache") + " ";
  auto r = test::run_cli(eval, env);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string log = run::Layout(dir_ / "full").eval_log(), before = test::read_text(log);
  ASSERT_EQ(test::count_lines(before), 1u);
  r = test::run_cli(eval, env + "GANFORGE_TEST_FAULT=nospace:eval.jsonl ");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // The table on stdout may come after the error on stderr: the measured values are shown, then the error.
  EXPECT_NE(r.output.find("ganforge: error: " + log + ": write failed (No space left on device)\n"), std::string::npos)
      << r.output;
  EXPECT_EQ(test::read_text(log), before) << "the half-written line was cut off again";
}

// A real full disk: the run on a tmpfs that holds one checkpoint and a half. The checkpoint at step 10
// cannot be written; once the tmpfs is made larger, --resume finishes the run.
TEST_F(WriteFailure, ARealFullDiskStopsTheRunAndItResumesOnceSpaceIsBack) {
  const auto size = fsys::file_size(run::Layout(dir_ / "full").checkpoint(30));
  const std::string mnt = dir_ / "mnt", out = dir_.path.string();
  fsys::create_directories(mnt);
  const std::string bin = std::getenv("GANFORGE_BIN");
  const std::string script =
      "mount -t tmpfs -o size=" + std::to_string(size * 3 / 2 / 1024) + "k tmpfs " + mnt + " || exit 99; " +
      bin + " " + train_args(mnt + "/run") + " > " + out + "/first.txt 2>&1; echo $? > " + out + "/first.rc; " +
      "mount -o remount,size=512m " + mnt + " && " + bin + " train --resume " + mnt + "/run --quiet > " + out +
      "/second.txt 2>&1; echo $? > " + out + "/second.rc; cp -r " + mnt + "/run " + out + "/run";
  const int status = std::system(("unshare -m sh -c '" + script + "' 2>/dev/null").c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
    GTEST_SKIP() << "this sandbox cannot mount a tmpfs in a private namespace (needs root or user namespaces)";
  const std::string first = test::read_text(out + "/first.txt");
  EXPECT_EQ(std::stoi(test::read_text(out + "/first.rc")), 3) << first;
  // Which checkpoint no longer fits depends on their sizes (the step-0 one, without Adam's moments, is smaller).
  EXPECT_NE(first.find("ganforge: error: " + mnt + "/run/checkpoints/step-"), std::string::npos) << first;
  EXPECT_NE(first.find(".pt: write failed (No space left on device); the run's last checkpoint is intact"),
            std::string::npos)
      << first;
  EXPECT_EQ(std::stoi(test::read_text(out + "/second.rc")), 0) << test::read_text(out + "/second.txt");
  expect_consistent(out + "/run");
  expect_equals_full(out + "/run");
}

// A file size limit (ulimit -f) under a full checkpoint's size: EFBIG, reported as exit 3 and a line (not
// death by SIGXFSZ); without the limit, --resume finishes the run.
TEST_F(WriteFailure, AFileSizeLimitIsReportedNotFatal) {
  const auto size = fsys::file_size(run::Layout(dir_ / "full").checkpoint(30));
  const std::string run = dir_ / "limited";
  auto r = test::run_cli(train_args(run), "prlimit --fsize=" + std::to_string(size / 2) + " ");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("ganforge: error: " + run + "/checkpoints/step-"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(".pt: write failed (File too large)"), std::string::npos) << r.output;
  expect_consistent(run);
  if (run::Layout(run).checkpoints().empty()) return;  // not even the step-0 checkpoint fitted
  r = test::run_cli("train --resume " + run + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_equals_full(run);
}

}  // namespace
}  // namespace ganforge
