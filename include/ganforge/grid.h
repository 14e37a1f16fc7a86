// Sample grids: a batch of images in [-1, 1] tiled into one PNG.
#pragma once

#include <torch/torch.h>

#include <string>

#include "ganforge/png.h"

namespace ganforge::grid {

// images [N, C, H, W], C = 1 or 3, values in [-1, 1]; `ncol` images per row (0: ceil(sqrt(N))).
// Cells are separated by `pad` pixels of grey.
png::Image make(const torch::Tensor& images, int64_t ncol = 0, int64_t pad = 2);
void write_png(const std::string& path, const torch::Tensor& images, int64_t ncol = 0);

}  // namespace ganforge::grid
