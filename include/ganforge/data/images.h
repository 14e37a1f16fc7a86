// Your own images as a dataset, LibTorch-free: a folder of PNG/JPEG files with class labels from its
// sub-folders' names (torchvision's ImageFolder convention), each image fitted to one square resolution and
// one channel count; and the packed form of the same (`ganforge data prepare`), read back without decoding.
//
// Fitting, in this order: (1) a colour image for a grey set becomes grey with PIL's luma weights
// (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, i.e. 0.299/0.587/0.114); (2) a non-square image is cut
// to its centred square (fit "crop") or padded with black to one (fit "pad"), the offset rounded down;
// (3) the square is resized to the resolution: "bilinear" is antialiased bilinear (a triangle filter
// widened by the scale factor when shrinking; PIL's and torch.nn.functional.interpolate(mode="bilinear",
// antialias=True)'s algorithm), "area" is the mean over each output pixel's source window
// (torch's mode="area", adaptive average pooling); values round to nearest (ties to even) and clamp;
// an image already at the resolution is copied unchanged; (4) a grey image for a colour set is repeated
// into R, G and B.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "ganforge/core/config_sections.h"
#include "ganforge/io/png.h"

namespace ganforge::data {

struct ImageOptions {
  int64_t resolution = 0;           // side of the square images; 0: the images' own (all one square size)
  int64_t channels = 0;             // 1 or 3; 0: 3 if any image has colour, else 1
  std::string fit = "crop";         // crop | pad
  std::string resize = "bilinear";  // bilinear | area
  bool skip_bad = false;            // skip unreadable files, stray files and empty classes with a warning
};

// Images in memory: uint8 [count, channels, resolution, resolution] and a label per image.
struct ImageSet {
  int64_t count = 0, channels = 0, resolution = 0;
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels;        // index into `classes`; 0 for every image when unlabelled
  std::vector<std::string> classes;   // sorted sub-folder names; empty: unlabelled
  std::vector<std::string> skipped;   // "FILE: why", one per file or class left out (skip_bad)
  std::string source;                 // the folder the images came from
  // A paired set (image-to-image translation): for each image an input to translate into it, uint8
  // [count, input_channels, resolution, resolution] -- e.g. its edge map (data/edges.h) -- and how the
  // inputs were made. input_channels = 0: no inputs.
  int64_t input_channels = 0;
  std::vector<uint8_t> inputs;
  std::string inputs_from;
  bool labelled() const { return !classes.empty(); }
  bool paired() const { return input_channels > 0; }
};

// PIL's luma of an RGB pixel (ITU-R 601-2 weights in 16-bit fixed point), as grey images are made from colour.
inline uint8_t luma(uint32_t r, uint32_t g, uint32_t b) {
  return static_cast<uint8_t>((19595u * r + 38470u * g + 7471u * b + 0x8000u) >> 16);
}

// Called with (images done, images in all) while a folder is read; and with each warning line.
using ProgressFn = std::function<void(int64_t, int64_t)>;
using WarnFn = std::function<void(const std::string&)>;

// A folder of images. Either class sub-folders (each searched recursively; their sorted names are the
// classes) or images directly inside (unlabelled). Names starting with '.' are ignored. Files are taken
// by name (.png, .jpg, .jpeg, any case) and decoded by content. A UserError naming the file for an
// unreadable or truncated image, a file that is not an image, a file outside the class folders, an empty
// class folder -- or, with skip_bad, a warning and the file (or class, which keeps its label) left out.
// No images at all is always an error. Memory: the result plus one file at a time.
ImageSet read_image_folder(const std::string& dir, const ImageOptions& opts, const ProgressFn& progress = {},
                           const WarnFn& warn = {});

// The same with a progress bar and the warnings on `console` (null: silent).
ImageSet read_image_folder(const std::string& dir, const ImageOptions& opts, FILE* console);
// The [data] keys that say how images are read and fitted.
ImageOptions image_options(const DataConfig& cfg);

// One image fitted as described above: [channels, resolution, resolution] appended to `out`.
void fit_image(const uint8_t* hwc, int64_t width, int64_t height, int64_t in_channels, const ImageOptions& opts,
               std::vector<uint8_t>& out);
// Resize planar images uint8 [planes, in, in] to [planes, out, out] (step 3 above, square to square).
std::vector<uint8_t> resize_planes(const uint8_t* planes, int64_t count, int64_t in, int64_t out,
                                   const std::string& mode);

// The packed file: the line "GANFORGE-IMAGES 1", a one-line JSON header (count, channels, resolution,
// classes, source, the CRC-32 and size of the payload; for a paired set also input_channels and
// inputs_from), then the payload: the pixels as stored above, a paired set's inputs, and the labels as
// little-endian int32. Written atomically; read back with the CRC checked (a damaged file is
// a UserError naming it).
void write_pack(const std::string& path, const ImageSet& set);
ImageSet read_pack(const std::string& path);
bool is_pack(const std::string& path);  // a regular file that starts with the pack's first line
// A pack, or a folder without IDX training files (train-images-idx3-ubyte[.gz]): images to read as such.
bool is_image_source(const std::string& path);

// At most `per_class` images of each class, chosen at random (a seeded Fisher-Yates shuffle with
// std::mt19937_64, the same on every platform), kept in their original order. Classes with fewer keep all.
ImageSet subset_per_class(const ImageSet& set, int64_t per_class, uint64_t seed);
// Sets of the same channels and resolution one after the other (labels as they are; classes of the first).
ImageSet concatenate(const std::vector<ImageSet>& sets);

// A picture of the set: up to `per_class` images of each class (of the first images when unlabelled) in
// rows, 2 px apart; a paired set's cells are (input | image) side by side.
png::Image preview_grid(const ImageSet& set, int64_t per_class);

// What a run records about its data (RUN/data.json): source, count, channels, resolution, classes.
std::string describe_json(const ImageSet& set, const std::string& kind);

}  // namespace ganforge::data
