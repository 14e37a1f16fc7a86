// Generator and discriminator networks, made by name from the config (`model.arch`).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "ganforge/core/config_sections.h"

namespace ganforge::models {

// G: z [N, z_dim] -> images [N, C, H, W] in [-1, 1].
struct GeneratorImpl : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& z) = 0;
  // With class labels y [N] (int64) for a conditional G (model.conditional); an unconditional G takes y
  // undefined. Every caller that may meet a conditional G uses this.
  virtual torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& y) {
    TORCH_CHECK(!y.defined(), "class labels given to an unconditional generator");
    return forward(z);
  }
  virtual int64_t classes() const { return 0; }  // > 0: conditional
};

// What D says about a batch: adversarial logits [N / pack], and for ACGAN its class logits [N, K].
struct Judgement {
  torch::Tensor logits;
  torch::Tensor class_logits;  // undefined unless model.conditional = "acgan"
};

// D: images [N, C, H, W] -> logits [N] (no sigmoid: losses take logits, for numerical stability).
struct DiscriminatorImpl : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
  // With the images' class labels y [N] for a conditional D; y undefined for an unconditional one.
  virtual Judgement judge(const torch::Tensor& x, const torch::Tensor& y) {
    TORCH_CHECK(!y.defined(), "class labels given to an unconditional discriminator");
    return {forward(x), {}};
  }
  // Drop the last layer, so that forward gives the features before it, [N, F]; returns F. Conditional
  // discriminators (projection, ACGAN) put their own heads on these features.
  virtual int64_t make_headless() = 0;
  virtual int64_t classes() const { return 0; }
};
using Generator = std::shared_ptr<GeneratorImpl>;
using Discriminator = std::shared_ptr<DiscriminatorImpl>;

// `image_shape` is {C, H, W}. Unknown `cfg.arch` is a UserError listing the known ones.
Generator make_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);
Discriminator make_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);

// Class labels for `n` samples of a conditional G: (i * K) / n, blocks of equal classes in order (sample grids
// read class by class).
torch::Tensor balanced_labels(int64_t n, int64_t classes);

int64_t count_parameters(const torch::nn::Module& m);

// Exponential moving average of weights (Karras et al. 2018, "Progressive Growing of GANs", sec. 4.1;
// Yazici et al. 2019): ema = beta * ema + (1 - beta) * model for parameters; buffers (BatchNorm running
// statistics) are copied. Both modules must have the same architecture.
void ema_update(torch::nn::Module& ema, const torch::nn::Module& model, double beta);
// beta for a half-life of `half_life_kimg` thousand images when each update sees `batch` images.
double ema_beta(double half_life_kimg, int64_t batch);

// Draw `n` noise vectors with `cfg.noise` ("normal": N(0, 1); "uniform": U(-1, 1)).
torch::Tensor sample_noise(const ModelConfig& cfg, int64_t n, at::Generator& gen);
// The fixed z behind a run's sample grids ([n, z_dim], CPU; n = train.sample_grid), from its own stream
// (Seeds::of(train.seed).grid), so it never shifts the training noise and can be rebuilt from the config alone.
torch::Tensor grid_noise(const ModelConfig& cfg, int64_t n, int64_t seed);

}  // namespace ganforge::models
