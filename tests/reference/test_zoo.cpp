// The GAN zoo: a full DCGAN training step against PyTorch, config checks, and short smoke runs of each
// config family (losses stay finite, penalties are applied).
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "ganforge/ops/augment.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/data/dataset.h"
#include "ganforge/eval/metrics.h"
#include "ganforge/models/registry.h"
#include "ganforge/core/error.h"
#include "ganforge/run/layout.h"
#include "ganforge/train/loop.h"
#include "ganforge/app/train.h"
#include "reference.h"
#include "test_util.h"

namespace ganforge {
namespace {

using test::from_json;

void load_state(torch::nn::Module& m, const nlohmann::json& fx) {
  torch::NoGradGuard no_grad;
  size_t i = 0;
  for (auto& p : m.parameters()) p.copy_(from_json(fx["params"][i++]).view_as(p));
  ASSERT_EQ(i, fx["params"].size());
  i = 0;
  for (auto& b : m.buffers()) b.copy_(from_json(fx["buffers"][i++]).view_as(b));
  ASSERT_EQ(i, fx["buffers"].size());
}

void expect_state(const torch::nn::Module& m, const nlohmann::json& fx, const std::string& net) {
  // float32 on both sides, same kernels, but reductions may be ordered differently: 1e-6 absolute. Adam's
  // first steps move every weight by ~lr = 2e-4, so a missed, doubled or wrong-signed update is >= 1e-4 off.
  size_t i = 0;
  for (const auto& p : m.parameters()) {
    const double diff = (p.detach().to(torch::kFloat64).flatten() - from_json(fx["params"][i])).abs().max().item<double>();
    EXPECT_LT(diff, 1e-6) << net << " parameter " << i;
    ++i;
  }
  i = 0;
  for (const auto& b : m.buffers()) {
    const double diff = (b.to(torch::kFloat64).flatten() - from_json(fx["buffers"][i])).abs().max().item<double>();
    EXPECT_LT(diff, 1e-6) << net << " buffer " << i;  // BatchNorm running statistics and batch counts
    ++i;
  }
}

TEST(Zoo, DcganTrainingStepsMatchPyTorch) {
  const auto fx = test::fixtures()["dcgan_step"];
  Config cfg;
  cfg.model.arch = "dcgan";
  cfg.model.z_dim = fx["z_dim"].get<int64_t>();
  cfg.model.g_channels = fx["g_channels"].get<int64_t>();
  cfg.model.d_channels = fx["d_channels"].get<int64_t>();
  cfg.model.d_batchnorm = true;
  cfg.optim.beta1 = 0.5;
  cfg.train.steps = 2;
  train::TrainState s = train::make_state(cfg, {1, 28, 28}, 0);
  load_state(*s.g, fx["before"]["g"]);
  load_state(*s.d, fx["before"]["d"]);
  const auto loss = std::make_unique<losses::Objective>(cfg.loss);
  for (const auto& it : fx["iterations"]) {
    const auto real = from_json(it["real"]).to(torch::kFloat32).view({4, 1, 28, 28});
    const auto z_d = from_json(it["z_d"]).to(torch::kFloat32).view({4, cfg.model.z_dim});
    const auto z_g = from_json(it["z_g"]).to(torch::kFloat32).view({4, cfg.model.z_dim});
    const train::PhaseStats d = train::discriminator_phase(s, *loss, {real, z_d});
    ASSERT_TRUE(d.finite);
    EXPECT_NEAR(d.loss, it["loss_d"].get<double>(), 1e-5);
    const train::PhaseStats g = train::generator_phase(s, *loss, {{}, z_g});
    ASSERT_TRUE(g.finite);
    EXPECT_NEAR(g.loss, it["loss_g"].get<double>(), 1e-5);
  }
  expect_state(*s.g, fx["after"]["g"], "G");
  expect_state(*s.d, fx["after"]["d"], "D");
}

// The small pix2pix of the "pix2pix" fixture, with its weights before the two iterations.
train::TrainState pix2pix_fixture_state(const nlohmann::json& fx, double gan_weight = 1) {
  const int64_t size = fx["size"].get<int64_t>();
  Config cfg;
  cfg.model.arch = "pix2pix";
  cfg.model.g_channels = fx["g_channels"].get<int64_t>();
  cfg.model.d_channels = fx["d_channels"].get<int64_t>();
  cfg.model.d_layers = fx["d_layers"].get<int64_t>();
  cfg.loss.l1_weight = fx["l1_weight"].get<double>();
  cfg.loss.gan_weight = gan_weight;
  cfg.optim.beta1 = 0.5;
  cfg.train.steps = 2;
  train::TrainState s = train::make_state(cfg, {1, size, size}, 0);
  load_state(*s.g, fx["before"]["g"]);
  load_state(*s.d, fx["before"]["d"]);
  return s;
}

TEST(Zoo, Pix2pixTrainingStepsMatchPyTorch) {
  const auto fx = test::fixtures()["pix2pix"]["step"];
  const int64_t size = fx["size"].get<int64_t>();
  train::TrainState s = pix2pix_fixture_state(fx);
  const auto cfg = s.cfg;
  const auto loss = std::make_unique<losses::Objective>(cfg.loss);
  // Dropout, G's noise, draws from the global generator in the same order as the Python side.
  torch::manual_seed(fx["dropout_seed"].get<uint64_t>());
  for (const auto& it : fx["iterations"]) {
    const auto x = from_json(it["x"]).to(torch::kFloat32).view({4, 1, size, size});
    const auto y = from_json(it["y"]).to(torch::kFloat32).view({4, 1, size, size});
    const train::PhaseStats d = train::discriminator_phase(s, *loss, {y, {}, {}, {}, 0, x});
    ASSERT_TRUE(d.finite);
    EXPECT_NEAR(d.loss, it["loss_d"].get<double>(), 1e-5);
    const train::PhaseStats g = train::generator_phase(s, *loss, {y, {}, {}, {}, 0, x});
    ASSERT_TRUE(g.finite);
    // G's loss is ~50 (100 x L1): 1e-4 is float32's rounding at that size.
    EXPECT_NEAR(g.loss, it["loss_g"].get<double>(), 1e-4);
  }
  expect_state(*s.g, fx["after"]["g"], "G");
  expect_state(*s.d, fx["after"]["d"], "D");
}

// loss.gan_weight = 0, the L1-only baseline: G learns from the L1 term alone, so two runs whose D differ train
// the same G, bit for bit (with the adversarial term on, they do not: the control).
TEST(Zoo, Pix2pixL1OnlyBaselineTrainsGWithoutD) {
  const auto fx = test::fixtures()["pix2pix"]["step"];
  const int64_t size = fx["size"].get<int64_t>();
  auto g_after = [&](double gan_weight, double d_scale) {
    train::TrainState s = pix2pix_fixture_state(fx, gan_weight);
    const Config cfg = s.cfg;
    {
      torch::NoGradGuard no_grad;
      for (auto& p : s.d->parameters()) p.mul_(d_scale);
    }
    const auto loss = std::make_unique<losses::Objective>(cfg.loss);
    torch::manual_seed(fx["dropout_seed"].get<uint64_t>());
    for (const auto& it : fx["iterations"]) {
      const auto x = from_json(it["x"]).to(torch::kFloat32).view({4, 1, size, size});
      const auto y = from_json(it["y"]).to(torch::kFloat32).view({4, 1, size, size});
      EXPECT_TRUE(train::discriminator_phase(s, *loss, {y, {}, {}, {}, 0, x}).finite);
      const train::PhaseStats g = train::generator_phase(s, *loss, {y, {}, {}, {}, 0, x});
      EXPECT_TRUE(g.finite);
      EXPECT_GT(g.loss, 10) << "100 x L1 of an untrained G";
    }
    std::vector<torch::Tensor> w;
    for (const auto& p : s.g->parameters()) w.push_back(p.detach().clone());
    return w;
  };
  auto same = [](const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!torch::equal(a[i], b[i])) return false;
    return true;
  };
  EXPECT_TRUE(same(g_after(0, 1), g_after(0, 3))) << "G's update must not depend on D";
  EXPECT_FALSE(same(g_after(1, 1), g_after(1, 3))) << "control: with the adversarial term it does";
}

TEST(Zoo, WeightClippingBoundsEveryCriticParameter) {
  Config cfg;
  cfg.model.arch = "dcgan";
  cfg.model.g_channels = cfg.model.d_channels = 8;
  cfg.loss.type = "wgan";
  cfg.loss.weight_clip = 0.01;
  cfg.train.steps = 1;
  train::TrainState s = train::make_state(cfg, {1, 28, 28}, 0);
  const auto loss = std::make_unique<losses::Objective>(cfg.loss);
  ASSERT_TRUE(train::discriminator_phase(s, *loss, {torch::rand({8, 1, 28, 28}) * 2 - 1, torch::randn({8, 100})}).finite);
  for (const auto& p : s.d->parameters()) EXPECT_LE(p.abs().max().item<float>(), 0.01f);
}

TEST(Zoo, LazyR1IsAppliedEveryNthUpdateWithNTimesTheWeight) {
  Config cfg;
  cfg.loss.type = "gan";
  cfg.loss.r1_gamma = 1;
  cfg.loss.r1_every = 4;
  cfg.train.steps = 1;
  train::TrainState s = train::make_state(cfg, {1, 28, 28}, 0);
  const auto loss = std::make_unique<losses::Objective>(cfg.loss);
  std::vector<double> penalties;
  for (int i = 0; i < 8; ++i)
    penalties.push_back(train::discriminator_phase(s, *loss, {torch::rand({16, 1, 28, 28}) * 2 - 1, torch::randn({16, 100})}).penalty);
  for (int i = 0; i < 8; ++i) {
    if (i % 4 == 0)
      EXPECT_GT(penalties[i], 0) << "update " << i;
    else
      EXPECT_EQ(penalties[i], 0) << "update " << i;
  }
}

TEST(Zoo, ConfigRefusesCombinationsThatCannotWork) {
  auto error_of = [](const std::string& text) {
    try {
      parse_config("[train]\nsteps = 10\n" + text, "test.toml");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("[loss]\ntype = \"wgan\"\n").find("needs a Lipschitz constraint"), std::string::npos);
  EXPECT_NE(error_of("[model]\nd_batchnorm = true\n[loss]\ngp_weight = 10.0\n").find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(error_of("[loss]\ntype = \"hinge\"\nlabel_smoothing = 0.1\n").find("applies to loss.type = 'gan' only"),
            std::string::npos);
  EXPECT_NE(error_of("[optim]\nbeta1_d = -0.5\n").find("optim.beta1_d"), std::string::npos);
  EXPECT_NE(error_of("[loss]\ntype = \"wasserstein\"\n").find("choose one of: gan, lsgan, wgan, hinge"),
            std::string::npos);
  // pix2pix: pairs, its sizes, and nothing that needs z or classes.
  const std::string p2p = "[model]\narch = \"pix2pix\"\n";
  EXPECT_NE(error_of(p2p + "[data]\nresolution = 32\n").find("set data.pairs = 'edges'"), std::string::npos);
  EXPECT_NE(error_of(p2p + "[data]\npairs = \"edges\"\n").find("32, 64, 128 or 256 pixels: set data.resolution"),
            std::string::npos);
  EXPECT_NE(error_of(p2p + "conditional = \"concat\"\n[data]\npairs = \"edges\"\nresolution = 32\n")
                .find("model.conditional and model.pack do not apply"),
            std::string::npos);
  EXPECT_NE(error_of(p2p + "[data]\npairs = \"edges\"\nresolution = 32\n[loss]\nr1_gamma = 1.0\n").find("takes no loss.gp_weight"),
            std::string::npos);
  EXPECT_EQ(error_of(p2p + "[data]\npairs = \"edges\"\nresolution = 64\n"), "no error");
  EXPECT_NE(error_of("[loss]\nl1_weight = 100.0\n").find("needs model.arch = 'pix2pix'"), std::string::npos);
  EXPECT_NE(error_of("[loss]\ngan_weight = 0.0\n").find("loss.gan_weight needs model.arch = 'pix2pix'"),
            std::string::npos);
  EXPECT_NE(error_of(p2p + "[data]\npairs = \"edges\"\nresolution = 32\n[loss]\ngan_weight = 0.0\n")
                .find("leave G nothing to learn from"),
            std::string::npos);
  // The L1-only baseline, evaluated as it trains (periodic evaluation measures pix2pix on its test pairs).
  EXPECT_NO_THROW(parse_config("[train]\nsteps = 10\neval_every = 100\n" + p2p +
                                   "[data]\npairs = \"edges\"\nresolution = 32\n[loss]\ngan_weight = 0.0\nl1_weight = 100.0\n",
                               "test.toml"));
  EXPECT_NE(error_of("[data]\ndataset = \"ring8\"\npairs = \"edges\"\n").find("data.pairs is for images"),
            std::string::npos);
}

// `cfg` trained for 6 steps: losses finite, penalties applied, the sample grid written.
void expect_trains_a_few_steps(Config cfg, int64_t batch) {
  // Made by scripts/setup.sh; Stacked MNIST is built from the MNIST files (the 2D toys are generated).
  cfg.data.dir = test::source_dir() + "/data/" + (cfg.data.dataset == "stacked-mnist" ? "mnist" : cfg.data.dataset);
  cfg.train.eval_every = 0;  // periodic evaluation would train an evaluator
  cfg.train.steps = 6;
  cfg.data.batch_size = batch;
  cfg.train.log_every = 2;
  cfg.train.sample_every = 0;
  cfg.train.sample_grid = 16;
  validate(cfg);
  test::TempDir dir;
  app::TrainOptions opts;
  opts.run_dir = dir / "run";
  opts.console = nullptr;
  const train::TrainResult r = app::train(cfg, opts);
  EXPECT_EQ(r.steps, 6);
  std::ifstream in(run::Layout(opts.run_dir).metrics());
  int lines = 0, penalized = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    ASSERT_FALSE(j.contains("event") && j["event"] == "nonfinite") << line;
    if (j.contains("event")) continue;
    ++lines;
    EXPECT_TRUE(std::isfinite(j["loss_d"].get<double>()) && std::isfinite(j["loss_g"].get<double>())) << line;
    // Every logged window has a penalty, except lazy R1's (r1_every > 1), whose windows without an R1 step log 0.
    const bool every_step = cfg.loss.gp_weight > 0 || (cfg.loss.r1_gamma > 0 && cfg.loss.r1_every == 1);
    if (every_step) EXPECT_GT(j["penalty"].get<double>(), 0) << line;
    penalized += j["penalty"].get<double>() > 0;
  }
  EXPECT_EQ(lines, 3);
  if (cfg.loss.gp_weight > 0 || cfg.loss.r1_gamma > 0) EXPECT_GT(penalized, 0);
  EXPECT_TRUE(std::filesystem::exists(r.sample_grid));
}

// Each shipped config family, for a few steps on real data.
TEST(Zoo, EachConfigFamilyTrainsAFewStepsWithFiniteLosses) {
  for (const std::string name :
       {"mnist-dcgan", "fashion-dcgan", "fashion-wgangp", "fashion-hinge-sn", "mnist-dcgan+diffaugment",
        "mnist-cgan", "fashion-cgan-projection", "stacked-mnist-dcgan", "stacked-mnist-pacgan"}) {
    SCOPED_TRACE(name);
    Config cfg = load_config(test::source_dir() + "/configs/" + name.substr(0, name.find('+')) + ".toml");
    if (name.find("+diffaugment") != std::string::npos) cfg.train.diffaugment = "color,translation,cutout";
    expect_trains_a_few_steps(cfg, 16);
  }
}

// Every config of the remedies table (configs/remedies: the PacGAN paper's failing 2D baselines and each
// remedy on them), a few steps each; the batch is a multiple of every pack (2, 3, 4).
TEST(Zoo, EachRemedyConfigTrainsAFewStepsWithFiniteLosses) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() + "/configs/remedies")) {
    if (e.path().extension() != ".toml") continue;
    SCOPED_TRACE(e.path().filename().string());
    expect_trains_a_few_steps(load_config(e.path().string()), 24);
    ++n;
  }
  EXPECT_GE(n, 16);
}

