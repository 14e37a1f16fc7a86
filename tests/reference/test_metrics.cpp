// Image metrics against NumPy/SciPy (fixtures from tests/reference/make_fixtures.py), the evaluator CNN,
// TorchScript extractors, and `ganforge eval` on an image run.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "ganforge/data/dataset.h"
#include "ganforge/core/error.h"
#include "ganforge/app/eval.h"
#include "ganforge/eval/image_metrics.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/io/fs.h"
#include "ganforge/eval/metrics.h"
#include "ganforge/eval/translation.h"
#include "ganforge/ops/runtime.h"
#include "test_state.h"
#include "test_util.h"

namespace ganforge {
namespace {

torch::Tensor matrix(const nlohmann::json& rows) {
  std::vector<double> flat;
  for (const auto& r : rows)
    for (double v : r) flat.push_back(v);
  return torch::tensor(flat, torch::kFloat64).view({static_cast<int64_t>(rows.size()), -1});
}

const nlohmann::json& fixture() {
  static const nlohmann::json j = test::fixtures()["metrics"];
  return j;
}

// The relative tolerance the issue asks of FID and KID against SciPy; the computations agree far closer.
constexpr double kRel = 1e-4;

TEST(Fid, MatchesScipySqrtm) {
  const auto real = matrix(fixture()["real"]), fake = matrix(fixture()["fake"]);
  const double want = fixture()["fid"];
  EXPECT_NEAR(metrics::fid(real, fake), want, kRel * want);
  EXPECT_NEAR(metrics::fid(fake, real), want, kRel * want);  // symmetric
}

torch::Tensor ssim_images(const nlohmann::json& c, const char* key) {
  std::vector<uint8_t> v;
  for (int x : c[key]) v.push_back(static_cast<uint8_t>(x));
  const auto shape = c["shape"].get<std::vector<int64_t>>();
  return torch::tensor(v, torch::kUInt8).view(shape);
}

TEST(Ssim, MatchesScipy) {
  const nlohmann::json f = test::fixtures()["ssim"];
  for (const char* name : {"grey", "colour"}) {
    const auto& c = f[name];
    const auto got = ssim(ssim_images(c, "a"), ssim_images(c, "b"));
    const auto want = c["ssim"].get<std::vector<double>>();
    ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size())) << name;
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[static_cast<int64_t>(i)].item<double>(), want[i], 1e-10) << name << " " << i;  // float64 both
  }
}

