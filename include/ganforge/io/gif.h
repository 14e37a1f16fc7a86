// Animated GIF through giflib: the sample grids of a run as one looping animation.
#pragma once

#include <cstdint>
#include <vector>

#include "ganforge/io/png.h"

namespace ganforge::gif {

// Frames of one size (grey or RGB; RGB is mapped to a fixed 3-3-2 palette, grey to 256 greys), shown
// `delay_cs` hundredths of a second each, looping. UserError when frames differ in size or there are none.
std::vector<uint8_t> encode(const std::vector<png::Image>& frames, int delay_cs);

}  // namespace ganforge::gif
