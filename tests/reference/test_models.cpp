// Model shapes and parameter counts against the same nets built with torch.nn (fixtures.json).
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstdlib>

#include "ganforge/core/config.h"
#include "ganforge/models/layers.h"
#include "ganforge/core/error.h"
#include "ganforge/models/registry.h"
#include "reference.h"
#include "test_util.h"

namespace ganforge {
namespace {

std::vector<std::vector<int64_t>> shapes(const torch::nn::Module& m) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& p : m.parameters()) out.push_back(p.sizes().vec());
  return out;
}

TEST(Models, PresetsMatchPyTorchShapesAndCounts) {
  const auto fx = test::fixtures()["models"];
  for (const std::string name : {"seed-keras-mlp", "seed-tf-mlp", "mnist-mlp"}) {
    SCOPED_TRACE(name);
    const Config cfg = load_config(test::source_dir() + "/configs/" + name + ".toml");
    const auto g = models::make_generator(cfg.model, {1, 28, 28});
    const auto d = models::make_discriminator(cfg.model, {1, 28, 28});
    EXPECT_EQ(models::count_parameters(*g), fx[name]["generator"]["count"].get<int64_t>());
    EXPECT_EQ(models::count_parameters(*d), fx[name]["discriminator"]["count"].get<int64_t>());
    EXPECT_EQ(shapes(*g), fx[name]["generator"]["shapes"].get<std::vector<std::vector<int64_t>>>());
    EXPECT_EQ(shapes(*d), fx[name]["discriminator"]["shapes"].get<std::vector<std::vector<int64_t>>>());

    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    const auto z = models::sample_noise(cfg.model, 5, gen);
    ASSERT_EQ(z.sizes(), (std::vector<int64_t>{5, 100}));
    const auto x = g->forward(z);
    EXPECT_EQ(x.sizes(), (std::vector<int64_t>{5, 1, 28, 28}));
    EXPECT_LE(x.abs().max().item<float>(), 1.0f) << "tanh output";
    EXPECT_EQ(d->forward(x).sizes(), (std::vector<int64_t>{5}));
  }
}

TEST(Models, NoiseDistributions) {
  Config cfg;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  cfg.model.noise = "uniform";
  const auto u = models::sample_noise(cfg.model, 2000, gen);
  EXPECT_GE(u.min().item<float>(), -1.0f);
  EXPECT_LT(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(u.mean().item<float>(), 0.0f, 0.01f);
  EXPECT_NEAR(u.var().item<float>(), 1.0f / 3.0f, 0.01f);  // Var U(-1, 1) = 1/3
  cfg.model.noise = "normal";
  const auto n = models::sample_noise(cfg.model, 2000, gen);
  EXPECT_NEAR(n.mean().item<float>(), 0.0f, 0.01f);
  EXPECT_NEAR(n.std().item<float>(), 1.0f, 0.01f);
}

TEST(Models, GlorotInitHasZeroBiasesAndGlorotBounds) {
  Config cfg;
  cfg.model.init = "glorot";
  torch::manual_seed(0);
  const auto d = models::make_discriminator(cfg.model, {1, 28, 28});
  for (const auto& p : d->named_parameters()) {
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << p.key();
    } else {
      const double bound = std::sqrt(6.0 / static_cast<double>(p.value().size(0) + p.value().size(1)));
      EXPECT_LE(p.value().abs().max().item<float>(), bound) << p.key();
      EXPECT_GT(p.value().abs().max().item<float>(), 0.9 * bound) << p.key();
    }
  }
}

TEST(Models, EmaUpdateFollowsTheFormulaAndCopiesBuffers) {
  Config cfg;
  cfg.model.g_batchnorm = true;
  torch::manual_seed(1);
  auto g = models::make_generator(cfg.model, {1, 28, 28});
  auto ema = models::make_generator(cfg.model, {1, 28, 28});
  std::vector<torch::Tensor> before;
  for (const auto& p : ema->parameters()) before.push_back(p.detach().clone());
  {
    torch::NoGradGuard no_grad;
    for (auto& b : g->buffers())
      if (b.dtype() == torch::kFloat32) b.fill_(0.25f);
  }
  models::ema_update(*ema, *g, 0.9);
  const auto src = g->parameters();
  const auto dst = ema->parameters();
  for (size_t i = 0; i < src.size(); ++i) {
    const auto want = before[i] * 0.9 + src[i].detach() * 0.1;
    EXPECT_LT((dst[i] - want).abs().max().item<float>(), 1e-6f) << "parameter " << i;
  }
  for (const auto& b : ema->buffers())
    if (b.dtype() == torch::kFloat32) EXPECT_EQ(b.min().item<float>(), 0.25f);
  // Half-life: after the updates of 20 kimg at batch 128, the old weights' share is 1/2.
  const double beta = models::ema_beta(20, 128);
  EXPECT_NEAR(std::pow(beta, 20000.0 / 128.0), 0.5, 1e-12);
}