TEST(Ssim, IsOneForIdenticalImagesSymmetricAndNeedsElevenPixels) {
  const nlohmann::json c = test::fixtures()["ssim"]["grey"];
  const auto a = ssim_images(c, "a"), b = ssim_images(c, "b");
  EXPECT_TRUE(torch::allclose(ssim(a, a), torch::ones({3}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(ssim(a, b), ssim(b, a)));
  EXPECT_TRUE((ssim(a, b) < 0.5).all().item<bool>()) << "the degraded copy is far from 1";
  EXPECT_ANY_THROW(ssim(a.narrow(2, 0, 10), b.narrow(2, 0, 10)));
}

TEST(Fid, OfASetWithItselfIsZero) {
  const auto real = matrix(fixture()["real"]);
  EXPECT_NEAR(metrics::fid(real, real), 0.0, 1e-9);
  // A pure shift by c in every one of D dimensions adds exactly D c^2.
  const double shifted = metrics::fid(real, real + 0.5);
  EXPECT_NEAR(shifted, real.size(1) * 0.25, 1e-9);
}

TEST(Kid, UnbiasedMmdMatchesNumpy) {
  const auto real = matrix(fixture()["real"]), fake = matrix(fixture()["fake"]);
  const double want = fixture()["mmd2"];
  EXPECT_NEAR(metrics::mmd2_unbiased(real, fake), want, kRel * std::abs(want));
  // KID with one subset as large as both sets is the MMD of the whole sets (order does not matter).
  const auto real180 = real.narrow(0, 0, fake.size(0));
  const auto k = metrics::kid(real180, fake, 1, 100000, 3);
  EXPECT_EQ(k.subset_size, fake.size(0));
  EXPECT_NEAR(k.mean, metrics::mmd2_unbiased(real180, fake), 1e-12);
  EXPECT_EQ(k.std, 0.0);
  // Over many small subsets: a spread, a mean near the full-set value, repeatable for a seed.
  const auto many = metrics::kid(real, fake, 50, 60, 3);
  EXPECT_GT(many.std, 0.0);
  EXPECT_NEAR(many.mean, want, 3 * many.std);
  EXPECT_EQ(metrics::kid(real, fake, 50, 60, 3).mean, many.mean);
  // The estimator is unbiased: for two samples of one distribution it is centred on 0, not positive.
  const auto same = metrics::kid(real.narrow(0, 0, 120), real.narrow(0, 120, 120), 20, 100, 1);
  EXPECT_LT(std::abs(same.mean), 0.1 * want);
}

TEST(Prdc, MatchesNumpyKnnBalls) {
  const auto real = matrix(fixture()["real"]), fake = matrix(fixture()["fake"]);
  const auto radii = metrics::knn_radii(real, 3);
  const auto want_radii = torch::tensor(fixture()["radii3"].get<std::vector<double>>(), torch::kFloat64);
  EXPECT_LT((radii - want_radii).abs().max().item<double>(), 1e-9);
  const auto r = metrics::prdc(real, fake, 3, 5);
  const auto& want = fixture()["prdc"];
  // Counts over balls: equal unless a distance sits on a radius to 1e-12, which these points do not.
  EXPECT_NEAR(r.precision, want["precision"].get<double>(), 1e-12);
  EXPECT_NEAR(r.recall, want["recall"].get<double>(), 1e-12);
  EXPECT_NEAR(r.density, want["density"].get<double>(), 1e-12);
  EXPECT_NEAR(r.coverage, want["coverage"].get<double>(), 1e-12);
  // Identical sets: every point lies in its own ball's neighbours' balls; precision = recall = 1.
  const auto self = metrics::prdc(real, real.clone(), 3, 5);
  EXPECT_EQ(self.precision, 1.0);
  EXPECT_EQ(self.recall, 1.0);
  EXPECT_EQ(self.coverage, 1.0);
}

TEST(Prdc, BlocksGiveTheSameAnswerAsOneBlock) {
  // More rows than one distance block (1024): the running min / any over blocks must agree with a direct
  // computation on the full matrix.
  torch::manual_seed(5);
  const auto real = torch::randn({1300, 4}, torch::kFloat64), fake = torch::randn({1100, 4}, torch::kFloat64) * 1.3;
  const auto r = metrics::prdc(real, fake, 3, 5);
  const auto d = torch::cdist(fake, real);  // [Nf, Nr]
  const auto rr = metrics::knn_radii(real, 3), rd = metrics::knn_radii(real, 5), fr = metrics::knn_radii(fake, 3);
  EXPECT_DOUBLE_EQ(r.precision, (d < rr.unsqueeze(0)).any(1).to(torch::kFloat64).mean().item<double>());
  EXPECT_DOUBLE_EQ(r.recall, (d < fr.unsqueeze(1)).any(0).to(torch::kFloat64).mean().item<double>());
  EXPECT_DOUBLE_EQ(r.density, (d < rd.unsqueeze(0)).sum().item<double>() / (5.0 * 1100));
  EXPECT_DOUBLE_EQ(r.coverage, (std::get<0>(d.min(0)) < rd).to(torch::kFloat64).mean().item<double>());
}

TEST(InceptionScore, MatchesNumpy) {
  const auto probs = matrix(fixture()["probs"]);
  const auto s = metrics::inception_score(probs, fixture()["is_splits"]);
  EXPECT_NEAR(s.mean, fixture()["is_mean"].get<double>(), 1e-9);
  EXPECT_NEAR(s.std, fixture()["is_std"].get<double>(), 1e-9);
  // Bounds: one-hot predictions spread evenly over K classes score K; identical predictions score 1.
  const auto onehot = torch::eye(10, torch::kFloat64).repeat({5, 1});
  EXPECT_NEAR(metrics::inception_score(onehot, 1).mean, 10.0, 1e-9);
  EXPECT_NEAR(metrics::inception_score(torch::full({20, 10}, 0.1, torch::kFloat64), 2).mean, 1.0, 1e-12);
}

TEST(ClassStats, CountsCoverageAndKl) {
  // Samples classified 0, 0, 1, 2 against uniform real labels over 4 classes.
  const auto probs = torch::eye(4, torch::kFloat64).index_select(0, torch::tensor({0, 0, 1, 2}));
  const auto labels = torch::tensor({0, 1, 2, 3, 0, 1, 2, 3});
  const auto s = metrics::class_stats(probs, labels);
  EXPECT_EQ(s.counts, (std::vector<int64_t>{2, 1, 1, 0}));
  EXPECT_EQ(s.covered, 3);
  EXPECT_EQ(s.represented, 3);  // each of the three holds at least a quarter of its 1/4 share
  EXPECT_NEAR(s.kl, 0.5 * std::log(2.0), 1e-12);  // 0.5 log(0.5/0.25) + 2 * 0.25 log(0.25/0.25)
  EXPECT_NEAR(s.kl_uniform, 0.5 * std::log(2.0), 1e-12);  // the real labels are uniform here
  // Against skewed real labels the two differ: KL to the labels is 0 when the samples follow them.
  const auto skewed = metrics::class_stats(probs, torch::tensor({0, 0, 1, 2}));
  EXPECT_NEAR(skewed.kl, 0.0, 1e-12);
  EXPECT_NEAR(skewed.kl_uniform, 0.5 * std::log(2.0), 1e-12);
  // Covered is not represented: a class with one stray sample of ten, where the real data has half.
  const auto nine_to_one = torch::eye(2, torch::kFloat64).index_select(0, torch::tensor({0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  const auto stray = metrics::class_stats(nine_to_one, torch::tensor({0, 1}));
  EXPECT_EQ(stray.covered, 2);
  EXPECT_EQ(stray.represented, 1);  // 0.1 < 0.25 * 0.5
  // At exactly a quarter of its share a class counts.
  EXPECT_EQ(metrics::class_stats(nine_to_one, torch::tensor({0, 0, 0, 0, 0, 0, 1, 1, 1, 1})).represented, 2);
}

TEST(TorchScript, FeaturesOfATracedModuleMatchPyTorch) {
  const auto fx = test::fixtures()["torchscript"];
  auto ex = evaluator::load_torchscript(test::source_dir() + "/" + fx["file"].get<std::string>());
  EXPECT_FALSE(ex->has_classes());
  EXPECT_EQ(ex->name, "torchscript:features_tiny.pt");
  const auto x = torch::linspace(-1, 1, 2 * 28 * 28).view({2, 1, 28, 28});
  const auto out = evaluator::extract(*ex, x, 1);  // one image a batch: the batches are put back together
  const auto want = matrix(fx["output"]).to(torch::kFloat32);
  ASSERT_EQ(out.features.sizes(), want.sizes());
  EXPECT_LT((out.features - want).abs().max().item<float>(), 1e-5);
  EXPECT_FALSE(out.probs.defined());
}

TEST(TorchScript, UnloadableFileIsAUserError) {
  test::TempDir dir;
  test::write_bytes(dir / "junk.pt", "PK\x03\x04 not really a zip");
  EXPECT_THROW(evaluator::load_torchscript(dir / "junk.pt"), UserError);
  EXPECT_THROW(evaluator::load_torchscript(dir / "missing.pt"), UserError);
}

// A briefly trained MNIST evaluator, shared by the tests below (training it is the expensive part).
class ShortEvaluator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    runtime::configure(0);  // as the CLI does: threads and malloc settings
    dir_ = new test::TempDir();
    evaluator::FitOptions t;
    t.dataset = "mnist";
    t.max_steps = 40;
    t.out = *dir_ / "mnist.pt";
    t.console = nullptr;
    result_ = evaluator::train_evaluator(t);
  }
  static void TearDownTestSuite() { delete dir_; }
  static test::TempDir* dir_;
  static evaluator::FitResult result_;
};
test::TempDir* ShortEvaluator::dir_ = nullptr;
evaluator::FitResult ShortEvaluator::result_;

TEST_F(ShortEvaluator, LearnsDigitsAndReloads) {
  // 40 steps are far from the full recipe but far above chance (10%): labels, data and loss line up.
  EXPECT_GT(result_.test_accuracy, 0.7);
  EXPECT_EQ(result_.test_count, 2000);
  auto ex = evaluator::load(result_.path);
  EXPECT_EQ(ex->hash, result_.hash);
  EXPECT_EQ(ex->name, "ganforge-evaluator/mnist");
  EXPECT_DOUBLE_EQ(ex->test_accuracy, result_.test_accuracy);
  const auto test = data::load("mnist", "", "test");
  const auto out = evaluator::extract(*ex, test.images.narrow(0, 0, 700), 256);
  ASSERT_EQ(out.features.sizes(), (std::vector<int64_t>{700, evaluator::kFeatures}));
  EXPECT_LT((out.probs.sum(1) - 1).abs().max().item<float>(), 1e-5);
  // The reloaded network agrees with the reported accuracy on those images (not a fresh, untrained one).
  const double acc = out.probs.argmax(1).eq(test.labels.narrow(0, 0, 700)).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(acc, 0.7);
  // Features of real test digits sit closer to real train digits than noise images do.
  const auto train = data::load("mnist", "", "train");
  const auto ref = evaluator::extract(*ex, train.images.narrow(0, 0, 1000)).features;
  const auto noise = torch::rand({700, 1, 28, 28}) * 2 - 1;
  const auto fake = evaluator::extract(*ex, noise).features;
  EXPECT_LT(10 * metrics::fid(ref, out.features), metrics::fid(ref, fake));
}

TEST_F(ShortEvaluator, SameSeedSameFile) {
  evaluator::FitOptions t;
  t.dataset = "mnist";
  t.max_steps = 40;
  t.out = *dir_ / "again.pt";
  t.console = nullptr;
  const auto again = evaluator::train_evaluator(t);
  EXPECT_EQ(again.hash, result_.hash) << "a seeded evaluator must be repeatable (same threads)";
  t.seed = 1;
  t.out = *dir_ / "other.pt";
  EXPECT_NE(evaluator::train_evaluator(t).hash, result_.hash);
}

TEST_F(ShortEvaluator, CorruptFileIsAUserError) {
  const auto bytes = fs::read_file_bytes(result_.path);
  test::write_bytes(*dir_ / "cut.pt", std::string(bytes.begin(), bytes.begin() + bytes.size() / 2));
  EXPECT_THROW(evaluator::load(*dir_ / "cut.pt"), UserError);
  EXPECT_THROW(evaluator::load(test::source_dir() + "/tests/reference/features_tiny.pt"), UserError);
}

TEST_F(ShortEvaluator, EvalOnAnImageRun) {
  // A few MLP steps: a poor generator whose FID must sit far above the real floor.
  const std::string run = *dir_ / "run";
  auto r = test::train_short("mnist-mlp", 30, run, "--set train.checkpoint_every=30");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string cache = "GANFORGE_CACHE=" + (*dir_ / "cache") + " ";
  const std::string eval = "eval --run " + run + " --evaluator " + result_.path + " --n 600";
  auto cli = [&](const std::string& args) { return test::run_cli(args, cache); };  // cache in a temp folder
  r = cli(eval + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = test::last_json_line(r.output);
  EXPECT_EQ(j["n"], 600);
  EXPECT_EQ(j["extractor"]["hash"], result_.hash);
  EXPECT_EQ(j["reference"]["n"], 8000);
  EXPECT_EQ(j["real_floor"]["n"], 2000);
  for (const char* k : {"fid", "precision", "recall", "density", "coverage"}) EXPECT_TRUE(j["generated"].contains(k)) << k;
  EXPECT_FALSE(j["generated"].contains("label_accuracy"));  // an unconditional run asks for no class
  EXPECT_GT(j["generated"]["fid"].get<double>(), 5 * j["real_floor"]["fid"].get<double>());
  EXPECT_GT(j["generated"]["kid"]["mean"].get<double>(), j["real_floor"]["kid"]["mean"].get<double>());
  EXPECT_GT(j["real_floor"]["precision"].get<double>(), 0.5);
  EXPECT_EQ(j["real_floor"]["classes"]["covered"], 10);
  // Reference features were cached: a second run reads them and gives the same numbers.
  EXPECT_TRUE(std::filesystem::is_directory(*dir_ / "cache/features"));
  r = cli(eval + " --json --metrics fid,classes");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j2 = test::last_json_line(r.output);
  EXPECT_EQ(j2["generated"]["fid"], j["generated"]["fid"]);
  EXPECT_FALSE(j2["generated"].contains("kid"));
  EXPECT_EQ(test::count_lines(test::read_text(run + "/eval.jsonl")), 2u);
  // The table form names the extractor and shows the floor.
  r = cli(eval + " --metrics fid");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("real floor"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ganforge-evaluator/mnist"), std::string::npos) << r.output;
  // Bad requests: one line, exit 2.
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {eval + " --metrics fid,sharpness", "unknown metric 'sharpness'"},
           {eval + " --metrics cas", "needs a conditional run"},
           {"eval --run " + run + " --features " + test::source_dir() + "/tests/reference/features_tiny.pt --metrics is",
            "needs class probabilities"},
           {"eval --run " + run + " --evaluator " + test::source_dir() + "/README.md", "not a readable ganforge evaluator"},
           {"eval --run " + run + " --features " + test::source_dir() + "/README.md", "not a loadable TorchScript"}}) {
    r = cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  // Images from a file (`sample`'s IDX output, or another framework's): the same images as the run's own
  // evaluation (same seed, same n) give the same numbers.
  const std::string samples = *dir_ / "s.idx";
  r = cli("sample --run " + run + " --n 600 --out " + samples);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = cli("eval --samples " + samples + " --dataset mnist --evaluator " + result_.path + " --json --metrics fid,classes");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto js = test::last_json_line(r.output);
  EXPECT_EQ(js["n"], 600);
  // The same uint8 images; float32 features summed in another order: ~3e-7 relative measured.
  EXPECT_NEAR(js["generated"]["fid"].get<double>(), j["generated"]["fid"].get<double>(),
              1e-5 * j["generated"]["fid"].get<double>());
  EXPECT_EQ(js["generated"]["classes"], j["generated"]["classes"]);
  EXPECT_EQ(js["real_floor"]["fid"], j["real_floor"]["fid"]);
  EXPECT_EQ(test::count_lines(test::read_text(*dir_ / "eval.jsonl")), 1u);
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"eval --samples " + samples, "needs --dataset"},
           {"eval --samples " + samples + " --dataset mnist --run " + run, "not both"},
           {"eval --samples " + samples + " --dataset ring8", "for image datasets"},
           {"eval --samples " + samples + " --dataset cifar10", "cifar10"},
           {"eval --samples " + test::source_dir() + "/README.md --dataset mnist", "README.md"},
           {"eval --run " + run + " --dataset mnist", "go with --samples"},
           {eval + " --features " + test::source_dir() + "/tests/reference/features_tiny.pt",
            "--features or --evaluator, not both"},
           {"eval --samples " + samples + " --dataset mnist --evaluator " + result_.path + " --features " +
                test::source_dir() + "/tests/reference/features_tiny.pt",
            "--features or --evaluator, not both"}}) {
    r = cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  // A user's TorchScript extractor: the distance metrics work with it.
  r = cli("eval --run " + run + " --n 300 --json --features " + test::source_dir() + "/tests/reference/features_tiny.pt");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j3 = test::last_json_line(r.output);
  EXPECT_EQ(j3["extractor"]["name"], "torchscript:features_tiny.pt");
  EXPECT_TRUE(j3["generated"].contains("fid"));
  EXPECT_FALSE(j3["generated"].contains("is"));
}

TEST_F(ShortEvaluator, PeriodicEvaluationKeepsTheBestCheckpoint) {
  // The dataset's evaluator found in the cache folder (as `ganforge evaluator train` leaves it there).
  const std::string cache = *dir_ / "periodic-cache";
  std::filesystem::create_directories(cache);
  std::filesystem::copy_file(result_.path, cache + "/mnist.pt");
  const std::string run = *dir_ / "periodic";
  const auto r = test::train_short("mnist-mlp", 40, run,
                                   "--set train.eval_every=20 --set train.eval_n=300 --set train.eval_metrics=fid,pr",
                                   "GANFORGE_CACHE=" + cache + " ");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> evals;
  std::ifstream in(run + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("event", "") == "eval") evals.push_back(j);
  }
  ASSERT_EQ(evals.size(), 2u);  // steps 20 and 40
  EXPECT_EQ(evals[0]["step"], 20);
  EXPECT_EQ(evals[1]["step"], 40);
  for (const auto& e : evals) {
    EXPECT_EQ(e["n"], 300);
    EXPECT_GT(e["fid"].get<double>(), 0.0);
    EXPECT_TRUE(e.contains("precision") && e.contains("recall"));
  }
  // The first evaluation is always the best so far; best.pt follows the lower FID, outside the pruning.
  EXPECT_TRUE(evals[0].value("best", false));
  EXPECT_EQ(evals[1].value("best", false), evals[1]["fid"].get<double>() < evals[0]["fid"].get<double>());
  ASSERT_TRUE(std::filesystem::exists(run + "/checkpoints/best.pt"));
  // best.pt is a complete checkpoint that `eval` can read.
  const auto e = test::run_cli("eval --checkpoint " + run + "/checkpoints/best.pt --n 300 --metrics fid --json",
                               "GANFORGE_CACHE=" + cache + " ");
  ASSERT_EQ(e.exit_code, 0) << e.output;
  const int64_t best_step = evals[1].value("best", false) ? 40 : 20;
  EXPECT_EQ(test::last_json_line(e.output)["step"], best_step);
}

TEST_F(ShortEvaluator, CollapsedSamplesAreReportedAsFewClasses) {
  const std::string cache = *dir_ / "collapse-cache";
  std::filesystem::create_directories(cache);
  std::filesystem::copy_file(result_.path, cache + "/mnist.pt");
  const std::string env = "GANFORGE_CACHE=" + cache + " ";
  const std::string run = *dir_ / "collapse";
  auto r = test::train_short("mnist-mlp", 20, run, "--set train.eval_every=20 --set train.eval_n=300", env);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // G's output layer zeroed: one step later every sample is nearly the same image, so one class.
  test::collapse_generator(run + "/checkpoints/step-0000020.pt");
  r = test::run_cli("train --resume " + run + " --set train.steps=21 --quiet", env);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<nlohmann::json> evals, warnings;
  std::ifstream in(run + "/metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.value("event", "") == "eval" && j["step"] == 21) evals.push_back(j);
    if (j.value("event", "") == "warning" && j["what"] == "few_classes" && j["step"] == 21) warnings.push_back(j);
  }
  ASSERT_EQ(evals.size(), 1u);  // classes are measured by default
  ASSERT_TRUE(evals[0].contains("classes"));
  EXPECT_LE(evals[0]["classes"]["represented"].get<int64_t>(), 2);
  // The warning needs two evaluations in a row with few classes: the one before is step 20's, which the
  // resumed process read back from metrics.jsonl (20 steps of training draw blurs of few classes too).
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]["represented"], evals[0]["classes"]["represented"]);
  EXPECT_EQ(warnings[0]["of"], 10);
  EXPECT_EQ(warnings[0]["since"], 20);
}

