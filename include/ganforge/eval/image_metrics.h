// The image metrics of a dataset: what `ganforge eval` and periodic evaluation during training measure.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "ganforge/eval/evaluator.h"

namespace ganforge {

// A number for a result line: non-finite values as the strings "inf" / "nan" (JSON has no such numbers).
nlohmann::json json_number(double v);

// The image metrics of one dataset, with everything they compare against loaded once (used by `eval` and
// by periodic evaluation during training): the extractor, the real train split's features (reference) and
// the real test split's (floor), and the train labels.
class ImageMetrics {
 public:
  // `features`: a TorchScript extractor; else `evaluator_file`; else the dataset's evaluator, trained and
  // cached on first use. Progress on `console` (may be null). `precision`: "fp32", or "bf16" for features
  // computed under bf16 autocast (faster; the metrics move a little: docs/bf16.md), cached apart.
  ImageMetrics(const std::string& dataset, const std::string& data_dir, const std::string& features,
               const std::string& evaluator_file, FILE* console, const std::string& precision = "fp32");
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
