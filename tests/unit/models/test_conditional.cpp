// Conditional GANs: concat (cGAN), projection discriminator and ACGAN for both architectures; class labels
// through the training step, `sample --label/--labels all` and the label file beside IDX samples.
#include <torch/torch.h>

#include <filesystem>

#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/io/idx.h"
#include "ganforge/models/registry.h"
#include "ganforge/io/png.h"
#include "ganforge/train/loop.h"
#include "test_util.h"

namespace ganforge {
namespace {

Config conditional_config(const std::string& arch, const std::string& kind) {
  Config cfg;
  cfg.model.arch = arch;
  cfg.model.conditional = kind;
  cfg.model.classes = 10;
  cfg.model.z_dim = 16;
  cfg.model.g_hidden = {32};
  cfg.model.d_hidden = {32, 24};
  cfg.model.g_channels = 8;
  cfg.model.d_channels = 8;
  return cfg;
}

const std::vector<int64_t> kShape = {1, 28, 28};

TEST(Conditional, EveryKindAndArchitectureTakesLabels) {
  for (const std::string arch : {"mlp", "dcgan"})
    for (const std::string kind : {"concat", "projection", "acgan"}) {
      SCOPED_TRACE(arch + " " + kind);
      torch::manual_seed(0);
      const Config cfg = conditional_config(arch, kind);
      auto g = models::make_generator(cfg.model, kShape);
      auto d = models::make_discriminator(cfg.model, kShape);
      EXPECT_EQ(g->classes(), 10);
      EXPECT_EQ(d->classes(), 10);
      g->eval();
      d->eval();
      const auto z = torch::randn({6, cfg.model.z_dim});
      const auto y = torch::tensor({0, 1, 2, 3, 4, 5});
      const auto x = g->generate(z, y);
      ASSERT_EQ(x.sizes(), (std::vector<int64_t>{6, 1, 28, 28}));
      // The class changes the image for the same z, and D's verdict for the same image.
      EXPECT_GT((g->generate(z, y) - g->generate(z, (y + 1) % 10)).abs().max().item<float>(), 1e-4);
      const auto j = d->judge(x, y);
      ASSERT_EQ(j.logits.sizes(), (std::vector<int64_t>{6}));
      if (kind == "acgan") {
        ASSERT_TRUE(j.class_logits.defined());
        EXPECT_EQ(j.class_logits.sizes(), (std::vector<int64_t>{6, 10}));
        // The adversarial head does not look at the label; the classifier head does the class work.
        EXPECT_TRUE(torch::equal(j.logits, d->judge(x, (y + 1) % 10).logits));
      } else {
        EXPECT_FALSE(j.class_logits.defined());
        EXPECT_GT((j.logits - d->judge(x, (y + 1) % 10).logits).abs().max().item<float>(), 1e-6);
      }
      // Without labels a conditional network refuses, rather than guessing.
      EXPECT_THROW(g->forward(z), c10::Error);
      EXPECT_THROW(d->forward(x), c10::Error);
    }
}

TEST(Conditional, ProjectionIsAnInnerProductWithTheClassEmbedding) {
  torch::manual_seed(1);
  const Config cfg = conditional_config("dcgan", "projection");
  auto d = models::make_discriminator(cfg.model, kShape);
  d->eval();
  torch::Tensor embed;
  for (auto& p : d->named_parameters())
    if (p.key() == "embed.weight") embed = p.value();
  ASSERT_TRUE(embed.defined());
  const auto x = torch::rand({4, 1, 28, 28}) * 2 - 1;
  torch::NoGradGuard no_grad;
  // A zero embedding leaves psi(phi(x)) alone: the same for every class.
  embed.zero_();
  const auto psi = d->judge(x, torch::tensor({0, 0, 0, 0})).logits;
  EXPECT_TRUE(torch::allclose(psi, d->judge(x, torch::tensor({7, 3, 9, 1})).logits));
  // Adding the same vector to every class embedding shifts every class equally: only differences of
  // embeddings separate classes, as <embed(y), phi(x)> is linear in embed(y).
  embed.normal_();
  const auto a = d->judge(x, torch::tensor({2, 2, 2, 2})).logits - d->judge(x, torch::tensor({5, 5, 5, 5})).logits;
  embed.add_(torch::randn({1, embed.size(1)}));
  const auto b = d->judge(x, torch::tensor({2, 2, 2, 2})).logits - d->judge(x, torch::tensor({5, 5, 5, 5})).logits;
  EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-4));
}

TEST(Conditional, AcganAddsTheClassCrossEntropyToD) {
  std::vector<double> loss;
  for (double w : {0.0, 1.0}) {
    Config cfg = conditional_config("mlp", "acgan");
    cfg.loss.ac_weight = w;
    train::TrainState s = train::make_state(cfg, kShape, 0);
    torch::manual_seed(3);
    const auto real = torch::rand({16, 1, 28, 28}) * 2 - 1;
    const auto z = torch::randn({16, cfg.model.z_dim});
    const auto y = torch::randint(0, 10, {16}, torch::kInt64);
    const train::PhaseStats r = train::discriminator_phase(s, losses::Objective(cfg.loss), {real, z, y, (y + 3) % 10});
    ASSERT_TRUE(r.finite);
    loss.push_back(r.loss);
  }
  // At initialization each cross-entropy is near log 10 = 2.3: two of them add about 4.6.
  EXPECT_GT(loss[1] - loss[0], 3.5);
  EXPECT_LT(loss[1] - loss[0], 6.0);
}