TEST(Models, DcganMatchesPyTorchShapesAndCountsAtEachResolution) {
  const auto fx = test::fixtures()["models"];
  struct Case {
    std::string name;
    std::vector<int64_t> shape;
    bool d_batchnorm;
  };
  for (const auto& c : {Case{"dcgan-1x28x28", {1, 28, 28}, true}, Case{"dcgan-3x32x32", {3, 32, 32}, false},
                        Case{"dcgan-3x64x64", {3, 64, 64}, false}}) {
    SCOPED_TRACE(c.name);
    Config cfg;
    cfg.model.arch = "dcgan";
    cfg.model.d_batchnorm = c.d_batchnorm;
    const auto g = models::make_generator(cfg.model, c.shape);
    const auto d = models::make_discriminator(cfg.model, c.shape);
    EXPECT_EQ(models::count_parameters(*g), fx[c.name]["generator"]["count"].get<int64_t>());
    EXPECT_EQ(models::count_parameters(*d), fx[c.name]["discriminator"]["count"].get<int64_t>());
    EXPECT_EQ(shapes(*g), fx[c.name]["generator"]["shapes"].get<std::vector<std::vector<int64_t>>>());
    EXPECT_EQ(shapes(*d), fx[c.name]["discriminator"]["shapes"].get<std::vector<std::vector<int64_t>>>());
    const auto x = g->forward(torch::randn({3, 100}));
    std::vector<int64_t> want = {3};
    want.insert(want.end(), c.shape.begin(), c.shape.end());
    EXPECT_EQ(x.sizes().vec(), want);
    EXPECT_EQ(d->forward(x).sizes(), (std::vector<int64_t>{3}));
    // Spectral norm wraps the same weights: same parameter shapes, plus u and v buffers.
    cfg.model.d_spectral_norm = true;
    cfg.model.d_batchnorm = false;
    const auto d_sn = models::make_discriminator(cfg.model, c.shape);
    EXPECT_EQ(d_sn->forward(x).sizes(), (std::vector<int64_t>{3}));
    EXPECT_EQ(d_sn->buffers().size(), 2 * (c.shape[1] == 28 ? 3u : c.shape[1] == 32 ? 4u : 5u));
  }
  Config cfg;
  cfg.model.arch = "dcgan";
  try {
    models::make_generator(cfg.model, {1, 30, 30});
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("28x28, 32x32 or 64x64; the data is 1x30x30"), std::string::npos) << e.what();
  }
}

TEST(Models, Pix2pixMatchesPyTorchShapesAndCounts) {
  const auto fx = test::fixtures()["pix2pix"]["models"];
  ASSERT_EQ(fx.size(), 3u);
  for (const auto& [name, c] : fx.items()) {
    SCOPED_TRACE(name);
    Config cfg;
    cfg.model.arch = "pix2pix";
    cfg.model.input_channels = c["cin"].get<int64_t>();
    cfg.model.norm = c["norm"].get<std::string>();
    cfg.model.d_layers = c["d_layers"].get<int64_t>();
    const int64_t size = c["size"].get<int64_t>(), cout = c["cout"].get<int64_t>();
    const std::vector<int64_t> shape = {cout, size, size};
    const auto g = models::make_generator(cfg.model, shape);
    const auto d = models::make_discriminator(cfg.model, shape);
    EXPECT_EQ(models::count_parameters(*g), c["generator"]["count"].get<int64_t>());
    EXPECT_EQ(models::count_parameters(*d), c["discriminator"]["count"].get<int64_t>());
    EXPECT_EQ(shapes(*g), c["generator"]["shapes"].get<std::vector<std::vector<int64_t>>>());
    EXPECT_EQ(shapes(*d), c["discriminator"]["shapes"].get<std::vector<std::vector<int64_t>>>());
    if (size > 64) continue;  // the 256-pixel networks are checked by shape only (54M parameters)
    torch::NoGradGuard no_grad;
    const auto x = torch::rand({2, cfg.model.input_channels, size, size}) * 2 - 1;
    const auto out = g->forward(x);
    EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{2, cout, size, size}));
    EXPECT_LE(out.abs().max().item<float>(), 1.0f);  // tanh
    // A logit per patch: side S / 2^L - 2 after L stride-2 layers and two 4x4 stride-1 ones.
    const int64_t side = size / (int64_t{1} << cfg.model.d_layers) - 2;
    EXPECT_EQ(d->forward(torch::cat({x, out}, 1)).numel(), 2 * side * side);
  }
  Config cfg;
  cfg.model.arch = "pix2pix";
  for (const std::vector<int64_t>& bad : {std::vector<int64_t>{1, 28, 28}, {1, 16, 16}, {1, 32, 64}, {2}}) {
    try {
      models::make_generator(cfg.model, bad);
      ADD_FAILURE() << "accepted " << bad.size();
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("pix2pix"), std::string::npos) << e.what();
    }
  }
}

