// PNG encode/decode through libpng; 8-bit grey (1 channel) or RGB (3 channels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::png {

struct Image {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t channels = 1;      // 1 grey, 3 RGB
  std::vector<uint8_t> data;  // [height, width, channels]
};

std::vector<uint8_t> encode(const Image& image);
// Throws UserError naming `name` if the bytes are not a PNG libpng can read. `header_only`: width, height
// and channels from the header, no pixels (data empty). Alpha is dropped (PIL's convert("RGB")), or with
// `alpha_over_white` the image is composited over white (a drawing on a transparent canvas reads as paper).
Image decode(const std::vector<uint8_t>& bytes, const std::string& name, bool header_only = false,
             bool alpha_over_white = false);
void write(const std::string& path, const Image& image);  // atomic
Image read(const std::string& path);

}  // namespace ganforge::png