TEST_F(ShortEvaluator, ConditionalRunReportsLabelAccuracy) {
  const std::string run = *dir_ / "cgan";
  auto r = test::train_short("mnist-cgan", 20, run, "--set train.eval_every=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_cli("eval --run " + run + " --evaluator " + result_.path + " --n 300 --metrics fid --json",
                    "GANFORGE_CACHE=" + (*dir_ / "cache") + " ");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = test::last_json_line(r.output);
  ASSERT_TRUE(j["generated"].contains("label_accuracy")) << r.output;
  const double acc = j["generated"]["label_accuracy"];
  EXPECT_GE(acc, 0.0);
  EXPECT_LE(acc, 1.0);
}

// label_accuracy is what its name says: the share of images the evaluator assigns to the class they were
// asked for. Real test digits with their true labels score the evaluator's own accuracy on them; the same
// digits with every label shifted by one class score what the evaluator gets "wrong" in exactly that way.
TEST_F(ShortEvaluator, LabelAccuracyIsTheShareTheEvaluatorNamesAsAskedFor) {
  const auto test = data::load("mnist", "", "test");
  const torch::Tensor images = test.images.slice(0, 0, 500), labels = test.labels.slice(0, 0, 500);
  const ImageMetrics m("mnist", "", "", result_.path, nullptr);
  const auto which = m.parse("fid");
  auto ex = evaluator::load(result_.path);
  const torch::Tensor predicted = evaluator::extract(*ex, images).probs.argmax(1);
  const torch::Tensor shifted = (labels + 1) % 10;
  const double right = predicted.eq(labels).to(torch::kFloat64).mean().item<double>();
  const double off_by_one = predicted.eq(shifted).to(torch::kFloat64).mean().item<double>();
  EXPECT_DOUBLE_EQ(m.measure(images, which, 0, labels)["label_accuracy"].get<double>(), right);
  EXPECT_DOUBLE_EQ(m.measure(images, which, 0, shifted)["label_accuracy"].get<double>(), off_by_one);
  EXPECT_GT(right, 0.7) << "the 40-step evaluator's accuracy on real digits";
  EXPECT_LT(off_by_one, 0.1);
}

