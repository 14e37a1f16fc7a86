// Multilayer-perceptron GAN (Goodfellow et al. 2014): the seed recipe.
//   G: z -> [Linear -> act] x len(g_hidden) -> Linear -> tanh -> reshape [C, H, W]
//   D: flatten -> [Linear -> act] x len(d_hidden) -> Linear -> logit
#include <numeric>

#include <ATen/CPUGeneratorImpl.h>

#include <torch/torch.h>

#include "ganforge/core/error.h"
#include "ganforge/models/registry.h"
#include "ganforge/models/layers.h"
#include "sequential_discriminator.h"

namespace ganforge::models {
namespace {

// Hidden layer i (0-based) gets BatchNorm1d when i >= bn_from.
torch::nn::Sequential mlp(int64_t in, const std::vector<int64_t>& hidden, int64_t out, const std::string& activation,
                          double slope, double dropout, size_t bn_from, bool spectral) {
  torch::nn::Sequential seq;
  int64_t width = in;
  for (size_t i = 0; i < hidden.size(); ++i) {
    push_layer(seq, torch::nn::Linear(width, hidden[i]), spectral);
    if (i >= bn_from) seq->push_back(torch::nn::BatchNorm1d(hidden[i]));
    push_activation(seq, activation, slope);
    if (dropout > 0) seq->push_back(torch::nn::Dropout(dropout));
    width = hidden[i];
  }
  push_layer(seq, torch::nn::Linear(width, out), spectral);
  return seq;
}

constexpr size_t kNoBatchNorm = SIZE_MAX;

struct MlpGeneratorImpl : GeneratorImpl {
  MlpGeneratorImpl(const ModelConfig& cfg, std::vector<int64_t> shape) : shape_(std::move(shape)) {
    const int64_t out = std::accumulate(shape_.begin(), shape_.end(), int64_t{1}, std::multiplies<>());
    net_ = register_module("net", mlp(cfg.z_dim, cfg.g_hidden, out, cfg.g_activation, cfg.leaky_slope, 0.0,
                                      cfg.g_batchnorm ? 0 : kNoBatchNorm, false));
    init_weights(*net_, cfg.init);
    tanh_ = cfg.g_output == "tanh";
  }
  torch::Tensor forward(const torch::Tensor& z) override {
    auto x = net_->forward(z);  // [N, C*H*W]
    if (tanh_) x = fast_tanh(x);  // images in [-1, 1]
    std::vector<int64_t> shape = {z.size(0)};
    shape.insert(shape.end(), shape_.begin(), shape_.end());
    return x.view(shape);
  }
  std::vector<int64_t> shape_;
  bool tanh_ = true;
  torch::nn::Sequential net_{nullptr};
};

struct MlpDiscriminatorImpl : SequentialDiscriminatorImpl {
  MlpDiscriminatorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape) {
    const int64_t in =
        cfg.pack * std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
    // D's batch normalization starts at its second layer, as in DCGAN (Radford et al. 2016, sec. 3).
    set_net(mlp(in, cfg.d_hidden, 1, cfg.d_activation, cfg.leaky_slope, cfg.d_dropout,
                cfg.d_batchnorm ? 1 : kNoBatchNorm, cfg.d_spectral_norm),
            cfg.d_hidden.back(), cfg.pack);
    init_weights(*net_, cfg.init);
  }
  // m consecutive samples side by side make one input.
  torch::Tensor pack(const torch::Tensor& x) const override { return x.reshape({x.size(0) / pack_, -1}); }
};

}  // namespace

Generator make_mlp_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<MlpGeneratorImpl>(cfg, image_shape);
}

Discriminator make_mlp_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<MlpDiscriminatorImpl>(cfg, image_shape);
}

}  // namespace ganforge::models
