// The run directory's layout (run/layout.h): its paths, creation, the refusal to overwrite what is not a
// run, checkpoint listing and pruning.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ganforge/core/error.h"
#include "ganforge/run/layout.h"
#include "test_util.h"

namespace ganforge::run {
namespace {

void touch(const std::string& path) { std::ofstream(path) << "x"; }

TEST(Layout, NamesEveryPathOfARun) {
  const Layout run("runs/a");
  EXPECT_EQ(run.config(), "runs/a/config.toml");
  EXPECT_EQ(run.metrics(), "runs/a/metrics.jsonl");
  EXPECT_EQ(run.eval_log(), "runs/a/eval.jsonl");
  EXPECT_EQ(run.grid(1234), "runs/a/samples/step-0001234.png");
  EXPECT_EQ(run.checkpoint(5), "runs/a/checkpoints/step-0000005.pt");
  EXPECT_EQ(run.best(), "runs/a/checkpoints/best.pt");
  EXPECT_EQ(Layout::sidecar(run.best()), "runs/a/checkpoints/best.pt.crc32");
  EXPECT_EQ(Layout::of_checkpoint(run.checkpoint(5)).dir(), "runs/a");
}

TEST(Layout, CreateMarksTheRunAndOverwriteReplacesOnlyAMarkedRun) {
  test::TempDir dir;
  const Layout run(dir / "run");
  run.create(false);
  EXPECT_TRUE(std::filesystem::is_directory(run.checkpoints_dir()));
  EXPECT_TRUE(std::filesystem::is_directory(run.samples_dir()));
  EXPECT_TRUE(run.is_marked());
  EXPECT_EQ(test::read_text(run.marker()), std::string(Layout::kMarkerText) + "\n");
  touch(run.checkpoint(1));
  touch(run.config());
  touch(run.eval_log());
  touch(dir / "run/notes.txt");
  EXPECT_THROW(run.create(false), UserError) << "non-empty, no --overwrite";
  run.create(true);
  for (const std::string& gone : {run.checkpoint(1), run.config(), run.eval_log()})
    EXPECT_FALSE(std::filesystem::exists(gone)) << gone;
  EXPECT_TRUE(std::filesystem::exists(dir / "run/notes.txt")) << "only the run's own files are replaced";
  EXPECT_TRUE(run.is_marked());
  touch(dir / "file");
  EXPECT_THROW(Layout(dir / "file").create(true), UserError);
}

// --overwrite on a folder that merely looks like a run (a config.toml of another tool, a checkpoints/
// folder, a file of our marker's name with other content) wipes nothing.
TEST(Layout, OverwriteRefusesAFolderThatIsNotMarked) {
  test::TempDir dir;
  const Layout run(dir / "project");
  std::filesystem::create_directories(run.checkpoints_dir());
  touch(run.config());
  touch(run.checkpoint(7));
  EXPECT_TRUE(run.is_run()) << "a run from before markers: sample, eval and --resume still accept it";
  EXPECT_FALSE(run.is_marked());
  try {
    run.create(true);
    ADD_FAILURE() << "an unmarked folder was overwritten";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not marked as a ganforge run (no ganforge-run.json)"), std::string::npos)
        << e.what();
  }
  std::ofstream(run.marker()) << "{\"something_else\": 1}\n";
  EXPECT_FALSE(run.is_marked());
  EXPECT_THROW(run.create(true), UserError);
  EXPECT_TRUE(std::filesystem::exists(run.config()));
  EXPECT_TRUE(std::filesystem::exists(run.checkpoint(7)));
  run.mark();
  EXPECT_FALSE(run.is_marked()) << "mark() never replaces a file it does not recognise";
}

TEST(Layout, RemovesWhatAKillLeftHalfWritten) {
  test::TempDir dir;
  const Layout run(dir / "run");
  run.create(false);
  touch(run.checkpoint(10));
  touch(Layout::sidecar(run.checkpoint(10)));
  touch(Layout::sidecar(run.checkpoint(20)));  // its checkpoint never arrived
  touch(run.checkpoint(20) + ".tmp.4242");
  touch(run.grid(20) + ".tmp.4242");
  touch(run.metrics() + ".tmp.4242");
  run.remove_partial_writes();
  EXPECT_TRUE(std::filesystem::exists(run.checkpoint(10)));
  EXPECT_TRUE(std::filesystem::exists(Layout::sidecar(run.checkpoint(10))));
  for (const std::string& gone : {Layout::sidecar(run.checkpoint(20)), run.checkpoint(20) + ".tmp.4242",
                                  run.grid(20) + ".tmp.4242", run.metrics() + ".tmp.4242"})
    EXPECT_FALSE(std::filesystem::exists(gone)) << gone;
}

TEST(Layout, ListsCheckpointsByStepAndPrunesTheOldestWithTheirSidecars) {
  test::TempDir dir;
  const Layout run(dir / "run");
  EXPECT_THROW(run.latest_checkpoint(), UserError) << "no such run";
  run.create(false);
  EXPECT_THROW(run.latest_checkpoint(), UserError) << "no checkpoint yet";
  for (int64_t step : {20, 3, 100}) {
    touch(run.checkpoint(step));
    touch(Layout::sidecar(run.checkpoint(step)));
  }
  touch(run.best());
  EXPECT_EQ(run.checkpoints(), (std::vector<std::string>{run.checkpoint(3), run.checkpoint(20), run.checkpoint(100)}));
  EXPECT_EQ(run.latest_checkpoint(), run.checkpoint(100));
  run.prune(2);
  EXPECT_EQ(run.checkpoints(), (std::vector<std::string>{run.checkpoint(20), run.checkpoint(100)}));
  EXPECT_FALSE(std::filesystem::exists(Layout::sidecar(run.checkpoint(3))));
  EXPECT_TRUE(std::filesystem::exists(run.best())) << "best.pt is outside pruning";
}

}  // namespace
}  // namespace ganforge::run
