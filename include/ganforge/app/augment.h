// `ganforge augment`: a labelled synthetic dataset from a trained generator, for training other models on
// (data augmentation, the first application of GANs the seeds name).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ganforge {

struct AugmentOptions {
  std::string run_dir, checkpoint;
  // .pack: an image pack (data/images.h); .idx / .idx.gz: IDX images (grey) + X-labels.idx[.gz]; anything
  // else: a folder of PNG files in one sub-folder per class (which must not exist yet).
  std::string out;
  int64_t per_class = 1000;
  int64_t seed = 0;
  // Unconditional runs: a sample is labelled with the evaluator's most likely class when its probability
  // is at least this, until every class has per_class samples or max_draws samples were drawn.
  double min_confidence = 0.9;
  int64_t max_draws = 0;  // 0: 20 x per_class x classes
  FILE* console = stderr;
};

struct AugmentResult {
  std::vector<std::string> classes;
  std::vector<int64_t> per_class;  // images written of each class
  int64_t drawn = 0;               // samples generated (more than written when labels were filtered)
  std::string labels_from;         // "the generator (conditional)" or "the evaluator, p >= 0.9"
};

AugmentResult augment(const AugmentOptions& opts);

}  // namespace ganforge
