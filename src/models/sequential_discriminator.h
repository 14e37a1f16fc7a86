// Internal: a discriminator that is one Sequential ending in the layer that computes the logit (the MLP and
// DCGAN ones). It packs its input for PacGAN as the subclass says, and can drop that last layer so that
// conditional heads (projection, ACGAN) sit on the features before it.
#pragma once

#include "ganforge/models/layers.h"
#include "ganforge/models/registry.h"

namespace ganforge::models {

struct SequentialDiscriminatorImpl : DiscriminatorImpl {
  torch::Tensor forward(const torch::Tensor& x) override {
    const auto out = net_->forward(pack(x));
    return headless_ ? out.flatten(1) : out.flatten();  // [N / pack] logits, or [N / pack, F] features
  }
  int64_t make_headless() override {
    TORCH_CHECK(!headless_, "make_headless: already headless");
    net_ = replace_module("net", without_last_layer(*net_));
    headless_ = true;
    return features_;
  }

 protected:
  // PacGAN (Lin et al. 2018): `pack_` consecutive samples [N, ...] made into one input [N / pack, ...].
  virtual torch::Tensor pack(const torch::Tensor& x) const = 0;
  // `net` ends in the logit layer; `features` is the width of what enters that layer.
  void set_net(torch::nn::Sequential net, int64_t features, int64_t pack) {
    net_ = register_module("net", net);
    features_ = features;
    pack_ = pack;
  }
  torch::nn::Sequential net_{nullptr};
  int64_t pack_ = 1;

 private:
  int64_t features_ = 0;
  bool headless_ = false;
};

}  // namespace ganforge::models