TEST(Zoo, DiffAugmentOpsMatchTheReferenceWithFixedDraws) {
  const auto fx = test::fixtures()["diffaugment"];
  const auto shape = fx["shape"].get<std::vector<int64_t>>();
  const auto x0 = from_json(fx["x"]).view(shape);
  const auto weights = from_json(fx["weights"]).view(shape);
  const auto& dj = fx["draws"];
  augment::Draws d;
  d.brightness = from_json(dj["brightness"]);
  d.saturation = from_json(dj["saturation"]);
  d.contrast = from_json(dj["contrast"]);
  auto ints = [](const nlohmann::json& v) { return torch::tensor(v.get<std::vector<int64_t>>(), torch::kInt64); };
  d.shift_x = ints(dj["shift_x"]), d.shift_y = ints(dj["shift_y"]);
  d.cut_x = ints(dj["cut_x"]), d.cut_y = ints(dj["cut_y"]);
  for (const std::string name : {"color", "translation", "cutout", "all"}) {
    SCOPED_TRACE(name);
    const auto ops = diffaugment_ops(name == "all" ? "color, translation,cutout" : name);
    const auto x = x0.clone().requires_grad_(true);
    const auto y = augment::apply(ops, x, d);
    (y * weights).sum().backward();
    // float64, same arithmetic: rounding only.
    EXPECT_LT((y.detach().flatten() - from_json(fx[name]["y"])).abs().max().item<double>(), 1e-12);
    EXPECT_LT((x.grad().flatten() - from_json(fx[name]["grad"])).abs().max().item<double>(), 1e-12);
  }
  EXPECT_THROW(diffaugment_ops("color,flip"), UserError);
  // Draws stay in their ranges.
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const auto big = augment::draw(diffaugment_ops("translation,cutout"), torch::zeros({2000, 1, 28, 28}), gen);
  EXPECT_EQ(big.shift_x.min().item<int64_t>(), -4);  // round(28 / 8) = 4 (3.5 rounds up)
  EXPECT_EQ(big.shift_x.max().item<int64_t>(), 4);
  EXPECT_EQ(big.cut_x.min().item<int64_t>(), 0);
  EXPECT_EQ(big.cut_x.max().item<int64_t>(), 28);  // even side 14: offsets 0 .. 28
}

