// The ganforge program itself: exit codes and one-line errors for bad input.
#include <filesystem>

#include "ganforge/io/idx.h"
#include "ganforge/run/layout.h"
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

TEST(Bench, TimesACaseServesTheProtocolAndRefusesUnknownCases) {
  auto r = test::run_cli("bench --case mlp --rounds 2 --round-seconds 0.05");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t row = r.output.find("\nmlp ");
  ASSERT_NE(row, std::string::npos) << r.output;
  std::istringstream fields(r.output.substr(row + 5));
  double min_ms = 0, median_ms = 0, per_s = 0;
  fields >> min_ms >> median_ms >> per_s;
  EXPECT_GT(min_ms, 0.0);
  EXPECT_GE(median_ms, min_ms);
  EXPECT_NEAR(per_s, 1000.0 * 128 / median_ms, 0.01 * per_s);  // 128 images per iteration
  // bench/compare.py's worker: hello, run, rss, quit.
  r = test::run_cli("bench --case sample-mlp --serve <<'EOF'\nrun 2\nrss\nquit\nEOF\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> lines;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u) << r.output;
  EXPECT_EQ(lines[0]["case"], "sample-mlp");
  EXPECT_EQ(lines[0]["samples_per_iter"], 1024);
  EXPECT_GT(lines[1]["ms"].get<double>(), 0.0);
  EXPECT_GT(lines[2]["peak_rss_mib"].get<double>(), 10.0);
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"bench --case nope", "bench: unknown case 'nope'"},
           {"bench --case mlp --case eval --serve", "--serve takes exactly one --case"}}) {
    r = test::run_cli(args + " < /dev/null");
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
}

// train.precision = "bf16" and --precision bf16: taken where the CPU multiplies bf16 natively, refused in one
// line (exit 2, nothing created) where it does not (GANFORGE_TEST_FAULT=no_bf16:1 makes this CPU such a one),
// and `ganforge info` says which.
TEST(Precision, Bf16IsTakenOrRefusedAndInfoSaysWhich) {
  TempDir dir;
  const std::string no_bf16 = "GANFORGE_TEST_FAULT=no_bf16:1 ";
  auto r = test::run_cli("info", no_bf16);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("bf16: not native on this CPU"), std::string::npos) << r.output;
  r = test::train_short("seed-keras-mlp", 5, dir / "refused", "--set train.precision=bf16", no_bf16);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("train.precision = 'bf16' needs a CPU that multiplies bf16 natively (AVX512-BF16)"),
            std::string::npos) << r.output;
  EXPECT_EQ(test::count_lines(r.output), 1u) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "refused")) << "nothing is created for a refused run";
  for (const std::string args : {"sample --run " + (dir / "none") + " --precision bf16 --out " + (dir / "x.png"),
                                 std::string("bench --case mlp --precision bf16 --rounds 1")}) {
    r = test::run_cli(args, no_bf16);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("'bf16' needs a CPU that multiplies bf16 natively"), std::string::npos) << r.output;
  }
  r = test::train_short("seed-keras-mlp", 5, dir / "fp16", "--set train.precision=fp16");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("train.precision = 'fp16' is not allowed; choose one of: fp32, bf16"), std::string::npos)
      << r.output;

  // A 2D run has no image features to compute in bf16: said, not ignored.
  r = test::train_short("ring8-gan", 5, dir / "ring8");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_cli("eval --run " + (dir / "ring8") + " --precision bf16");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--precision bf16 is for the evaluator's image features"), std::string::npos) << r.output;

  r = test::run_cli("info");
  const bool native = r.output.find("bf16: native (AVX512-BF16)") != std::string::npos;
  if (!native) {
    EXPECT_NE(r.output.find("bf16: not native on this CPU"), std::string::npos) << r.output;
    GTEST_SKIP() << "no native bf16 here: the refusals above are what this CPU gives";
  }
  r = test::run_cli("train --config " + test::source_dir() + "/configs/seed-keras-mlp.toml --set train.steps=20 "
                    "--set train.sample_every=0 --set train.precision=bf16 --out " + (dir / "bf16"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("precision: bf16"), std::string::npos) << "the run says it trains in bf16:\n" << r.output;
  for (const std::string p : {"fp32", "bf16"}) {
    r = test::run_cli("sample --run " + (dir / "bf16") + " --n 16 --precision " + p + " --out " + (dir / (p + ".idx")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // The same z through the same G: bf16 products move pixels by a few levels at most, and some of them.
  const auto a = idx::read_images(dir / "fp32.idx"), b = idx::read_images(dir / "bf16.idx");
  ASSERT_EQ(a.pixels.size(), b.pixels.size());
  int worst = 0, moved = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    worst = std::max(worst, d), moved += d > 0;
  }
  EXPECT_GT(moved, 0) << "sample --precision bf16 gave fp32's pixels exactly: was bf16 used?";
  EXPECT_LE(worst, 16) << "bf16 sampling strays from fp32's";
  r = test::run_cli("bench --case mlp --precision bf16 --rounds 1 --round-seconds 0.05");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\nmlp "), std::string::npos) << r.output;
}

}  // namespace
}  // namespace ganforge

