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

constexpr size_t kNoBatchNorm = SIZE_MAX;

// Hidden layer i (0-based) gets BatchNorm1d when i >= bn_from.
// Activation "maxout": each hidden Linear has width x `pieces` outputs, then a Maxout (batch norm, if any,
// on the pieces). `minibatch_std` > 0: a MinibatchStd layer of that group size before the last Linear.
struct MlpSpec {
  std::string activation;
  double slope = 0.2;
  double dropout = 0;
  size_t bn_from = kNoBatchNorm;
  bool spectral = false;
  int64_t pieces = 1;
  int64_t minibatch_std = 0;
};

torch::nn::Sequential mlp(int64_t in, const std::vector<int64_t>& hidden, int64_t out, const MlpSpec& spec) {
  torch::nn::Sequential seq;
  int64_t width = in;
  const bool maxout = spec.activation == "maxout";
  for (size_t i = 0; i < hidden.size(); ++i) {
    const int64_t units = maxout ? hidden[i] * spec.pieces : hidden[i];
    push_layer(seq, torch::nn::Linear(width, units), spec.spectral);
    if (i >= spec.bn_from) seq->push_back(torch::nn::BatchNorm1d(units));
    if (maxout)
      seq->push_back(Maxout(spec.pieces));
    else
      push_activation(seq, spec.activation, spec.slope);
    if (spec.dropout > 0) seq->push_back(torch::nn::Dropout(spec.dropout));
    width = hidden[i];
  }
  if (spec.minibatch_std > 0) {
    seq->push_back(MinibatchStd(spec.minibatch_std));
    ++width;
  }
  push_layer(seq, torch::nn::Linear(width, out), spec.spectral);
  return seq;
}

struct MlpGeneratorImpl : GeneratorImpl {
  MlpGeneratorImpl(const ModelConfig& cfg, std::vector<int64_t> shape) : shape_(std::move(shape)) {
    const int64_t out = std::accumulate(shape_.begin(), shape_.end(), int64_t{1}, std::multiplies<>());
    MlpSpec spec;
    spec.activation = cfg.g_activation;
    spec.slope = cfg.leaky_slope;
    spec.bn_from = cfg.g_batchnorm ? 0 : kNoBatchNorm;
    net_ = register_module("net", mlp(cfg.z_dim, cfg.g_hidden, out, spec));
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
    MlpSpec spec;
    spec.activation = cfg.d_activation;
    spec.slope = cfg.leaky_slope;
    spec.dropout = cfg.d_dropout;
    spec.bn_from = cfg.d_batchnorm ? 1 : kNoBatchNorm;
    spec.spectral = cfg.d_spectral_norm;
    spec.pieces = cfg.maxout_pieces;
    spec.minibatch_std = cfg.d_minibatch_std;
    set_net(mlp(in, cfg.d_hidden, 1, spec), cfg.d_hidden.back() + (cfg.d_minibatch_std > 0 ? 1 : 0), cfg.pack);
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
