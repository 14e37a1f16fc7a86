// `ganforge eval`: measure a trained run, with the real-data floor beside each number.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "ganforge/evaluator.h"

namespace ganforge {

struct EvalOptions {
  std::string run_dir;     // the run; its newest usable checkpoint unless `checkpoint` is set
  std::string checkpoint;  // a specific checkpoint file
  // Instead of a run: images from elsewhere (`ganforge sample`, another framework) as an IDX file of uint8
  // images [N, H, W] (gzipped when it ends in .gz), measured against `dataset` (its files in `data_dir`, or
  // the default folder when empty). n limits how many of them are used.
  std::string samples;
  std::string dataset;
  std::string data_dir;
  int64_t n = 0;           // generated samples; 0: 2,500 for the 2D toys (PacGAN protocol), 10,000 for images
  int64_t seed = 0;        // noise seed of the generated samples
  // Image metrics, comma-separated: fid, kid, is, pr (precision, recall), dc (density, coverage), classes
  // (class histogram, classes covered, KL to the real labels), cas (Classification Accuracy Score, conditional
  // runs; trains a classifier, so only when named). Empty: all the extractor supports but cas.
  std::string metrics;
  std::string features;    // a TorchScript feature extractor instead of the built-in evaluator
  std::string evaluator;   // a specific evaluator file instead of the dataset's cached one
  bool json = false;       // print the JSON line instead of the table
  FILE* out = stdout;
  FILE* console = stderr;  // progress (evaluator training, feature extraction)
};

// Evaluates, prints (table or JSON) and appends one JSON line to RUN_DIR/eval.jsonl (or, for a bare
// checkpoint, to eval.jsonl beside its checkpoints folder; for a samples file, to eval.jsonl beside it).
// Returns that line.
//   2D toys: modes covered, % high quality, reverse KL (metrics.h), against the real test points.
//   Images: FID, KID, IS, precision/recall, density/coverage and class statistics of n generated images
//   (quantized to 8 bits, as an image file stores them) against the real train split, and the floor: the
//   real test split against the same reference. Reference features are cached by dataset, split, data
//   content and extractor hash.
std::string evaluate(const EvalOptions& opts);

// The image metrics of one dataset, with everything they compare against loaded once (used by `eval` and
// by periodic evaluation during training): the extractor, the real train split's features (reference) and
// the real test split's (floor), and the train labels.
class ImageMetrics {
 public:
  // `features`: a TorchScript extractor; else `evaluator_file`; else the dataset's evaluator, trained and
  // cached on first use. Progress on `console` (may be null).
  ImageMetrics(const std::string& dataset, const std::string& data_dir, const std::string& features,
               const std::string& evaluator_file, FILE* console);
  ~ImageMetrics();
  // Metric names from a comma-separated list (fid, kid, is, pr, dc, classes; empty or "all": every one the
  // extractor supports). UserError for an unknown name or one the extractor cannot give.
  std::set<std::string> parse(const std::string& list) const;
  // The metrics of generated images (float [-1, 1] or uint8 [N, C, H, W]; float ones are rounded to 8 bits
  // first); `seed` drives KID's subsets. With the classes a conditional G was asked for (`labels` [N]) and an
  // extractor with classes, also label_accuracy: the share the evaluator assigns to the class asked for.
  nlohmann::json measure(const torch::Tensor& images, const std::set<std::string>& which, uint64_t seed,
                         const torch::Tensor& labels = {}) const;
  // The same metrics for the real test split: the floor.
  nlohmann::json floor(const std::set<std::string>& which, uint64_t seed) const;
  // Extractor name, hash, path, test accuracy; reference split and size.
  nlohmann::json manifest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ganforge
