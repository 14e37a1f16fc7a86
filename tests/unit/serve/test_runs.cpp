// What `ganforge serve` reads from a runs folder (serve/runs.h): which names resolve (never outside the
// folder), JSON lines read while being written, the run state, and the GIF encoder of its exports.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ganforge/core/error.h"
#include "ganforge/io/gif.h"
#include "ganforge/run/layout.h"
#include "ganforge/serve/runs.h"
#include "test_util.h"

namespace ganforge::serve {
namespace {

namespace fsys = std::filesystem;

std::string make_run(const test::TempDir& dir, const std::string& name) {
  const run::Layout run(dir / name);
  run.create(false);
  std::ofstream(run.config()) << "name = \"" << name << "\"\n[train]\nsteps = 100\n";
  return run.dir();
}

TEST(RunsFolder, ResolvesOnlyRunsInsideTheFolder) {
  test::TempDir outside;
  test::TempDir dir;
  make_run(dir, "a");
  make_run(outside, "elsewhere");
  fsys::create_directory(dir / "not-a-run");
  fsys::create_directory_symlink(outside / "elsewhere", dir / "link-out");  // a run, but outside
  fsys::create_directory_symlink(dir / "a", dir / "link-in");               // inside: allowed
  const RunsFolder runs(dir.path.string());
  EXPECT_EQ(runs.names(), (std::vector<std::string>{"a", "link-in"}));
  EXPECT_EQ(runs.resolve("a"), fsys::canonical(dir / "a").string());
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../a", "a/..", "/etc", ".hidden", "a/b", "link-out", "not-a-run",
                                "missing", "a%2F..", std::string(300, 'x')})
    EXPECT_EQ(runs.resolve(bad), "") << bad;
  EXPECT_THROW(RunsFolder(dir / "missing"), UserError);
}

TEST(ReadJsonl, SkipsMalformedLinesAndWaitsForTheLineBeingWritten) {
  test::TempDir dir;
  const std::string path = dir / "m.jsonl";
  std::ofstream(path) << "{\"step\": 1}\nnot json\n[1, 2]\n{\"step\": 2}\n{\"step\": 3, \"lo";
  JsonlChunk c = read_jsonl(path, 0);
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[1]["step"], 2);
  EXPECT_EQ(c.skipped, 2);  // "not json" and an array
  EXPECT_EQ(c.next, 12 + 9 + 7 + 12);  // up to the end of the last whole line
  std::ofstream(path, std::ios::app) << "ss\": 1}\n";
  c = read_jsonl(path, c.next);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0]["step"], 3);
  EXPECT_FALSE(c.reset);
  std::ofstream(path) << "{\"step\": 1}\n";  // rewritten shorter (a resumed run)
  c = read_jsonl(path, 55);
  EXPECT_TRUE(c.reset);
  EXPECT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(read_jsonl(dir / "missing", 0).lines.size(), 0u);
  // A bound on bytes per read: whole lines only.
  std::ofstream(path) << "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n";
  c = read_jsonl(path, 0, 12);
  EXPECT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.next, 18);
}

TEST(RunState, FromTheStatusFileTheLastEventAndTheProcess) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const nlohmann::json none = nlohmann::json::object();
  EXPECT_EQ(run_state(none, nullptr, 100, 100), "finished");  // runs from before status files
  EXPECT_EQ(run_state(none, nullptr, 50, 100), "stopped");
  EXPECT_EQ(run_state({{"state", "finished"}}, nullptr, 50, 100), "finished");
  EXPECT_EQ(run_state({{"state", "stopped"}}, nullptr, 50, 100), "stopped");
  EXPECT_EQ(run_state({{"state", "failed"}}, nullptr, 50, 100), "failed");
  EXPECT_EQ(run_state({{"state", "failed"}}, {{"event", "rollback"}}, 50, 100), "diverged");
  EXPECT_EQ(run_state({{"state", "failed"}}, {{"event", "nonfinite"}}, 50, 100), "diverged");
  EXPECT_EQ(run_state({{"state", "training"}, {"host", host}, {"pid", getpid()}}, nullptr, 50, 100), "training");
  const pid_t gone = fork();
  if (gone == 0) _exit(0);
  ASSERT_GT(gone, 0);
  waitpid(gone, nullptr, 0);
  EXPECT_EQ(run_state({{"state", "training"}, {"host", host}, {"pid", gone}}, nullptr, 50, 100), "killed");
  // Another machine's process cannot be checked: its word is taken.
  EXPECT_EQ(run_state({{"state", "training"}, {"host", "elsewhere"}, {"pid", gone}}, nullptr, 50, 100), "training");
}

