#include "ganforge/app/translate.h"

#include <algorithm>
#include <filesystem>

#include "ganforge/core/error.h"
#include "ganforge/data/dataset.h"
#include "ganforge/data/edges.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/grid.h"
#include "ganforge/io/image.h"
#include "ganforge/run/snapshot.h"

namespace ganforge {

namespace fsys = std::filesystem;

namespace {

bool is_drawing_name(const fsys::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

bool same_file(const fsys::path& a, const fsys::path& b) {
  std::error_code ec;
  return fsys::equivalent(a, b, ec);  // false when either is missing
}

}  // namespace

std::vector<uint8_t> drawing_to_sketch(const std::vector<uint8_t>& bytes, const std::string& name, int64_t r,
                                       int64_t max_pixels) {
  if (bytes.empty()) throw UserError(name + ": an empty file");
  const image::Image header = image::decode(bytes, name, /*header_only=*/true, /*alpha_over_white=*/true);
  const int64_t pixels = int64_t{header.width} * header.height;
  if (pixels > max_pixels)
    throw UserError(name + ": " + std::to_string(header.width) + " x " + std::to_string(header.height) +
                    " pixels is larger than translate takes (" + std::to_string(max_pixels) +
                    " pixels); shrink the drawing first");
  const image::Image im = image::decode(bytes, name, false, true);
  return data::sketch_input(im.data.data(), im.width, im.height, im.channels, r, name);
}

png::Image pair_picture(const torch::Tensor& sketch, const torch::Tensor& made) {
  return grid::make(torch::cat({sketch.expand({1, made.size(1), made.size(2), made.size(3)}), made}), 2);
}

TranslateResult translate(const TranslateOptions& opts) {
  if (opts.in.empty()) throw UserError("translate: give --in DRAWING.png or --in FOLDER");
  if (opts.out.empty()) throw UserError("translate: give --out FILE.png (or a folder for a folder of drawings)");
  std::error_code ec;
  const bool folder = fsys::is_directory(opts.in, ec);
  if (!folder && !fsys::is_regular_file(opts.in, ec)) throw UserError("translate: --in " + opts.in + ": no such file or folder");
  std::vector<fsys::path> files;
  if (folder) {
    for (const auto& e : fsys::directory_iterator(opts.in, ec))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.' && is_drawing_name(e.path()))
        files.push_back(e.path());
    if (ec) throw UserError("translate: --in " + opts.in + ": " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw UserError("translate: --in " + opts.in + ": no .png, .jpg or .jpeg drawings in it");
    if (fs::ends_with(opts.out, ".png"))
      throw UserError("translate: --in is a folder, so --out must be a folder too (not " + opts.out + ")");
    if (same_file(opts.in, opts.out))
      throw UserError("translate: --out " + opts.out + " is the input folder; its drawings would be overwritten");
  } else {
    files.push_back(opts.in);
    if (!fs::ends_with(opts.out, ".png")) throw UserError("translate: --out " + opts.out + ": name a .png file");
    if (same_file(opts.in, opts.out))
      throw UserError("translate: --out " + opts.out + " is the input drawing; it would be overwritten");
  }

  run::GeneratorSnapshot g = run::load_snapshot(opts.run_dir, opts.checkpoint);
  if (g.model.arch != "pix2pix")
    throw UserError("translate: " + g.checkpoint + " is not an image-to-image run (model.arch = '" + g.model.arch +
                    "'); translate takes a pix2pix run (`ganforge sample` draws from noise)");
  if (g.model.input_channels != 1)
    throw UserError("translate: this run translates " + std::to_string(g.model.input_channels) +
                    "-channel inputs; translate reads sketches (1 channel)");
  const int64_t r = g.image_shape[1];

  // Read and check every drawing before writing anything.
  std::vector<uint8_t> sketches;
  for (const auto& f : files) {
    const std::vector<uint8_t> s = drawing_to_sketch(fs::read_file_bytes(f.string()), f.string(), r, opts.max_pixels);
    sketches.insert(sketches.end(), s.begin(), s.end());
  }
  const int64_t n = static_cast<int64_t>(files.size());
  const torch::Tensor inputs = data::to_signed_unit(torch::from_blob(sketches.data(), {n, 1, r, r}, torch::kUInt8));
  const torch::Tensor made = run::translate(*g.sampler(), inputs);  // [n, C, r, r]

  if (folder) fsys::create_directories(opts.out, ec);
  if (ec) throw UserError("translate: cannot make folder " + opts.out + ": " + ec.message());
  for (int64_t i = 0; i < n; ++i) {
    const std::string path =
        folder ? (fsys::path(opts.out) / files[i].filename().replace_extension(".png")).string() : opts.out;
    torch::Tensor cell = made[i].unsqueeze(0);
    if (opts.pairs) {
      png::write(path, pair_picture(inputs[i].unsqueeze(0), cell));
    } else {
      png::Image im;
      const torch::Tensor u8 = data::to_uint8(cell[0]).permute({1, 2, 0}).contiguous();  // [r, r, C]
      im.width = im.height = static_cast<uint32_t>(r);
      im.channels = static_cast<uint32_t>(u8.size(2));
      im.data.assign(u8.data_ptr<uint8_t>(), u8.data_ptr<uint8_t>() + u8.numel());
      png::write(path, im);
    }
  }
  return {g.checkpoint, n};
}

}  // namespace ganforge