TEST(Toys, MixturesHaveTheStatedMeansSpreadAndBalance) {
  const auto ring = data::make_toy("ring8", 40000, 5);
  ASSERT_EQ(ring.modes.size(0), 8);
  EXPECT_LT((ring.modes.norm(2, 1) - 1).abs().max().item<float>(), 1e-6f) << "means on the unit circle";
  const auto offset = ring.points - ring.modes.index_select(0, ring.labels);
  EXPECT_NEAR(offset.std().item<float>(), 0.01f, 0.0005f);
  const auto counts = torch::bincount(ring.labels);
  EXPECT_GT(counts.min().item<int64_t>(), 4700);  // 5,000 expected per component
  const auto grid = data::make_toy("grid25", 40000, 5);
  ASSERT_EQ(grid.modes.size(0), 25);
  EXPECT_EQ(grid.modes.min().item<float>(), -4.0f);
  EXPECT_EQ(grid.modes.max().item<float>(), 4.0f);
  EXPECT_NEAR((grid.points - grid.modes.index_select(0, grid.labels)).std().item<float>(), 0.05f, 0.002f);
  EXPECT_TRUE(torch::equal(data::make_toy("ring8", 100, 9).points, data::make_toy("ring8", 100, 9).points));
}

TEST(Toys, ModeStatsOnConstructedSamplesGiveTheKnownAnswer) {
  const auto ring = data::make_toy("ring8", 10, 1);
  // A generator collapsed onto modes 0, 3 and 5 (400 samples each, 0.5 sigma off the mean), plus 300
  // samples in the middle of the ring (far from every mode).
  std::vector<torch::Tensor> parts;
  for (int64_t k : {0, 3, 5}) parts.push_back(ring.modes[k].expand({400, 2}) + 0.005);
  parts.push_back(torch::zeros({300, 2}));
  const auto s = metrics::mode_stats(torch::cat(parts), ring.modes, ring.mode_std);
  EXPECT_EQ(s.modes, 8);
  EXPECT_EQ(s.covered, 3);
  EXPECT_NEAR(s.high_quality, 1200.0 / 1500.0, 1e-12);
  EXPECT_NEAR(s.reverse_kl, std::log(8.0 / 3.0), 1e-12);  // uniform over 3 of 8 modes
  EXPECT_EQ(s.counts, (std::vector<int64_t>{400, 0, 0, 400, 0, 400, 0, 0}));
  // Real data covers every mode, nearly all within 3 sigma (a 2D Gaussian: 1 - exp(-9/2) = 98.9%).
  const auto real = data::make_toy("grid25", 2500, 2);
  const auto r = metrics::mode_stats(real.points, real.modes, real.mode_std);
  EXPECT_EQ(r.covered, 25);
  EXPECT_NEAR(r.high_quality, 1 - std::exp(-4.5), 0.006);
  EXPECT_LT(r.reverse_kl, 0.02);
  // Nothing near any mode: no coverage, infinite reverse KL.
  EXPECT_TRUE(std::isinf(metrics::mode_stats(torch::full({10, 2}, 1.0f), real.modes, real.mode_std).reverse_kl));
}

