// Multilayer-perceptron GAN (Goodfellow et al. 2014): the seed recipe.
//   G: z -> [Linear -> act] x len(g_hidden) -> Linear -> tanh -> reshape [C, H, W]
//   D: flatten -> [Linear -> act] x len(d_hidden) -> Linear -> logit
#include <numeric>

#include <ATen/CPUGeneratorImpl.h>

#include <torch/torch.h>

#include "ganforge/error.h"
#include "ganforge/models.h"

namespace ganforge::models {
namespace {

torch::nn::Sequential mlp(int64_t in, const std::vector<int64_t>& hidden, int64_t out,
                          const std::string& activation, double slope, const std::string& init,
                          double dropout = 0.0, bool batchnorm = false) {
  torch::nn::Sequential seq;
  int64_t width = in;
  for (int64_t h : hidden) {
    seq->push_back(torch::nn::Linear(width, h));
    if (batchnorm) seq->push_back(torch::nn::BatchNorm1d(h));
    if (activation == "relu")
      seq->push_back(torch::nn::ReLU());
    else if (activation == "leaky_relu")
      seq->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(slope)));
    else if (activation == "elu")
      seq->push_back(torch::nn::ELU());
    else if (activation == "tanh")
      seq->push_back(torch::nn::Tanh());
    else
      throw UserError("unknown activation '" + activation + "'");
    if (dropout > 0) seq->push_back(torch::nn::Dropout(dropout));
    width = h;
  }
  seq->push_back(torch::nn::Linear(width, out));
  if (init == "glorot") {
    // Keras' and TensorFlow's default: glorot_uniform kernels, zero biases (Glorot & Bengio 2010).
    torch::NoGradGuard no_grad;
    for (auto& p : seq->named_parameters()) {
      if (p.value().dim() >= 2)
        torch::nn::init::xavier_uniform_(p.value());
      else if (p.key().find("bias") != std::string::npos)
        torch::nn::init::zeros_(p.value());  // BatchNorm scales keep their 1
    }
  }
  return seq;
}

struct MlpGeneratorImpl : GeneratorImpl {
  MlpGeneratorImpl(const Config& cfg, std::vector<int64_t> shape) : shape_(std::move(shape)) {
    const int64_t out = std::accumulate(shape_.begin(), shape_.end(), int64_t{1}, std::multiplies<>());
    net_ = register_module("net", mlp(cfg.z_dim, cfg.g_hidden, out, cfg.g_activation, cfg.leaky_slope, cfg.init, 0.0,
                                      cfg.g_batchnorm));
  }
  torch::Tensor forward(const torch::Tensor& z) override {
    auto x = torch::tanh(net_->forward(z));  // [N, C*H*W] in [-1, 1]
    return x.view({z.size(0), shape_[0], shape_[1], shape_[2]});
  }
  std::vector<int64_t> shape_;
  torch::nn::Sequential net_{nullptr};
};

struct MlpDiscriminatorImpl : DiscriminatorImpl {
  MlpDiscriminatorImpl(const Config& cfg, const std::vector<int64_t>& shape) {
    const int64_t in = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
    net_ = register_module("net", mlp(in, cfg.d_hidden, 1, cfg.d_activation, cfg.leaky_slope, cfg.init, cfg.d_dropout));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    return net_->forward(x.flatten(1)).squeeze(1);  // [N]
  }
  torch::nn::Sequential net_{nullptr};
};

}  // namespace

Generator make_mlp_generator(const Config& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<MlpGeneratorImpl>(cfg, image_shape);
}

Discriminator make_mlp_discriminator(const Config& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<MlpDiscriminatorImpl>(cfg, image_shape);
}

}  // namespace ganforge::models