TEST(Models, Pix2pixDropoutIsGsNoiseAndEvalModeIsDeterministic) {
  Config cfg;
  cfg.model.arch = "pix2pix";
  cfg.model.g_channels = 4;
  const auto g = models::make_generator(cfg.model, {1, 32, 32});
  torch::NoGradGuard no_grad;
  const auto x = torch::rand({2, 1, 32, 32}) * 2 - 1;
  EXPECT_FALSE(torch::equal(g->forward(x), g->forward(x))) << "training mode: dropout draws differ";
  g->eval();
  EXPECT_TRUE(torch::equal(g->forward(x), g->forward(x)));
  cfg.model.g_dropout = 0;
  const auto plain = models::make_generator(cfg.model, {1, 32, 32});
  EXPECT_EQ(models::count_parameters(*plain), models::count_parameters(*g));
  int dropouts = 0;
  for (const auto& m : g->modules()) dropouts += m->name() == "torch::nn::DropoutImpl";
  EXPECT_EQ(dropouts, 3);  // the decoder's first three layers
}

TEST(Models, DcganInitDrawsTheStatedDistributions) {
  Config cfg;
  cfg.model.arch = "dcgan";
  cfg.model.init = "dcgan";
  torch::manual_seed(3);
  const auto g = models::make_generator(cfg.model, {1, 28, 28});
  for (const auto& p : g->named_parameters()) {
    const auto t = p.value();
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(t.abs().max().item<float>(), 0.0f) << p.key();
    } else if (t.dim() >= 2) {
      EXPECT_NEAR(t.std().item<float>(), 0.02f, 0.002f) << p.key();
    } else {
      EXPECT_NEAR(t.mean().item<float>(), 1.0f, 0.01f) << p.key();  // BatchNorm scale ~ N(1, 0.02)
    }
  }
}

using test::from_json;

double max_abs_diff(const torch::Tensor& a, const nlohmann::json& b) {
  return (a.flatten() - from_json(b)).abs().max().item<double>();
}

TEST(Models, TransposedConvolutionMatchesLibTorchsWithGradients) {
  // Against torch::conv_transpose2d in float64, for DCGAN's two shapes: the 1x1 -> 7x7 first layer and
  // the stride-2 upsampling; and the gradients of x, the weight and the bias through a random projection.
  torch::manual_seed(3);
  for (const auto& [in, out, k, stride, pad, side] :
       {std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>{6, 5, 7, 1, 0, 1}, {5, 3, 4, 2, 1, 7}}) {
    const auto opts = torch::TensorOptions(torch::kFloat64).requires_grad(true);
    const auto x = torch::randn({4, in, side, side}, opts), w = torch::randn({in, out, k, k}, opts),
               b = torch::randn({out}, opts);
    const auto ours = models::conv_transpose2d(x, w, b, stride, pad);
    const auto theirs = torch::conv_transpose2d(x, w, b, stride, pad);
    ASSERT_EQ(ours.sizes(), theirs.sizes());
    EXPECT_TRUE(torch::allclose(ours, theirs, 1e-12, 1e-12));
    const auto proj = torch::randn_like(theirs);
    const auto g_ours = torch::autograd::grad({(ours * proj).sum()}, {x, w, b});
    const auto g_theirs = torch::autograd::grad({(theirs * proj).sum()}, {x, w, b});
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(g_ours[i], g_theirs[i], 1e-12, 1e-12)) << i;
  }
  // The module draws its initial weights as torch::nn::ConvTranspose2d does.
  const auto o = torch::nn::ConvTranspose2dOptions(8, 4, 4).stride(2).padding(1);
  torch::manual_seed(5);
  models::ConvTranspose2d ours(o);
  torch::manual_seed(5);
  torch::nn::ConvTranspose2d theirs(o);
  EXPECT_TRUE(torch::equal(ours->weight, theirs->weight));
  EXPECT_TRUE(torch::equal(ours->bias, theirs->bias));
  const auto x = torch::randn({2, 8, 7, 7});
  EXPECT_TRUE(torch::allclose(ours->forward(x), theirs->forward(x), 1e-5, 1e-5));  // float32 rounding
}