namespace ganforge {
namespace {

struct BadInput {
  const char* args;      // {src} is the source tree; {out} a fresh run directory
  const char* expected;  // substring of the one-line error
};

std::string expand(std::string s, const std::string& src, const std::string& out) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"{src}", src}, {"{out}", out}})
    for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), value);
  return s;
}

TEST(BadInputs, EachIsOneClearLineAndExitCode2) {
  const std::string keras = "train --config {src}/configs/seed-keras-mlp.toml --out {out} --data {src}/tests/bad_inputs/";
  const std::string cfg = "train --out {out} --config {src}/tests/bad_inputs/";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {keras + "idx_bad_magic", "bad magic number 0x00000804"},
      {keras + "idx_truncated", "truncated"},
      {keras + "idx_trailing_bytes", "trailing bytes"},
      {keras + "idx_count_mismatch", "3 labels but"},
      {keras + "idx_zero_dims", "bad image dimensions 0x28"},
      {keras + "idx_labels_are_images", "this is an image file"},
      {keras + "idx_empty_file", "too short for an IDX image header"},
      {keras + "idx_corrupt_gzip", "corrupt gzip data"},
      {keras + "idx_missing_labels", "no train-labels-idx1-ubyte"},
      {keras + "does_not_exist", "data directory not found"},
      {cfg + "config_unknown_key.toml", "unknown key 'train.learning_rate'"},
      {cfg + "config_unknown_section.toml", "unknown key 'optimiser' (did you mean"},
      {cfg + "config_wrong_type.toml", "train.steps must be an integer"},
      {cfg + "config_lr_zero.toml", "optim.lr_d = 0 is out of range"},
      {cfg + "config_batch_zero.toml", "data.batch_size = 0 is out of range"},
      {cfg + "config_negative_steps.toml", "train.steps = -100 is out of range"},
      {cfg + "config_huge_z.toml", "needs over 4 GB"},
      {cfg + "config_bad_choice.toml", "loss.g_loss = 'wgan' is not allowed"},
      {cfg + "config_syntax_error.toml", "TOML syntax error"},
      {cfg + "config_no_budget.toml", "no budget"},
      {cfg + "config_wgan_unconstrained.toml", "needs a Lipschitz constraint"},
      {cfg + "config_pack_batch.toml", "must be a multiple of model.pack"},
      {cfg + "config_gp_with_batchnorm.toml", "cannot be combined with loss.gp_weight"},
      {cfg + "missing.toml", "config file not found"},
      {cfg + "config_nan.toml", "optim.lr_g = nan is out of range"},
      {cfg + "config_inf.toml", "train.ema_half_life_kimg = inf is out of range"},
      {cfg + "config_negative_batch.toml", "data.batch_size = -5 is out of range: must be >= 1 and <= 1048576"},
      {cfg + "config_float_for_int.toml", "data.batch_size must be an integer"},
      {cfg + "config_int_overflow.toml", "'99999999999999999999' is not representable in 64 bits"},
      {cfg + "config_huge_layers.toml", "model.g_hidden = 4611686018427387904 is out of range"},
      {cfg + "config_labels_out_of_range.toml", "model.classes = 5 but the data's labels go up to 9"},
      {keras + "idx_directories", "train-images-idx3-ubyte: is a directory, not an IDX file"},
      {"train --out {out} --config {src}/configs", "configs: is a directory, not a config file"},
      {"sample --checkpoint {src}/configs --n 4 --out x.png", "configs: is a directory, not a checkpoint file"},
      {"train --config {src}/configs/seed-keras-mlp.toml --out {src}/README.md/run", "cannot create run directory"},
      {"train --config {src}/configs/seed-keras-mlp.toml --set train.stesp=5 --out {out}", "did you mean 'train.steps'"},
      {"train --config {src}/configs/mnist-cgan.toml --set train.eval_metrics=fid,sharpness --out {out}",
       "train.eval_metrics: unknown metric 'sharpness'"},
      {"sample --run {out} --n 4 --out x.png", "run directory not found"},
      {"sample --checkpoint {src}/tests/bad_inputs/config_lr_zero.toml --n 4 --out x.png", "corrupt or unreadable checkpoint"},
  };
  for (const auto& [args_tmpl, expected] : cases) {
    test::TempDir dir;
    const std::string out = dir / "run";
    const std::string args = expand(args_tmpl, test::source_dir(), out) + " --quiet";
    SCOPED_TRACE(args);
    // `sample` has no --quiet.
    const auto r = test::run_cli(args.rfind("sample", 0) == 0 ? args.substr(0, args.size() - 8) : args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
    // The whole output is one line: the error itself.
    EXPECT_EQ(test::count_lines(r.output), 1u) << r.output;
    EXPECT_EQ(r.output.rfind("ganforge: error: ", 0), 0u) << r.output;
    EXPECT_FALSE(std::filesystem::exists(out + "/checkpoints")) << "nothing is created for bad input";
  }
}

}  // namespace
}  // namespace ganforge

