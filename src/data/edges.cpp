#include "ganforge/data/edges.h"

#include <algorithm>
#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "ganforge/core/error.h"

namespace ganforge::data {

std::vector<uint8_t> edge_map(const uint8_t* planes, int64_t channels, int64_t r, const EdgeOptions& o) {
  const int side = static_cast<int>(r);
  std::vector<uint8_t> grey(static_cast<size_t>(r * r));
  if (channels == 3) {
    for (int64_t p = 0; p < r * r; ++p) grey[p] = luma(planes[p], planes[r * r + p], planes[2 * r * r + p]);
  } else {
    std::copy_n(planes, r * r, grey.begin());
  }
  cv::Mat image(side, side, CV_8UC1, grey.data());
  if (o.blur > 0) cv::GaussianBlur(image, image, cv::Size(0, 0), o.blur, o.blur, cv::BORDER_REFLECT_101);
  cv::Mat edges;
  cv::Canny(image, edges, o.low, o.high, /*apertureSize=*/3, /*L2gradient=*/true);
  std::vector<uint8_t> out(static_cast<size_t>(r * r));
  for (int y = 0; y < side; ++y) {
    const uint8_t* row = edges.ptr<uint8_t>(y);
    for (int x = 0; x < side; ++x) out[static_cast<size_t>(y * side + x)] = row[x] ? 0 : 255;
  }
  return out;
}

std::string describe(const EdgeOptions& o) {
  char text[128];
  std::snprintf(text, sizeof text, "canny(blur=%g, low=%g, high=%g)", o.blur, o.low, o.high);
  return text;
}

std::vector<uint8_t> edge_maps(const uint8_t* pixels, int64_t count, int64_t channels, int64_t r,
                               const EdgeOptions& o) {
  if (!(o.blur >= 0 && o.blur <= 10)) throw UserError("edges: blur must be between 0 and 10 pixels");
  if (!(o.low >= 0 && o.low <= o.high && o.high <= 2000))
    throw UserError("edges: thresholds must satisfy 0 <= low <= high <= 2000");
  if (r < 3) throw UserError("edges: images of at least 3x3 pixels are needed");
  std::vector<uint8_t> out(static_cast<size_t>(count * r * r));
  for (int64_t i = 0; i < count; ++i) {
    const std::vector<uint8_t> e = edge_map(pixels + i * channels * r * r, channels, r, o);
    std::copy(e.begin(), e.end(), out.begin() + i * r * r);
  }
  return out;
}

ImageSet with_edges(ImageSet set, const EdgeOptions& o) {
  set.inputs = edge_maps(set.pixels.data(), set.count, set.channels, set.resolution, o);
  set.input_channels = 1;
  set.inputs_from = describe(o);
  return set;
}

std::vector<uint8_t> sketch_input(const uint8_t* hwc, int64_t width, int64_t height, int64_t channels, int64_t r,
                                  const std::string& name) {
  if (r < 1 || r > 1024) throw UserError(name + ": sketch resolution " + std::to_string(r) + " is out of 1 .. 1024");
  if (width <= 0 || height <= 0) throw UserError(name + ": an empty image (no pixels)");
  if (channels != 1 && channels != 3) throw UserError(name + ": " + std::to_string(channels) + " channels");
  const int64_t n = width * height;
  std::vector<uint8_t> grey(static_cast<size_t>(n));
  int64_t coloured = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* px = hwc + i * channels;
    if (channels == 1) {
      grey[i] = px[0];
      continue;
    }
    const int hi = std::max({px[0], px[1], px[2]}), lo = std::min({px[0], px[1], px[2]});
    coloured += hi - lo > 48;
    grey[i] = luma(px[0], px[1], px[2]);
  }
  if (coloured * 100 > n)
    throw UserError(name + ": a colour image (" + std::to_string(coloured * 100 / n) +
                    "% of its pixels are coloured); translate expects a sketch: dark strokes on light paper");
  int64_t dark = 0;
  for (const uint8_t v : grey) dark += v < 128;
  const bool inverted = dark * 2 > n;  // light strokes on a dark ground
  const int64_t ink_count = inverted ? n - dark : dark;
  if (ink_count == 0) throw UserError(name + ": no strokes (every pixel is " + (inverted ? "dark" : "light") + ")");
  const int64_t side = std::max(width, height);
  cv::Mat square(static_cast<int>(side), static_cast<int>(side), CV_32FC1, cv::Scalar(0.0f));  // ink = 1
  const int64_t ox = (side - width) / 2, oy = (side - height) / 2;
  for (int64_t y = 0; y < height; ++y) {
    float* row = square.ptr<float>(static_cast<int>(y + oy));
    for (int64_t x = 0; x < width; ++x) row[x + ox] = ((grey[y * width + x] < 128) != inverted) ? 1.0f : 0.0f;
  }
  cv::Mat coverage;
  cv::resize(square, coverage, cv::Size(static_cast<int>(r), static_cast<int>(r)), 0, 0, cv::INTER_AREA);
  const double s = static_cast<double>(side) / static_cast<double>(r);
  const float threshold = static_cast<float>(s <= 1 ? 0.5 : 0.5 / s);
  std::vector<uint8_t> out(static_cast<size_t>(r * r));
  for (int64_t y = 0; y < r; ++y) {
    const float* row = coverage.ptr<float>(static_cast<int>(y));
    for (int64_t x = 0; x < r; ++x) out[static_cast<size_t>(y * r + x)] = row[x] >= threshold ? 0 : 255;
  }
  return out;
}

}  // namespace ganforge::data
