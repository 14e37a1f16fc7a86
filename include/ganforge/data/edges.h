// Edge maps as sketches: the paired data of image-to-image translation, made the way pix2pix's
// edges2shoes was (an edge detector run over photos), LibTorch-free.
//
// For each image, in this order: (1) a colour image becomes grey with PIL's luma (images.h); (2) a Gaussian
// blur of standard deviation `blur` pixels (OpenCV's GaussianBlur, its bit-exact 8-bit path, kernel size
// chosen by OpenCV from sigma, borders reflected without repeating the edge pixel); (3) OpenCV's Canny
// (Canny 1986): 3x3 Sobel gradients (border pixels repeated), the L2 gradient magnitude, non-maximum
// suppression, and hysteresis with thresholds `low` and `high` (a pixel above `high` starts an edge, one
// above `low` continues it); (4) drawn as a sketch is: black strokes (0) one pixel wide on white (255).
// The thresholds are on the magnitude of the Sobel gradient of 8-bit values (up to about 1,440).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ganforge/data/images.h"

namespace ganforge::data {

struct EdgeOptions {
  double blur = 1.0;  // sigma of the Gaussian blur in pixels; 0: none
  double low = 100;   // hysteresis thresholds on the gradient magnitude, 0 <= low <= high
  double high = 200;
};

// One image's edge map: `planes` [channels, r, r] -> [r, r] (0 = stroke, 255 = paper).
std::vector<uint8_t> edge_map(const uint8_t* planes, int64_t channels, int64_t r, const EdgeOptions& o);

// The edge maps of `count` images uint8 [count, channels, r, r] -> [count, 1, r, r]. A UserError for options
// out of range.
std::vector<uint8_t> edge_maps(const uint8_t* pixels, int64_t count, int64_t channels, int64_t r,
                               const EdgeOptions& o);

// The set with each image's edge map as its input (input_channels = 1); the images, labels and classes
// unchanged. A UserError for options out of range.
ImageSet with_edges(ImageSet set, const EdgeOptions& o);

// What `with_edges` records in ImageSet::inputs_from, e.g. "canny(blur=1, low=100, high=200)".
std::string describe(const EdgeOptions& o);

// A drawing (any size, grey or colour-free RGB, `hwc` [height, width, channels]) as a translator's input: an
// [r, r] edge map like the ones above (0 = stroke, 255 = paper). In this order: (1) grey by PIL's luma; a
// colour image (more than 1% of pixels whose channels differ by more than 48) is refused; (2) ink is every
// pixel darker than 128 -- or, when more than half the picture is dark (light strokes on a dark ground),
// every pixel at least 128; (3) the picture is padded with paper to its centred square (offset rounded
// down); (4) the ink's coverage of each output pixel is its area average over the square (OpenCV's
// INTER_AREA); (5) an output pixel is a stroke where the coverage is at least 1 / (2 s), s = side / r, i.e.
// half of what a one-pixel line across it leaves (at least 1/2 when s <= 1), so thin lines survive the
// shrinking. UserError naming `name`: no ink at all (an empty page), a colour image, `r` out of 1 .. 1024.
std::vector<uint8_t> sketch_input(const uint8_t* hwc, int64_t width, int64_t height, int64_t channels, int64_t r,
                                  const std::string& name);

}  // namespace ganforge::data
