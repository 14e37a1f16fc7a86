// Image datasets in memory and seeded batching.
#pragma once

#include <torch/torch.h>

#include <cstdio>
#include <string>

#include "ganforge/core/config_sections.h"

namespace ganforge::data {

struct Dataset {
  std::string name;
  torch::Tensor images;  // image data: uint8 [N, C, H, W], kept as bytes (memory grows by the data's own size)
  torch::Tensor points;  // 2D toy data: float [N, 2]; undefined for images
  torch::Tensor labels;  // int64 [N]: the class, or the mixture component of a toy point
  torch::Tensor modes;   // 2D toy data: float [K, 2] mixture means; undefined for images
  // Paired data (image-to-image): uint8 [N, Cin, H, W], the input each image is made from; else undefined.
  torch::Tensor inputs;
  double mode_std = 0;   // 2D toy data: standard deviation of each component
  std::vector<std::string> classes;  // class names (image folders: the sub-folders); empty: not known
  std::string info_json;  // what a run records in RUN/data.json (source, size, classes, skipped files)
  bool is_points() const { return points.defined(); }
  bool paired() const { return inputs.defined(); }
  int64_t size() const { return is_points() ? points.size(0) : images.size(0); }
  // What G makes: {C, H, W} for images, {2} for points.
  std::vector<int64_t> image_shape() const {
    if (is_points()) return {points.size(1)};
    return {images.size(1), images.size(2), images.size(3)};
  }
  // Examples `idx` as float in G's output range: images mapped to [-1, 1], points as they are.
  torch::Tensor batch(const torch::Tensor& idx) const;
  // Paired data: the inputs of examples `idx`, mapped to [-1, 1].
  torch::Tensor input_batch(const torch::Tensor& idx) const;
};

// Known dataset names: "mnist", "fashion-mnist" (IDX files), "stacked-mnist" (made from MNIST), "ring8",
// "grid25" (2D mixtures, generated).
bool is_known(const std::string& name);
bool is_toy(const std::string& name);
// The 2D Gaussian mixtures of the PacGAN experiments (Lin et al. 2018, sec. 5.1; after VEEGAN, Srivastava et
// al. 2017): ring8: 8 components evenly spaced on a circle of radius 1, sigma 0.01; grid25: means
// {-4, -2, 0, 2, 4}^2, sigma 0.05. `n` points with equal mixture weights from a fixed seed (train and test
// use different seeds), labels = component index.
Dataset make_toy(const std::string& name, int64_t n, uint64_t seed);
// Stacked MNIST (Metz et al. 2017; the mode-collapse benchmark of VEEGAN and PacGAN): each image stacks three
// MNIST digits drawn at random (with replacement, seeded) from `mnist` as its R, G and B channels; label =
// 100 a + 10 b + c, one of 1,000 modes. load("stacked-mnist") makes 50,000 training images from the MNIST
// train split (seed 11) and 10,000 test images from its test split (seed 12).
Dataset make_stacked(const Dataset& mnist, int64_t n, uint64_t seed);
// data/<name> under $GANFORGE_DATA if set, else under the source tree's data/ folder, else ./data.
std::string default_dir(const std::string& name);
// Load `split` ("train" or "test": files train-*/t10k-*-idx?-ubyte[.gz]) from `dir` (empty: default_dir).
// Throws UserError naming the missing or malformed file.
Dataset load(const std::string& name, const std::string& dir, const std::string& split);
// The data a config names, fitted to data.resolution and data.channels (data/images.h says how). For
// data.dataset = images, data.dir is a folder of PNG/JPEG files or a pack (`ganforge data prepare`); it has
// no splits: "test" is the same images. `console`: progress while a folder is decoded, and its warnings.
// data.pairs = "edges" gives each image its edge map as its input (paired packs come paired).
Dataset load(const DataConfig& cfg, const std::string& split, FILE* console = nullptr);

// Between a Dataset of images and the LibTorch-free ImageSet (data/images.h), copying the bytes; class names
// "0" .. "K-1" when the dataset has none. `from_image_set` gives the dataset the name "images".
struct ImageSet;
ImageSet to_image_set(const Dataset& ds, const std::string& source);
Dataset from_image_set(ImageSet set);

// uint8 [0, 255] -> float [-1, 1] and back (round to nearest, clamped).
torch::Tensor to_signed_unit(const torch::Tensor& u8);
torch::Tensor to_uint8(const torch::Tensor& x);

// Shuffled, seeded batches. An epoch is one pass over a fresh random permutation of the N examples in
// batches of `batch` consecutive indices; the last N % batch examples of each permutation are dropped
// (every batch is full), so an epoch is floor(N / batch) batches.
class BatchSampler {
 public:
  BatchSampler(int64_t n, int64_t batch, uint64_t seed);
  torch::Tensor next();  // int64 [batch] indices
  int64_t batches_per_epoch() const { return n_ / batch_; }
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return pos_; }
  // Everything needed to continue exactly: generator state, permutation, position.
  torch::Tensor generator_state() const;
  torch::Tensor permutation() const { return perm_; }
  void restore(const torch::Tensor& generator_state, const torch::Tensor& permutation, int64_t epoch,
               int64_t position);

 private:
  void reshuffle();
  int64_t n_, batch_;
  at::Generator gen_;
  torch::Tensor perm_;
  int64_t epoch_ = 0, pos_ = 0;
};

}  // namespace ganforge::data
