// `ganforge eval`: measure a trained run, with the real-data floor beside each number.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace ganforge {

struct EvalOptions {
  std::string run_dir;     // the run; its newest usable checkpoint unless `checkpoint` is set
  std::string checkpoint;  // a specific checkpoint file
  int64_t n = 2500;        // generated samples (2,500 is the PacGAN protocol for the 2D toys)
  int64_t seed = 0;        // noise seed of the generated samples
  bool json = false;       // print the JSON line instead of the table
  FILE* out = stdout;
};

// Evaluates, prints (table or JSON) and appends one JSON line to RUN_DIR/eval.jsonl (or, for a bare
// checkpoint, to eval.jsonl beside its checkpoints folder). Returns that line.
// Today: the 2D toys (modes covered, % high quality, reverse KL); image metrics are a UserError until built.
std::string evaluate(const EvalOptions& opts);

}  // namespace ganforge
