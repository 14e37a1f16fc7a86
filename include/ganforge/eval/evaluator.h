// Feature extractors for the image metrics: ganforge's own evaluator (a small CNN classifier trained on the
// real training split) or any TorchScript module the user brings (`--features FILE.pt`).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace ganforge::evaluator {

// The evaluator CNN, for 28x28 images with C channels and K classes:
//   conv3x3(C -> 32) BN ReLU, maxpool 2     -> 32 x 14 x 14
//   conv3x3(32 -> 64) BN ReLU, maxpool 2    -> 64 x 7 x 7
//   conv3x3(64 -> 128) BN ReLU              -> 128 x 7 x 7
//   flatten, linear(6272 -> 128) BN ReLU    -> the 128 features
//   dropout 0.3, linear(128 -> K)           -> class logits
// Small enough to train in minutes on two cores, accurate enough to classify digits and garments.
struct NetImpl : torch::nn::Module {
  NetImpl(int64_t channels, int64_t classes);
  torch::Tensor features(const torch::Tensor& x);  // [N, C, 28, 28] in [-1, 1] -> [N, 128]
  torch::Tensor forward(const torch::Tensor& x);   // -> logits [N, K]
  torch::nn::Sequential body{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Net);

constexpr int64_t kFeatures = 128;

// The datasets the evaluator recipe is for (Stacked MNIST uses the mnist one on each channel).
bool has_recipe(const std::string& dataset);

// `ganforge evaluator train`: trains the evaluator for `dataset` on its train split, seeded, and measures
// its accuracy on the test split. Recipe: Adam (lr 1e-3, cosine decay to 0), batch 128, random translation
// by up to 2 pixels (and horizontal flips for fashion-mnist), cross-entropy. Runs are repeatable for a
// fixed seed and thread count.
struct FitOptions {
  std::string dataset = "mnist";
  std::string data_dir;  // empty: the dataset's default folder
  std::string out;       // empty: default_path(dataset)
  int64_t epochs = 0;    // 0: the dataset's default (mnist 20, fashion-mnist 8)
  int64_t max_steps = 0;  // > 0: stop after this many steps (tests)
  int64_t steps = 0;      // > 0: exactly this many steps, whatever the epochs (fixed budgets across data sizes)
  int64_t batch = 128;
  double lr = 1e-3;
  int64_t seed = 0;
  FILE* console = stderr;  // progress and the result (null: silent)
};
struct FitResult {
  std::string path;     // the evaluator file written
  std::string hash;     // its content hash
  double test_accuracy = 0;
  int64_t test_count = 0;
  int64_t steps = 0;
  double seconds = 0;
};
FitResult train_evaluator(const FitOptions& opts);

// Classification Accuracy Score (Ravuri & Vinyals 2019, "Classification Accuracy Score for Conditional
// Generative Models"): the same classifier and recipe as the evaluator, trained on generated labelled images
// only (uint8 [N, C, 28, 28] and the classes G was asked for), tested on the real test split of
// opts.dataset. Compare with the evaluator's own test accuracy (the same recipe on real data). Nothing is
// written; test_accuracy is the score.
FitResult classification_accuracy_score(const torch::Tensor& images, const torch::Tensor& labels,
                                          const FitOptions& opts);
// The same classifier and recipe trained on any labelled images ([N, C, 28, 28] uint8; real, synthetic or
// both), tested on the real test split of opts.dataset: `ganforge evaluator score`. A batch larger than the
// data is cut to the data's size.
FitResult score_classifier(const torch::Tensor& images, const torch::Tensor& labels, const FitOptions& opts);

// What an extractor gives for a batch of images (float [N, C, H, W] in [-1, 1]).
struct Outputs {
  torch::Tensor features;  // [N, D] float32
  torch::Tensor probs;     // [N, K] float32 class probabilities; undefined if the extractor has no classes
};

class Extractor {
 public:
  virtual ~Extractor() = default;
  virtual Outputs compute(const torch::Tensor& images) = 0;
  virtual bool has_classes() const = 0;
  std::string name;  // "ganforge-evaluator/mnist" or "torchscript:<file name>"
  std::string path;  // the file it came from
  std::string hash;  // FNV-1a 64 of the file's bytes (hex): names the extractor in manifests and caches
  double test_accuracy = -1;  // the evaluator's own test accuracy (-1: unknown)
  bool bf16 = false;  // extract() computes under bf16 autocast (ops/precision.h); features returned in fp32
};

// The built-in extractor around NET (its features and class probabilities), put in eval mode; `load`
// gives one with the trained weights, the benchmark one with fresh weights.
std::unique_ptr<Extractor> built_in(Net net);
// The evaluator file written by `train`. UserError for a missing, corrupt or foreign file.
std::unique_ptr<Extractor> load(const std::string& path);
// A TorchScript module (torch::jit::load): forward(images [N, C, H, W] float in [-1, 1]) -> features
// [N, D] (more dimensions are flattened). UserError if it cannot be loaded.
std::unique_ptr<Extractor> load_torchscript(const std::string& path);
// Where the evaluator for `dataset` is kept: cache_dir()/<dataset>.pt.
std::string default_path(const std::string& dataset);
// The folder of evaluator files and cached reference features: $GANFORGE_CACHE if set, else evaluators/
// beside the data folders.
std::string cache_dir();
// load(default_path(dataset)), training and caching it first if it is not there yet (says so on console).
std::unique_ptr<Extractor> load_or_train(const std::string& dataset, const std::string& data_dir, FILE* console);

// Stacked MNIST: `digit` (an MNIST extractor with classes) applied to each of the three channels; features
// concatenated [N, 3 D]; probabilities over the 1,000 modes as the product of the channels' (so the most likely
// mode is the triple of the most likely digits).
std::unique_ptr<Extractor> stacked(std::unique_ptr<Extractor> digit);

// Features (and probabilities) of many images, `batch` at a time in inference mode. `images` may be uint8
// [0, 255] (converted to [-1, 1] per batch, so a whole dataset is never held as float) or float [-1, 1].
// With ex.bf16, each batch under bf16 autocast (outputs in fp32).
Outputs extract(Extractor& ex, const torch::Tensor& images, int64_t batch = 500);

}  // namespace ganforge::evaluator
