// `ganforge translate`: a user's drawings through an image-to-image run's generator (pix2pix).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "ganforge/io/png.h"

namespace ganforge {

struct TranslateOptions {
  std::string run_dir;     // the run; its newest usable checkpoint unless `checkpoint` is set
  std::string checkpoint;  // a specific checkpoint file
  std::string in;          // a PNG or JPEG drawing, or a folder of them (.png, .jpg, .jpeg; not recursive)
  std::string out;         // one drawing: a .png file; a folder: a folder (made if missing), NAME.png per drawing
  bool pairs = false;      // write (sketch as the model sees it | translation) side by side
  int64_t max_pixels = int64_t{1} << 24;  // bigger drawings are refused (16,777,216 pixels, e.g. 4096 x 4096)
};

struct TranslateResult {
  std::string checkpoint;  // the checkpoint used
  int64_t count = 0;       // drawings translated
};

// One drawing's bytes (PNG or JPEG) as a translator's input at resolution `r`: [r, r] uint8, 0 stroke, 255
// paper (data/edges.h `sketch_input`). UserError naming `name`: empty, unreadable, larger than `max_pixels`
// (checked from the header, before decoding), colour, or without strokes.
std::vector<uint8_t> drawing_to_sketch(const std::vector<uint8_t>& bytes, const std::string& name, int64_t r,
                                       int64_t max_pixels = int64_t{1} << 24);

// The picture `translate --pairs` writes (and the dashboard answers): a sketch [1, 1, r, r] beside its
// translation [1, C, r, r], both in [-1, 1], as one grid row.
png::Image pair_picture(const torch::Tensor& sketch, const torch::Tensor& made);

// Every drawing is read and checked before anything is written (data/edges.h `sketch_input` says how a
// drawing becomes the model's input). UserError, one line naming the file: not an image-to-image run, a
// run whose input is not a 1-channel sketch, an unreadable, empty, colour or too large drawing, an empty
// folder, --out naming the input or the input folder.
TranslateResult translate(const TranslateOptions& opts);

}  // namespace ganforge