TEST(Cas, TrainsOnTheGivenImagesAndTestsOnRealOnes) {
  runtime::configure(0);
  const auto train = data::load("mnist", "", "train");
  evaluator::FitOptions t;
  t.dataset = "mnist";
  t.max_steps = 40;
  t.console = nullptr;
  // "Generated" images that are real digits with their labels: the score is a real classifier's accuracy.
  const auto right = evaluator::classification_accuracy_score(train.images, train.labels, t);
  EXPECT_GT(right.test_accuracy, 0.7);
  EXPECT_EQ(right.test_count, 2000);
  // The same images with labels that do not match them (as from a generator that ignores its class): chance.
  const auto wrong = evaluator::classification_accuracy_score(train.images, (train.labels + 1 + train.labels % 3) % 10, t);
  EXPECT_LT(wrong.test_accuracy, 0.3);
}

TEST(StackedMnist, ChannelsAreDigitsAndTheLabelNamesThem) {
  // A stand-in "MNIST" whose image k is filled with the value k and whose label is k % 10.
  data::Dataset digits;
  digits.images = torch::arange(200, torch::kInt64).to(torch::kUInt8).view({200, 1, 1, 1}).expand({200, 1, 28, 28}).contiguous();
  digits.labels = torch::arange(200, torch::kInt64) % 10;
  const auto s = data::make_stacked(digits, 50, 7);
  ASSERT_EQ(s.images.sizes(), (std::vector<int64_t>{50, 3, 28, 28}));
  for (int64_t i = 0; i < 50; ++i) {
    const int64_t a = s.images[i][0][0][0].item<int64_t>(), b = s.images[i][1][5][5].item<int64_t>(),
                  c = s.images[i][2][27][27].item<int64_t>();
    EXPECT_EQ(s.labels[i].item<int64_t>(), 100 * (a % 10) + 10 * (b % 10) + c % 10) << i;
  }
  // Seeded: the same images again; another seed, others.
  EXPECT_TRUE(torch::equal(data::make_stacked(digits, 50, 7).images, s.images));
  EXPECT_FALSE(torch::equal(data::make_stacked(digits, 50, 8).images, s.images));
  const auto train = data::load("stacked-mnist", "", "train");
  EXPECT_EQ(train.size(), 50000);
  EXPECT_GT(torch::bincount(train.labels, {}, 1000).gt(0).sum().item<int64_t>(), 990);  // nearly every mode
}