TEST(Models, LinearMatchesLibTorchsWithGradientsAndDoubleBackward) {
  // The fast path is oneDNN's sgemm on this LibTorch (Debian's links libdnnl), unless switched off.
  const char* gemm = std::getenv("GANFORGE_GEMM");
  if (!(gemm && std::string(gemm) == "libtorch")) EXPECT_EQ(models::gemm_kernel(), "onednn");
  torch::manual_seed(4);
  const auto opts = torch::TensorOptions(torch::kFloat32).requires_grad(true);
  // Odd sizes: no vector width divides them.
  const auto x = torch::randn({37, 53}, opts), w = torch::randn({29, 53}, opts), b = torch::randn({29}, opts);
  for (const bool with_bias : {true, false}) {
    SCOPED_TRACE(with_bias ? "bias" : "no bias");
    const torch::Tensor bias = with_bias ? b : torch::Tensor();
    const auto ours = models::linear(x, w, bias);
    const auto theirs = torch::linear(x, w, bias);
    // float32 products of 53 terms summed in another order: agreement to ~1e-6 relative.
    EXPECT_TRUE(torch::allclose(ours, theirs, 1e-5, 1e-5));
    const auto proj = torch::randn_like(theirs);
    std::vector<torch::Tensor> inputs = {x, w};
    if (with_bias) inputs.push_back(b);
    const auto g_ours = torch::autograd::grad({(ours * proj).sum()}, inputs);
    const auto g_theirs = torch::autograd::grad({(theirs * proj).sum()}, inputs);
    for (size_t i = 0; i < inputs.size(); ++i) EXPECT_TRUE(torch::allclose(g_ours[i], g_theirs[i], 1e-5, 1e-5)) << i;
  }
  // Double backward, as a gradient penalty takes it: d/dW of ||d(out . proj)/dx||^2 through tanh.
  const auto proj = torch::randn({37, 29});
  auto penalty_grads = [&](bool ours) {
    const auto y = ours ? models::fast_tanh(models::linear(x, w, b)) : torch::tanh(torch::linear(x, w, b));
    const auto gx = torch::autograd::grad({(y * proj).sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    return torch::autograd::grad({gx.pow(2).sum()}, {w, b});
  };
  const auto p_ours = penalty_grads(true), p_theirs = penalty_grads(false);
  for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(torch::allclose(p_ours[i], p_theirs[i], 1e-4, 1e-4)) << i;
  // Without gradients (sampling): the same values; other shapes and dtypes: LibTorch's own.
  {
    torch::InferenceMode guard;
    EXPECT_TRUE(torch::allclose(models::linear(x, w, b), torch::linear(x, w, b), 1e-5, 1e-5));
  }
  const auto x3 = torch::randn({2, 3, 53});
  EXPECT_TRUE(torch::equal(models::linear(x3, w, b), torch::linear(x3, w, b)));
  const auto xd = x.detach().to(torch::kFloat64), wd = w.detach().to(torch::kFloat64), bd = b.detach().to(torch::kFloat64);
  EXPECT_TRUE(torch::equal(models::linear(xd, wd, bd), torch::linear(xd, wd, bd)));
  // The module draws its initial weights as torch::nn::Linear does.
  torch::manual_seed(5);
  models::Linear mine(torch::nn::Linear(53, 29));
  torch::manual_seed(5);
  torch::nn::Linear stock(53, 29);
  EXPECT_TRUE(torch::equal(mine->weight, stock->weight));
  EXPECT_TRUE(torch::equal(mine->bias, stock->bias));
  EXPECT_EQ(mine->named_parameters().keys(), stock->named_parameters().keys());
}

TEST(Models, FastTanhMatchesLibTorchsWithGradient) {
  torch::manual_seed(6);
  const auto x = (torch::randn({129, 31}) * 3).requires_grad_(true);
  const auto ours = models::fast_tanh(x), theirs = torch::tanh(x);
  EXPECT_LT((ours - theirs).abs().max().item<double>(), 2e-7);  // kernels.h: ~2.5 float epsilons at worst
  const auto proj = torch::randn_like(x);
  const auto g_ours = torch::autograd::grad({(ours * proj).sum()}, {x})[0];
  const auto g_theirs = torch::autograd::grad({(theirs * proj).sum()}, {x})[0];
  EXPECT_TRUE(torch::allclose(g_ours, g_theirs, 1e-5, 1e-6));
  // Non-contiguous input, and float64 (LibTorch's kernel).
  const auto xt = x.detach().t();
  EXPECT_LT((models::fast_tanh(xt) - torch::tanh(xt)).abs().max().item<double>(), 2e-7);
  const auto xd = x.detach().to(torch::kFloat64);
  EXPECT_TRUE(torch::equal(models::fast_tanh(xd), torch::tanh(xd)));
}

TEST(Models, SpectralNormMatchesPyTorch) {
  const auto fx = test::fixtures()["spectral_norm"];
  for (const std::string kind : {"conv", "linear"}) {
    SCOPED_TRACE(kind);
    const auto& f = fx[kind];
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 4, 3).stride(2).padding(1));
    torch::nn::Linear linear(6, 5);
    models::SpectralNorm sn = kind == "conv" ? models::SpectralNorm(conv) : models::SpectralNorm(linear);
    sn->to(torch::kFloat64);
    torch::Tensor weight = kind == "conv" ? conv->weight : linear->weight;
    torch::Tensor bias = kind == "conv" ? conv->bias : linear->bias;
    {
      torch::NoGradGuard no_grad;
      weight.copy_(from_json(f["weight"]).view_as(weight));
      bias.copy_(from_json(f["bias"]));
      sn->u().copy_(from_json(f["u0"]));
      sn->v().copy_(from_json(f["v0"]));
    }
    const auto x = from_json(f["x"]).view(kind == "conv" ? std::vector<int64_t>{2, 3, 5, 5} : std::vector<int64_t>{3, 6});
    sn->train();
    const auto y = sn->forward(x);
    y.sum().backward();
    // float64 on both sides, same operations: agreement to rounding.
    EXPECT_LT(max_abs_diff(sn->u(), f["u1"]), 1e-13);
    EXPECT_LT(max_abs_diff(sn->v(), f["v1"]), 1e-13);
    EXPECT_LT(max_abs_diff(y, f["y_train"]), 1e-12);
    EXPECT_LT(max_abs_diff(weight.grad(), f["grad_weight"]), 1e-12);
    sn->eval();
    const auto u_before = sn->u().clone();
    EXPECT_LT(max_abs_diff(sn->forward(x), f["y_eval"]), 1e-12);
    EXPECT_TRUE(torch::equal(sn->u(), u_before)) << "no power iteration in eval mode";
    // And sigma converges to the largest singular value with repeated training forwards.
    sn->train();
    for (int i = 0; i < 50; ++i) sn->forward(x);
    const auto w = sn->normalized_weight().detach().flatten(1);
    EXPECT_NEAR(at::linalg_svdvals(w).max().item<double>(), 1.0, 1e-6);
  }
}

