// Deep convolutional GAN (Radford et al. 2016, "Unsupervised Representation Learning with Deep
// Convolutional Generative Adversarial Networks", sec. 3 and fig. 1), for square images of side S in
// {28, 32, 64}. With s0 = 7 for 28 and 4 otherwise, and n = log2(S / s0) upsamplings:
//   G: z [N, z_dim, 1, 1] -> ConvT(z_dim, c * 2^(n-1), s0, 1, 0) -> BN -> ReLU
//        -> [ConvT(4, stride 2, pad 1) halving the channels -> BN -> ReLU] x (n - 1)
//        -> ConvT(c, C, 4, 2, 1) -> tanh                                         (c = model.g_channels)
//   D: x -> Conv(C, c, 4, 2, 1) -> LeakyReLU
//        -> [Conv(4, 2, 1) doubling the channels -> (BN) -> LeakyReLU] x (n - 1)
//        -> (MinibatchStd: one more channel) -> Conv(c * 2^(n-1) (+1), 1, s0, 1, 0) -> logit  (c = model.d_channels)
// 28x28: G 7 -> 14 -> 28, D 28 -> 14 -> 7 -> 1;  64x64: G 4 -> 8 -> 16 -> 32 -> 64, D the reverse.
// Convolutions followed by BatchNorm have no bias (the norm's shift replaces it), as in PyTorch's DCGAN example.
#include <torch/torch.h>

#include "dcgan.h"
#include "ganforge/core/error.h"
#include "ganforge/models/layers.h"
#include "sequential_discriminator.h"

namespace ganforge::models {
namespace {

struct Geometry {
  int64_t s0;  // side of G's first feature map and of D's last one
  int64_t n;   // stride-2 (de)convolutions
};

// `extra_channels`: a conditional D (concat) sees the class planes beside the image's 1 or 3 channels.
Geometry geometry(const std::vector<int64_t>& shape, int64_t extra_channels = 0) {
  if (shape.size() != 3)
    throw UserError("model.arch = 'dcgan' needs image data; this dataset gives " + std::to_string(shape[0]) +
                    "-dimensional points: use model.arch = 'mlp'");
  const int64_t c = shape[0] - extra_channels, h = shape[1], w = shape[2];
  if (h != w || (h != 28 && h != 32 && h != 64) || (c != 1 && c != 3))
    throw UserError("model.arch = 'dcgan' takes 1- or 3-channel images of 28x28, 32x32 or 64x64; the data is " +
                    std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w));
  if (h == 28) return {7, 2};
  return {4, h == 32 ? 3 : 4};
}

struct DcganGeneratorImpl : GeneratorImpl {
  DcganGeneratorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape) {
    const Geometry geo = geometry(shape);
    const int64_t c = cfg.g_channels;
    torch::nn::Sequential seq;
    int64_t width = c << (geo.n - 1);
    auto up = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias) {
      seq->push_back(
          ConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, k).stride(stride).padding(pad).bias(bias)));
    };
    up(cfg.z_dim, width, geo.s0, 1, 0, false);
    seq->push_back(torch::nn::BatchNorm2d(width));
    seq->push_back(torch::nn::ReLU());
    for (int64_t i = 1; i < geo.n; ++i) {
      up(width, width / 2, 4, 2, 1, false);
      width /= 2;
      seq->push_back(torch::nn::BatchNorm2d(width));
      seq->push_back(torch::nn::ReLU());
    }
    up(width, shape[0], 4, 2, 1, true);
    seq->push_back(Tanh());
    net_ = register_module("net", seq);
    init_weights(*net_, cfg.init);
  }
  torch::Tensor forward(const torch::Tensor& z) override { return net_->forward(z.view({z.size(0), z.size(1), 1, 1})); }
  torch::nn::Sequential net_{nullptr};
};

struct DcganDiscriminatorImpl : SequentialDiscriminatorImpl {
  DcganDiscriminatorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape) {
    const Geometry geo = geometry(shape, cfg.conditional == "concat" ? cfg.classes : 0);
    const bool sn = cfg.d_spectral_norm;
    torch::nn::Sequential seq;
    auto conv = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias) {
      push_layer(seq, torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(bias)),
                 sn);
    };
    int64_t width = cfg.d_channels;
    conv(shape[0] * cfg.pack, width, 4, 2, 1, true);
    push_activation(seq, "leaky_relu", cfg.leaky_slope);
    for (int64_t i = 1; i < geo.n; ++i) {
      conv(width, width * 2, 4, 2, 1, !cfg.d_batchnorm);
      width *= 2;
      if (cfg.d_batchnorm) seq->push_back(torch::nn::BatchNorm2d(width));
      push_activation(seq, "leaky_relu", cfg.leaky_slope);
    }
    if (cfg.d_minibatch_std > 0) {  // one more channel, constant per sample (Karras et al. 2018)
      seq->push_back(MinibatchStd(cfg.d_minibatch_std));
      ++width;
    }
    conv(width, 1, geo.s0, 1, 0, true);
    set_net(seq, width * geo.s0 * geo.s0, cfg.pack);
    init_weights(*net_, cfg.init);
  }
  // m consecutive samples stacked along the channels make one input.
  torch::Tensor pack(const torch::Tensor& x) const override {
    return x.reshape({x.size(0) / pack_, pack_ * x.size(1), x.size(2), x.size(3)});
  }
};

}  // namespace

Generator make_dcgan_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<DcganGeneratorImpl>(cfg, image_shape);
}

Discriminator make_dcgan_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<DcganDiscriminatorImpl>(cfg, image_shape);
}

}  // namespace ganforge::models