TEST(Toys, PackedDiscriminatorJudgesGroupsAndPenaltiesFollowThePacks) {
  Config cfg;
  cfg.data.dataset = "ring8";
  cfg.model.g_output = "linear";
  cfg.model.pack = 4;
  cfg.model.z_dim = 2;
  cfg.model.d_hidden = {16};
  const auto d = models::make_discriminator(cfg.model, {2});
  EXPECT_EQ(d->forward(torch::randn({12, 2})).sizes(), (std::vector<int64_t>{3}));
  EXPECT_EQ(d->named_parameters()["net.0.weight"].size(1), 8) << "first layer sees 4 x 2 inputs";
  // The input gradient of a pack spans its 4 samples: a critic summing x / sqrt(8) has gradient norm 1 per
  // pack (and 1/2 per sample), so the gradient penalty is 0 only when computed per pack.
  const losses::Critic critic = [](const torch::Tensor& x) { return x.reshape({x.size(0) / 4, -1}).sum(1) / std::sqrt(8.0); };
  const auto real = torch::randn({12, 2}), fake = torch::randn({12, 2});
  EXPECT_NEAR(losses::gradient_penalty(critic, real, fake, torch::rand({12})).item<double>(), 0, 1e-10);
  EXPECT_NEAR(losses::r1_penalty(critic, real).item<double>(), 1, 1e-6);
  // D's accuracy counts each packed decision once: 3 real + 3 fake outputs for a batch of 12.
  cfg.data.batch_size = 12;
  cfg.train.steps = 1;
  train::TrainState st = train::make_state(cfg, {2}, 0);
  for (int i = 0; i < 5; ++i) {
    const train::PhaseStats r = train::discriminator_phase(st, losses::Objective(cfg.loss), {torch::randn({12, 2}), torch::randn({12, 2})});
    EXPECT_NEAR(r.d_acc * 6, std::round(r.d_acc * 6), 1e-9) << r.d_acc;
  }
  cfg.data.batch_size = 10;
  EXPECT_THROW(validate(cfg), UserError) << "batch not a multiple of pack";
  cfg.model.arch = "dcgan";
  EXPECT_THROW(models::make_generator(cfg.model, {2}), UserError) << "dcgan on points";
}

