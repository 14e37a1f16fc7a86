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

TEST(Layout, CreateRefusesAnExistingFolderUnlessItIsARunAndOverwriteIsGiven) {
  test::TempDir dir;
  const Layout run(dir / "run");
  run.create(false);
  EXPECT_TRUE(std::filesystem::is_directory(run.checkpoints_dir()));
  EXPECT_TRUE(std::filesystem::is_directory(run.samples_dir()));
  touch(run.checkpoint(1));
  EXPECT_THROW(run.create(false), UserError) << "non-empty, no --overwrite";
  EXPECT_THROW(run.create(true), UserError) << "no config.toml: not a run, never wiped";
  EXPECT_TRUE(std::filesystem::exists(run.checkpoint(1)));
  touch(run.config());
  touch(dir / "run/notes.txt");
  run.create(true);
  EXPECT_FALSE(std::filesystem::exists(run.checkpoint(1)));
  EXPECT_FALSE(std::filesystem::exists(run.config()));
  EXPECT_TRUE(std::filesystem::exists(dir / "run/notes.txt")) << "only the run's own files are replaced";
  touch(dir / "file");
  EXPECT_THROW(Layout(dir / "file").create(true), UserError);
}

TEST(Layout, ListsCheckpointsByStepAndPrunesTheOldestWithTheirSidecars) {
  test::TempDir dir;
  const Layout run(dir / "run");
  EXPECT_THROW(run.latest_checkpoint(), UserError) << "no such run";
  run.create(false);
  EXPECT_THROW(run.latest_checkpoint(), UserError) << "no config.toml";
  touch(run.config());
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
