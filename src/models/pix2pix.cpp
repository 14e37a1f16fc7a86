// pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial Networks", sec. 3.2
// and appendix 6.1), as the authors' PyTorch code builds it (models/networks.py: UnetGenerator,
// NLayerDiscriminator), for square images of side S = 2^n, 32 <= S <= 256.
//
// G, a U-Net: an encoder of n stride-2 convolutions down to 1x1 and a decoder of n stride-2 transposed
// convolutions back, each decoder layer taking the encoder layer of its size beside its input (skip
// connections). With c = model.g_channels, the encoder widths are c, 2c, 4c, 8c, 8c, ... (n in all):
//   encoder layer 1:  Conv(Cin, c, 4, 2, 1)                       (no norm)
//   encoder layer k:  LeakyReLU(0.2) -> Conv(4, 2, 1) -> Norm      (k = 2 .. n - 1)
//   innermost (n):    LeakyReLU(0.2) -> Conv(8c, 8c, 4, 2, 1)      (to 1x1; no norm)
//   decoder:          ReLU -> ConvT(4, 2, 1) -> Norm [-> Dropout]  (input: the layer below and its skip)
//   output:           ReLU -> ConvT(2c, C, 4, 2, 1) -> tanh
// Dropout (model.g_dropout, 0.5) is G's only noise, in the decoder's first three layers as the paper
// says ("CD512-CD1024-CD1024"; the authors' code leaves the innermost one out and has none below 256x256).
//
// D, a PatchGAN: the input and the image side by side (Cin + C channels) ->
//   Conv(d, 4, 2, 1) -> LeakyReLU(0.2) -> [Conv(4, 2, 1) doubling up to 8d -> Norm -> LeakyReLU] x (L - 1)
//   -> Conv(4, 1, 1) (doubling up to 8d) -> Norm -> LeakyReLU -> Conv(1, 4, 1, 1): a logit per patch,
// d = model.d_channels, L = model.d_layers: receptive fields of 16, 34 and 70 pixels for L = 1, 2, 3.
//
// Norm is BatchNorm (model.norm = "batch", affine, running statistics) or InstanceNorm (no affine, no
// running statistics, as the authors' code). The authors' use_bias rule: with BatchNorm, G's convolutions
// (the first and innermost too, which no norm follows) and D's normalized ones have no bias; with
// InstanceNorm they have one; G's output layer and D's first and last always do. model.init = "dcgan" is
// the authors' init (weights N(0, 0.02), norm scales N(1, 0.02), biases 0).
#include <torch/torch.h>

#include "ganforge/core/error.h"
#include "ganforge/models/layers.h"
#include "pix2pix.h"

namespace ganforge::models {
namespace {

int64_t levels(const ModelConfig& cfg, const std::vector<int64_t>& shape) {
  if (shape.size() != 3)
    throw UserError("model.arch = 'pix2pix' translates images; this dataset gives points");
  const int64_t side = shape[1];
  int64_t n = 0;
  while ((int64_t{1} << n) < side) ++n;
  if (shape[1] != shape[2] || (int64_t{1} << n) != side || side < 32 || side > 256)
    throw UserError("model.arch = 'pix2pix' takes square images of 32, 64, 128 or 256 pixels; the data is " +
                    std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + " (set data.resolution)");
  if (cfg.input_channels != 1 && cfg.input_channels != 3)
    throw UserError("model.input_channels must be 1 or 3");
  return n;
}

void push_norm(torch::nn::Sequential& seq, const std::string& norm, int64_t channels) {
  if (norm == "instance")
    seq->push_back(torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(channels)));
  else
    seq->push_back(torch::nn::BatchNorm2d(channels));
}

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t stride, bool bias) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 4).stride(stride).padding(1).bias(bias));
}