// Bad input that lives in a run directory: a run is made once, and each case damages its own copy.
namespace ganforge {
namespace {

class BadRuns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    const auto r = test::train_short("seed-keras-mlp", 4, *dir_ / "run", "--set train.checkpoint_every=2 --set train.log_every=1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  // A fresh copy of the run.
  std::string copy() {
    const std::string to = here_ / "run";
    std::filesystem::copy(*dir_ / "run", to, std::filesystem::copy_options::recursive);
    return to;
  }
  static void expect_one_line_error(const test::CommandResult& r, const std::string& expected) {
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(test::count_lines(r.output), 1u) << r.output;
    EXPECT_EQ(r.output.rfind("ganforge: error: ", 0), 0u) << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  static test::TempDir* dir_;
  test::TempDir here_;
};
test::TempDir* BadRuns::dir_ = nullptr;

TEST_F(BadRuns, ResumeWithNoUsableCheckpoint) {
  const std::string run = copy();
  for (const auto& c : run::Layout(run).checkpoints()) test::write_bytes(c, "garbage");
  expect_one_line_error(test::run_cli("train --resume " + run + " --quiet"),
                        run + ": no usable checkpoint (checkpoints/step-*.pt are all corrupt)");
}

TEST_F(BadRuns, ResumeWithACorruptConfig) {
  const std::string run = copy();
  test::write_bytes(run + "/config.toml", "[train\nsteps = ");
  expect_one_line_error(test::run_cli("train --resume " + run + " --quiet"), run + "/config.toml:1: TOML syntax error");
}

TEST_F(BadRuns, ResumeWithAnotherArchitecture) {
  const std::string run = copy();
  expect_one_line_error(test::run_cli("train --resume " + run + " --set 'model.g_hidden=[64]' --quiet"),
                        "checkpoint does not match the model: generator.");
}

TEST_F(BadRuns, ResumeOfAFolderThatIsNoRun) {
  expect_one_line_error(test::run_cli("train --resume " + (here_ / "nothing") + " --quiet"),
                        "not a ganforge run directory");
}

// --overwrite replaces a marked run, and refuses a folder that merely holds a config.toml.
TEST_F(BadRuns, OverwriteRefusesAFolderNotMarkedAsARun) {
  const std::string run = copy();
  const std::string args = "train --config " + test::source_dir() +
                           "/configs/seed-keras-mlp.toml --set train.steps=2 --quiet --overwrite --out " + run;
  std::filesystem::remove(run + "/ganforge-run.json");
  const auto before = run::Layout(run).checkpoints();
  ASSERT_FALSE(before.empty());
  expect_one_line_error(test::run_cli(args), "not marked as a ganforge run (no ganforge-run.json); refusing to overwrite");
  EXPECT_EQ(run::Layout(run).checkpoints(), before) << "nothing was removed";
  EXPECT_TRUE(std::filesystem::exists(run + "/config.toml"));
  run::Layout(run).mark();
  const auto r = test::run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run::Layout(run).latest_checkpoint(), run::Layout(run).checkpoint(2)) << "replaced by the new run";
}

// A last metrics.jsonl line cut short (a crash mid-write before this version, a disk that filled): resume
// drops it and every line of the continued log is whole.
TEST_F(BadRuns, ResumeRepairsATruncatedLastLogLine) {
  const std::string run = copy();
  const std::string log = run::Layout(run).metrics();
  const std::string before = test::read_text(log);
  std::ofstream(log, std::ios::app) << "{\"step\": 5, \"loss_d\": 0.6";
  const auto r = test::run_cli("train --resume " + run + " --set train.steps=6 --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string after = test::read_text(log);
  EXPECT_EQ(after.substr(0, before.size()), before);
  std::istringstream in(after);
  int64_t last = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "broken line: " << line;
    if (!j.contains("event")) last = j["step"];
  }
  EXPECT_EQ(last, 6);
}

}  // namespace
}  // namespace ganforge
