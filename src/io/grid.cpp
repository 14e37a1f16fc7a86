#include "ganforge/io/grid.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "ganforge/data/dataset.h"

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

png::Image scatter(const torch::Tensor& points, const torch::Tensor& reference, int64_t size) {
  TORCH_CHECK(points.dim() == 2 && points.size(1) == 2, "grid::scatter: points must be [N, 2]");
  const bool has_ref = reference.defined() && reference.numel() > 0;
  const auto bound_of = [](const torch::Tensor& t) {
    const auto finite = t.masked_select(torch::isfinite(t));
    return finite.numel() ? finite.abs().max().item<double>() : 1.0;
  };
  const double extent = 1.2 * std::max(1e-6, bound_of(has_ref ? reference : points));
  png::Image out;
  out.width = out.height = static_cast<uint32_t>(size);
  out.channels = 3;
  out.data.assign(size_t{out.width} * out.height * 3, 255);
  auto put = [&](int64_t x, int64_t y, std::array<uint8_t, 3> rgb) {
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    std::copy(rgb.begin(), rgb.end(), out.data.begin() + (y * size + x) * 3);
  };
  auto to_pixel = [&](double v) {  // [-extent, extent] -> [0, size - 1], clamped (NaN goes to the middle)
    const double p = std::isfinite(v) ? (v / extent + 1) / 2 * static_cast<double>(size - 1) : size / 2.0;
    return static_cast<int64_t>(std::lround(std::clamp(p, 0.0, static_cast<double>(size - 1))));
  };
  for (int64_t i = 0; i < size; ++i) put(i, size / 2, {200, 200, 200}), put(size / 2, i, {200, 200, 200});
  auto plot = [&](const torch::Tensor& pts, int radius, std::array<uint8_t, 3> rgb) {
    const auto p = pts.to(torch::kFloat64).contiguous();
    const double* v = p.data_ptr<double>();
    for (int64_t i = 0; i < p.size(0); ++i) {
      const int64_t x = to_pixel(v[2 * i]), y = size - 1 - to_pixel(v[2 * i + 1]);  // y up
      for (int dy = -radius; dy <= radius; ++dy)
        for (int dx = -radius; dx <= radius; ++dx) put(x + dx, y + dy, rgb);
    }
  };
  if (has_ref) plot(reference, 1, {150, 150, 150});
  plot(points.detach(), 1, {31, 90, 200});
  return out;
}

void write_scatter_png(const std::string& path, const torch::Tensor& points, const torch::Tensor& reference) {
  png::write(path, scatter(points, reference));
}

}  // namespace ganforge::grid
