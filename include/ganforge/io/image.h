// Reading the image files users train on: PNG (libpng) and JPEG (libjpeg-turbo), told apart by their
// content, not their name. Every image comes out 8-bit grey (1 channel) or RGB (3): 16-bit samples are
// reduced to 8, palettes expanded, alpha dropped (as PIL's convert("RGB") does), CMYK JPEG refused.
// LibTorch-free, so it can be fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ganforge/io/png.h"

namespace ganforge::image {

using Image = png::Image;  // width, height, channels (1 or 3), data [height, width, channels]

enum class Format { kUnknown, kPng, kJpeg };
Format sniff(const uint8_t* data, size_t size);

// Whole image; `header_only`: width, height and channels from the header alone (data empty). A UserError
// naming `name` for anything else than a readable PNG or JPEG: "not a PNG or JPEG image", "corrupt JPEG
// (Premature end of JPEG file)" (a truncated file is an error, not an image padded with grey), more than
// 2^28 pixels. `alpha_over_white`: a PNG with alpha is composited over white instead (png.h).
Image decode(const std::vector<uint8_t>& bytes, const std::string& name, bool header_only = false,
             bool alpha_over_white = false);
Image decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name, bool header_only = false);

}  // namespace ganforge::image