TEST(RunSummary, ListsGridsCheckpointsAndTheNewestEvaluation) {
  test::TempDir dir;
  const std::string d = make_run(dir, "r");
  const run::Layout run(d);
  std::ofstream(run.metrics()) << "{\"step\": 50, \"time_s\": 2.5}\n{\"event\": \"eval\", \"step\": 50, \"fid\": 12.5, "
                                  "\"classes\": {\"covered\": 9, \"of\": 10}}\n";
  std::ofstream(run.grid(50)) << "x";
  std::ofstream(run.grid(100)) << "x";
  std::ofstream(run.samples_dir() + "/step-x.png") << "x";  // not a grid name
  std::ofstream(run.checkpoint(100)) << "x";
  std::ofstream(run.best()) << "x";
  const nlohmann::json s = run_summary(d, "r");
  EXPECT_EQ(s["step"], 50);
  EXPECT_EQ(s["steps"], 100);
  EXPECT_EQ(s["state"], "stopped");
  EXPECT_EQ(s["fid"], 12.5);
  EXPECT_EQ(s["modes"]["covered"], 9);
  EXPECT_EQ(s["grids"], 2);
  EXPECT_EQ(sample_steps(d), (std::vector<int64_t>{50, 100}));
  const nlohmann::json cks = checkpoint_list(d);
  ASSERT_EQ(cks.size(), 2u);
  EXPECT_EQ(cks[0]["step"], 100);
  EXPECT_EQ(cks[1]["name"], "best.pt");
  EXPECT_EQ(checkpoint_path(d, "best.pt"), run.best());
  EXPECT_EQ(checkpoint_path(d, "../config.toml"), "");
  // `ganforge eval`'s line is newer than the periodic one.
  std::ofstream(run.eval_log()) << "{\"step\": 100, \"generated\": {\"fid\": 8.0, \"classes\": {\"covered\": 10, \"of\": 10}}}\n";
  EXPECT_EQ(run_summary(d, "r")["fid"], 8.0);
}

TEST(SummaryCache, RecomputesWhenTheRunMovesOn) {
  test::TempDir dir;
  const std::string d = make_run(dir, "r");
  const run::Layout run(d);
  std::ofstream(run.metrics()) << "{\"step\": 10}\n";
  SummaryCache cache;
  EXPECT_EQ(cache.get(d, "r")["step"], 10);
  const nlohmann::json sig = run_signature(d);
  EXPECT_EQ(run_signature(d), sig);  // nothing moved
  std::ofstream(run.metrics(), std::ios::app) << "{\"step\": 20}\n";
  EXPECT_NE(run_signature(d), sig);
  EXPECT_EQ(cache.get(d, "r")["step"], 20);
  std::ofstream(run.grid(20)) << "x";
  EXPECT_EQ(cache.get(d, "r")["grids"], 1);
  // A training run whose process is gone is "killed" at once, though no file changed.
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::ofstream(run.status()) << nlohmann::json({{"state", "training"}, {"host", host}, {"pid", getpid()}, {"step", 20}}).dump();
  EXPECT_EQ(cache.get(d, "r")["state"], "training");
  const pid_t gone = fork();
  if (gone == 0) _exit(0);
  waitpid(gone, nullptr, 0);
  const auto t = std::filesystem::last_write_time(run.status());
  std::ofstream(run.status()) << nlohmann::json({{"state", "training"}, {"host", host}, {"pid", gone}, {"step", 20}}).dump();
  std::filesystem::last_write_time(run.status(), t);  // same size and time: the cached summary is used
  EXPECT_EQ(cache.get(d, "r")["state"], "killed");
}

TEST(Gif, EncodesLoopingFramesOfOneSize) {
  png::Image a{4, 3, 1, std::vector<uint8_t>(12, 0)}, b{4, 3, 1, std::vector<uint8_t>(12, 255)};
  const auto bytes = gif::encode({a, b, a}, 20);
  ASSERT_GT(bytes.size(), 6u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 6), "GIF89a");
  EXPECT_EQ(bytes[6] | bytes[7] << 8, 4);  // logical screen width
  EXPECT_EQ(bytes[8] | bytes[9] << 8, 3);
  EXPECT_NE(std::string(bytes.begin(), bytes.end()).find("NETSCAPE2.0"), std::string::npos);
  EXPECT_EQ(bytes.back(), 0x3B);  // trailer
  png::Image rgb{4, 3, 3, std::vector<uint8_t>(36, 128)};
  EXPECT_THROW(gif::encode({a, rgb}, 20), UserError);
  EXPECT_THROW(gif::encode({}, 20), UserError);
  EXPECT_GT(gif::encode({rgb}, 20).size(), 6u);
}

}  // namespace
}  // namespace ganforge::serve