// One level of the U-Net: down, the levels below (none for the innermost), up; the authors'
// UnetSkipConnectionBlock. Below the outermost level the output is [input, up(...)] along the channels.
struct UnetLevelImpl : torch::nn::Module {
  // `outer`: channels entering this level from above (and leaving it upwards); `inner`: after its conv.
  UnetLevelImpl(const ModelConfig& cfg, int64_t outer, int64_t inner, int64_t in_channels, int64_t depth,
                int64_t levels_below, std::shared_ptr<UnetLevelImpl> below)
      : outermost_(depth == 0) {
    const bool bias = cfg.norm == "instance", innermost = below == nullptr;
    torch::nn::Sequential down, up;
    if (!outermost_) push_activation(down, "leaky_relu", 0.2);
    down->push_back(conv(in_channels, inner, 2, bias));  // the authors' rule, even where no norm follows
    if (!outermost_ && !innermost) push_norm(down, cfg.norm, inner);
    up->push_back(torch::nn::ReLU());
    const int64_t up_in = innermost ? inner : 2 * inner;
    up->push_back(ConvTranspose2d(torch::nn::ConvTranspose2dOptions(up_in, outer, 4).stride(2).padding(1).bias(outermost_ || bias)));
    if (outermost_) {
      up->push_back(Tanh());
    } else {
      push_norm(up, cfg.norm, outer);
      if (levels_below < 3 && cfg.g_dropout > 0) up->push_back(torch::nn::Dropout(cfg.g_dropout));
    }
    down_ = register_module("down", down);
    if (below) below_ = register_module("below", below);
    up_ = register_module("up", up);
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor h = down_->forward(x);
    if (below_) h = below_->forward(h);
    h = up_->forward(h);
    return outermost_ ? h : torch::cat({x, h}, 1);
  }
  bool outermost_;
  torch::nn::Sequential down_{nullptr}, up_{nullptr};
  std::shared_ptr<UnetLevelImpl> below_;
};

struct UnetGeneratorImpl : GeneratorImpl {
  UnetGeneratorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape) {
    const int64_t n = levels(cfg, shape), c = cfg.g_channels;
    auto width = [&](int64_t level) { return c << std::min<int64_t>(level, 3); };  // c, 2c, 4c, 8c, 8c, ...
    std::shared_ptr<UnetLevelImpl> level;
    for (int64_t depth = n - 1; depth >= 0; --depth) {
      const int64_t outer = depth == 0 ? shape[0] : width(depth - 1);
      const int64_t in = depth == 0 ? cfg.input_channels : width(depth - 1);
      level = std::make_shared<UnetLevelImpl>(cfg, outer, width(depth), in, depth, n - 1 - depth, level);
    }
    net_ = register_module("net", level);
    init_weights(*this, cfg.init);
  }
  // x: the input image [N, Cin, S, S] in [-1, 1] (G's "z": its only other noise is dropout).
  torch::Tensor forward(const torch::Tensor& x) override { return net_->forward(x); }
  std::shared_ptr<UnetLevelImpl> net_;
};

struct PatchDiscriminatorImpl : DiscriminatorImpl {
  PatchDiscriminatorImpl(const ModelConfig& cfg, const std::vector<int64_t>& shape) {
    levels(cfg, shape);
    const bool bias = cfg.norm == "instance";
    const int64_t d = cfg.d_channels;
    torch::nn::Sequential seq;
    auto add = [&](torch::nn::Conv2d layer) { push_layer(seq, layer, cfg.d_spectral_norm); };
    add(conv(cfg.input_channels + shape[0], d, 2, true));
    push_activation(seq, "leaky_relu", 0.2);
    int64_t width = d;
    for (int64_t l = 1; l <= cfg.d_layers; ++l) {
      const int64_t next = d * std::min<int64_t>(int64_t{1} << l, 8);
      add(conv(width, next, l < cfg.d_layers ? 2 : 1, bias));
      push_norm(seq, cfg.norm, next);
      push_activation(seq, "leaky_relu", 0.2);
      width = next;
    }
    add(conv(width, 1, 1, true));
    net_ = register_module("net", seq);
    init_weights(*net_, cfg.init);
  }
  // x: an input and an image side by side [N, Cin + C, S, S] -> a logit per patch, [N * P].
  torch::Tensor forward(const torch::Tensor& x) override { return net_->forward(x).flatten(); }
  int64_t make_headless() override {
    throw UserError("model.arch = 'pix2pix' has no class-conditional discriminator heads");
  }
  torch::nn::Sequential net_{nullptr};
};

}  // namespace

Generator make_unet_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<UnetGeneratorImpl>(cfg, image_shape);
}

Discriminator make_patch_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape) {
  return std::make_shared<PatchDiscriminatorImpl>(cfg, image_shape);
}

}  // namespace ganforge::models
