#include "ganforge/grid.h"

#include <cmath>

#include "ganforge/data.h"

namespace ganforge::grid {

png::Image make(const torch::Tensor& images, int64_t ncol, int64_t pad) {
  TORCH_CHECK(images.dim() == 4, "grid::make: images must be [N, C, H, W], got ", images.dim(), "D");
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  TORCH_CHECK(c == 1 || c == 3, "grid::make: 1 or 3 channels, got ", c);
  TORCH_CHECK(n > 0, "grid::make: no images");
  if (ncol <= 0) ncol = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int64_t nrow = (n + ncol - 1) / ncol;
  constexpr uint8_t kPadGrey = 96;
  png::Image out;
  out.width = static_cast<uint32_t>(ncol * (w + pad) + pad);
  out.height = static_cast<uint32_t>(nrow * (h + pad) + pad);
  out.channels = static_cast<uint32_t>(c);
  out.data.assign(size_t{out.width} * out.height * c, kPadGrey);
  const auto px = data::to_uint8(images).permute({0, 2, 3, 1}).contiguous();  // [N, H, W, C]
  const uint8_t* src = px.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x0 = pad + (i % ncol) * (w + pad), y0 = pad + (i / ncol) * (h + pad);
    for (int64_t y = 0; y < h; ++y)
      std::copy_n(src + ((i * h + y) * w) * c, w * c, out.data.begin() + ((y0 + y) * out.width + x0) * c);
  }
  return out;
}

void write_png(const std::string& path, const torch::Tensor& images, int64_t ncol) {
  png::write(path, make(images, ncol));
}

}  // namespace ganforge::grid
