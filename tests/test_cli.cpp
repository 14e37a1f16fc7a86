// The ganforge program itself: exit codes and one-line errors for bad input.
#include <filesystem>

#include "ganforge/idx.h"
#include "test_util.h"

namespace ganforge {
namespace {

using test::TempDir;

std::string as_string(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

idx::Images tiny_images() {
  idx::Images im;
  im.count = 3;
  im.rows = 4;
  im.cols = 5;
  im.pixels.assign(60, 7);
  return im;
}

TEST(Idx, CliRejectsMalformedDataWithExitCode2) {
  TempDir dir;
  std::string bytes = as_string(idx::encode_images(tiny_images()));
  bytes[2] = 9;  // bad magic
  test::write_bytes(dir / "train-images-idx3-ubyte", bytes);
  idx::write_labels(dir / "train-labels-idx1-ubyte", {{1, 2, 3}});
  const auto r = test::run_cli("train --config " + test::source_dir() + "/configs/seed-keras-mlp.toml --data " +
                               dir.path.string() + " --out " + (dir / "run") + " --quiet");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("ganforge: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad magic number"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("terminate"), std::string::npos) << r.output;
}

TEST(Config, CliReportsConfigErrorsWithExitCode2) {
  test::TempDir dir;
  test::write_bytes(dir / "bad.toml", "[train]\nsteps = 10\nlearning_rate = 0.1\n");
  const auto r = test::run_cli("train --config " + (dir / "bad.toml") + " --out " + (dir / "run"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown key 'train.learning_rate'"), std::string::npos) << r.output;
  EXPECT_EQ(test::count_lines(r.output), 1u) << "one line: " << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "run")) << "nothing is created for a bad config";
  const auto help = test::run_cli("train --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* opt : {"--config", "--set", "--out", "--seed", "--data", "--overwrite", "--list-keys"})
    EXPECT_NE(help.output.find(opt), std::string::npos) << opt;
  const auto keys = test::run_cli("train --list-keys");
  EXPECT_NE(keys.output.find("optim.lr_g"), std::string::npos) << keys.output;
}

}  // namespace
}  // namespace ganforge