TEST(Conditional, ConfigRefusesPackAndGradientPenalty) {
  Config cfg = conditional_config("dcgan", "concat");
  cfg.train.steps = 10;
  cfg.model.pack = 2;
  EXPECT_THROW(validate(cfg), UserError);
  cfg.model.pack = 1;
  cfg.loss.gp_weight = 10;
  EXPECT_THROW(validate(cfg), UserError);
  cfg.loss.gp_weight = 0;
  cfg.loss.r1_gamma = 1;  // on reals with their own labels: fine
  EXPECT_NO_THROW(validate(cfg));
}

TEST(Conditional, SampleByLabelThroughTheCli) {
  test::TempDir dir;
  const std::string run = dir / "run";
  auto r = test::train_short("mnist-cgan", 30, run, "--set train.eval_every=0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // --labels all: a grid row per class, n columns.
  r = test::run_cli("sample --run " + run + " --labels all --n 3 --out " + (dir / "all.png"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto grid = png::read(dir / "all.png");
  EXPECT_GT(grid.height, 3 * grid.width);  // 10 rows of 3
  // --label K with IDX output: the label file beside it names K for each image.
  r = test::run_cli("sample --run " + run + " --label 7 --n 5 --out " + (dir / "seven.idx.gz"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto labels = idx::read_labels(dir / "seven-labels.idx.gz");
  EXPECT_EQ(labels.values, std::vector<uint8_t>(5, 7));
  EXPECT_EQ(idx::read_images(dir / "seven.idx.gz").count, 5u);
  // Unlabelled IDX samples of a conditional run: every class equally often, in blocks.
  r = test::run_cli("sample --run " + run + " --n 20 --out " + (dir / "mix.idx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto mix = idx::read_labels(dir / "mix-labels.idx").values;
  ASSERT_EQ(mix.size(), 20u);
  for (size_t i = 0; i < mix.size(); ++i) EXPECT_EQ(mix[i], i / 2) << i;
  // The same z and class give the same image whichever way it is asked for: row 7 of --labels all
  // with seed 0 is images 21..23 of the 30, drawn with z 21..23.
  r = test::run_cli("sample --run " + run + " --labels all --n 3 --out " + (dir / "all.idx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto all_labels = idx::read_labels(dir / "all-labels.idx").values;
  ASSERT_EQ(all_labels.size(), 30u);
  EXPECT_EQ(all_labels[21], 7);
  r = test::run_cli("sample --run " + run + " --label 7 --n 30 --out " + (dir / "sevens.idx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto all_images = idx::read_images(dir / "all.idx"), sevens = idx::read_images(dir / "sevens.idx");
  const size_t per_image = static_cast<size_t>(all_images.rows * all_images.cols);
  auto image = [&](const idx::Images& im, size_t i) {
    return std::vector<uint8_t>(im.pixels.begin() + i * per_image, im.pixels.begin() + (i + 1) * per_image);
  };
  for (size_t i = 21; i <= 23; ++i) EXPECT_EQ(image(all_images, i), image(sevens, i)) << "image " << i;
  // ... and another class on the same z gives another image.
  EXPECT_NE(image(all_images, 18), image(sevens, 18)) << "image 18 is a 6 in the grid, a 7 here";
  // Bad requests: one line, exit 2.
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"sample --run " + run + " --label 10 --n 2 --out " + (dir / "x.png"), "out of range"},
           {"sample --run " + run + " --label 1 --labels all --out " + (dir / "x.png"), "not both"},
           {"sample --run " + run + " --labels some --out " + (dir / "x.png"), "--labels"}}) {
    r = test::run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << r.output;
  }
  // An unconditional run refuses labels.
  const std::string plain = dir / "plain";
  r = test::train_short("mnist-mlp", 5, plain);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_cli("sample --run " + plain + " --label 1 --n 2 --out " + (dir / "y.png"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not conditional"), std::string::npos) << r.output;
}

TEST(Conditional, EachKindTrainsAFewStepsWithFiniteLosses) {
  for (const std::string kind : {"concat", "projection", "acgan"}) {
    SCOPED_TRACE(kind);
    test::TempDir dir;
    const auto r = test::train_short("fashion-cgan-projection", 12, dir / "run",
                                     "--set data.dataset=mnist --set model.conditional=" + kind +
                                         " --set train.log_every=4 --set train.eval_every=0");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream in(dir / "run/metrics.jsonl");
    int lines = 0;
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j.contains("event")) continue;
      EXPECT_TRUE(std::isfinite(j["loss_d"].get<double>()) && std::isfinite(j["loss_g"].get<double>())) << line;
      ++lines;
    }
    EXPECT_EQ(lines, 3);
  }
}

}  // namespace
}  // namespace ganforge
