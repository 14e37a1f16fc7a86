// `ganforge eval`: measure a trained run (or a file of samples), with the real-data floor beside each number.
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

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
  std::string precision = "fp32";  // "bf16": the evaluator's features under bf16 autocast (G samples in fp32)
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

// The table `eval` prints for an image result line (generated beside the real floor): a row per registered
// metric row (core/registry.h) whose value the line holds.
void print_image_table(FILE* out, const nlohmann::json& line);

}  // namespace ganforge