TEST(Models, EmaUpdateMatchesPyTorch) {
  const auto fx = test::fixtures()["ema"];
  torch::nn::Linear ema(1, 10), model(1, 10);  // weight [10, 1] holds the vectors
  ema->to(torch::kFloat64);
  model->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    ema->weight.copy_(from_json(fx["ema"]).view({10, 1}));
    model->weight.copy_(from_json(fx["model"]).view({10, 1}));
  }
  models::ema_update(*ema, *model, fx["beta"].get<double>());
  EXPECT_LT(max_abs_diff(ema->weight, fx["result"]), 1e-15);
}

// Maxout and minibatch standard deviation against the same operations written in PyTorch (fixtures.json,
// d_layers): float64 on both sides, the same operations, so agreement to rounding; the gradient of
// sum(y * w) shows the backward too (maxout's goes to each unit's largest piece only).
TEST(Models, MaxoutAndMinibatchStdMatchPyTorch) {
  const auto fx = test::fixtures()["d_layers"];
  auto check = [](torch::nn::AnyModule layer, const nlohmann::json& f) {
    const auto x = from_json(f["x"]).view(f["shape"].get<std::vector<int64_t>>()).requires_grad_(true);
    const auto y = layer.forward(x);
    const auto want_shape = f.contains("y_shape") ? f["y_shape"].get<std::vector<int64_t>>() : y.sizes().vec();
    EXPECT_EQ(y.sizes().vec(), want_shape);
    EXPECT_LT(max_abs_diff(y, f["y"]), 1e-12);
    (y * from_json(f["w"]).view_as(y)).sum().backward();
    EXPECT_LT(max_abs_diff(x.grad(), f["grad"]), 1e-12);
  };
  {
    SCOPED_TRACE("maxout");
    const auto& f = fx["maxout"];
    check(torch::nn::AnyModule(models::Maxout(f["pieces"].get<int64_t>())), f);
    EXPECT_EQ(models::Maxout(5)->forward(torch::zeros({2, 15})).sizes(), (std::vector<int64_t>{2, 3}));
  }
  for (const char* name : {"mbstd_flat", "mbstd_image", "mbstd_small"}) {
    SCOPED_TRACE(name);
    const auto& f = fx[name];
    check(torch::nn::AnyModule(models::MinibatchStd(f["group"].get<int64_t>())), f);
  }
  // The feature is the same for every member of a group and differs between groups.
  const auto y = models::MinibatchStd(4)->forward(torch::randn({8, 3}, torch::kFloat64));
  EXPECT_EQ(y[0][3].item<double>(), y[2][3].item<double>());  // group of n mod 2 = 0
  EXPECT_NE(y[0][3].item<double>(), y[1][3].item<double>());
}

