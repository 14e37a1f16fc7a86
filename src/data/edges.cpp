#include "ganforge/data/edges.h"

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

}  // namespace ganforge::data