TEST_F(ShortEvaluator, StackedMnistModesFromTheDigitEvaluator) {
  auto ex = evaluator::stacked(evaluator::load(result_.path));
  const auto test = data::load("stacked-mnist", "", "test");
  const auto out = evaluator::extract(*ex, test.images.narrow(0, 0, 400));
  ASSERT_EQ(out.features.sizes(), (std::vector<int64_t>{400, 3 * evaluator::kFeatures}));
  ASSERT_EQ(out.probs.size(1), 1000);
  EXPECT_LT((out.probs.sum(1) - 1).abs().max().item<float>(), 1e-4);
  // The most likely mode is the triple of the most likely digits: right about acc^3 of the time.
  const double acc = out.probs.argmax(1).eq(test.labels.narrow(0, 0, 400)).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(acc, std::pow(result_.test_accuracy, 3) - 0.15);
  // A Stacked MNIST run through train and eval: classes are the 1,000 modes, 26,000 samples by default.
  const std::string run = *dir_ / "stacked";
  auto r = test::train_short("stacked-mnist-dcgan", 4, run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_cli("eval --run " + run + " --evaluator " + result_.path + " --n 500 --metrics classes --json",
                    "GANFORGE_CACHE=" + (*dir_ / "cache") + " ");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = test::last_json_line(r.output);
  EXPECT_EQ(j["generated"]["classes"]["of"], 1000);
  EXPECT_GT(j["real_floor"]["classes"]["covered"].get<int64_t>(), 900);  // 10,000 real test images
  EXPECT_EQ(j["extractor"]["name"], "stacked(ganforge-evaluator/mnist)");
}

TEST_F(ShortEvaluator, InceptionScoreDoesNotDependOnSampleOrder) {
  // Conditional runs generate their classes in blocks; IS's splits must not each see a single class.
  ::setenv("GANFORGE_CACHE", (*dir_ / "cache-order").c_str(), 1);
  const ImageMetrics im("mnist", "", "", result_.path, nullptr);
  ::unsetenv("GANFORGE_CACHE");
  const auto test = data::load("mnist", "", "test");
  const auto by_class = test.images.index_select(0, std::get<1>(test.labels.sort(/*stable=*/true, 0, false)));
  const auto sorted = im.measure(by_class, {"is"}, 0)["is"]["mean"].get<double>();
  const auto shuffled = im.measure(test.images, {"is"}, 0)["is"]["mean"].get<double>();
  EXPECT_NEAR(sorted, shuffled, 0.05 * shuffled);
  EXPECT_GT(sorted, 3.0);  // one class per split would score about 1
}

}  // namespace
}  // namespace ganforge
