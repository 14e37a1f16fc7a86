// Sample grids: a batch of images in [-1, 1] tiled into one PNG.
#pragma once

#include <torch/torch.h>

#include <string>

#include "ganforge/io/png.h"

namespace ganforge::grid {

// images [N, C, H, W], C = 1 or 3, values in [-1, 1]; `ncol` images per row (0: ceil(sqrt(N))).
// Cells are separated by `pad` pixels of grey.
png::Image make(const torch::Tensor& images, int64_t ncol = 0, int64_t pad = 2);
void write_png(const std::string& path, const torch::Tensor& images, int64_t ncol = 0);

// Scatter plot of 2D points [N, 2] (blue) over `reference` points [M, 2] (grey; may be undefined), on a
// square `size` x `size` RGB canvas centred on 0 with both axes drawn. The extent is 1.2 x the largest
// |coordinate| of the reference (or of the points without one); points outside are clamped to the border.
png::Image scatter(const torch::Tensor& points, const torch::Tensor& reference, int64_t size = 480);
void write_scatter_png(const std::string& path, const torch::Tensor& points, const torch::Tensor& reference);

}  // namespace ganforge::grid