// D with maxout is D's MLP with width x pieces Linear outputs; minibatch std adds one input to D's last layer
// (MLP) or one channel to its last convolution (DCGAN), and the conditional heads see that extra feature.
TEST(Models, MaxoutAndMinibatchStdDiscriminatorShapes) {
  ModelConfig cfg;
  cfg.d_hidden = {200, 200, 200};
  cfg.d_activation = "maxout";
  cfg.maxout_pieces = 5;
  auto d = models::make_discriminator(cfg, {2});
  EXPECT_EQ(shapes(*d), (std::vector<std::vector<int64_t>>{{1000, 2}, {1000}, {1000, 200}, {1000}, {1000, 200}, {1000},
                                                           {1, 200}, {1}}));
  EXPECT_EQ(d->forward(torch::randn({10, 2})).sizes(), (std::vector<int64_t>{10}));
  cfg.d_minibatch_std = 4;
  cfg.pack = 2;
  d = models::make_discriminator(cfg, {2});
  EXPECT_EQ(shapes(*d).front(), (std::vector<int64_t>{1000, 4}));  // a pack of two 2D points
  EXPECT_EQ(shapes(*d)[shapes(*d).size() - 2], (std::vector<int64_t>{1, 201}));
  EXPECT_EQ(d->forward(torch::randn({12, 2})).sizes(), (std::vector<int64_t>{6}));
  ModelConfig dc;
  dc.arch = "dcgan";
  dc.d_channels = 8;
  dc.d_minibatch_std = 4;
  d = models::make_discriminator(dc, {1, 28, 28});
  EXPECT_EQ(shapes(*d).back(), (std::vector<int64_t>{1}));
  EXPECT_EQ(shapes(*d)[shapes(*d).size() - 2], (std::vector<int64_t>{1, 17, 7, 7}));  // 16 channels + 1
  EXPECT_EQ(d->forward(torch::randn({6, 1, 28, 28})).sizes(), (std::vector<int64_t>{6}));
  dc.conditional = "projection";
  d = models::make_discriminator(dc, {1, 28, 28});
  EXPECT_EQ(d->judge(torch::randn({4, 1, 28, 28}), torch::arange(4)).logits.sizes(), (std::vector<int64_t>{4}));
}

}  // namespace
}  // namespace ganforge