TEST(Toys, TrainSampleAndEvalFromTheCommandLine) {
  test::TempDir dir;
  const std::string run = dir / "ring";
  auto r = test::train_short("ring8-gan", 300, run);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(run + "/samples/step-0000300.png")) << "scatter plot";
  r = test::run_cli("sample --run " + run + " --n 50 --out " + (dir / "p.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream csv(dir / "p.csv");
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header, "x,y");
  int rows = 0;
  while (std::getline(csv, line)) {
    float x, y;
    EXPECT_EQ(std::sscanf(line.c_str(), "%f,%f", &x, &y), 2) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 50);
  r = test::run_cli("sample --run " + run + " --n 500 --out " + (dir / "p.png"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = test::run_cli("sample --run " + run + " --n 5 --out " + (dir / "p.idx"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("2D points: write .csv or .png"), std::string::npos) << r.output;
  r = test::run_cli("eval --run " + run + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  // The report is computed from the samples: a mode is covered when at least one sample is within 3 sigma
  // of it, and high_quality is the share of samples that are. (300 steps cover few modes, often none: the
  // numbers are checked against each other, and the real data's floor covers all 8.)
  for (const char* side : {"generated", "real_floor"}) {
    const auto& g = j[side];
    SCOPED_TRACE(side);
    EXPECT_EQ(g["modes"], 8) << "the ring's mixture";
    ASSERT_EQ(g["counts"].size(), 8u);
    int64_t covered = 0, near = 0;
    for (const auto& c : g["counts"]) covered += c.get<int64_t>() > 0, near += c.get<int64_t>();
    EXPECT_EQ(g["modes_covered"], covered);
    EXPECT_DOUBLE_EQ(g["high_quality"].get<double>(), static_cast<double>(near) / 2500);
  }
  EXPECT_EQ(j["real_floor"]["modes_covered"], 8);
  EXPECT_GT(j["real_floor"]["high_quality"].get<double>(), 0.95) << "3 sigma holds ~99% of a Gaussian's mass";
  EXPECT_EQ(j["n"], 2500);
  EXPECT_TRUE(std::filesystem::exists(run + "/eval.jsonl"));
}

}  // namespace
}  // namespace ganforge
