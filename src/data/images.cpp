#include "ganforge/data/images.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <nlohmann/json.hpp>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/image.h"
#include "ganforge/io/progress.h"

namespace ganforge::data {
namespace fsys = std::filesystem;
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the pack stores labels little-endian");

namespace {

constexpr const char* kPackMagic = "GANFORGE-IMAGES 1";
constexpr size_t kMaxWarnings = 10;

// One output pixel's source window along an axis: weights for source pixels first .. first + count - 1.
struct Taps {
  int64_t width = 0;             // the most taps any output pixel has
  std::vector<int64_t> first;    // [out]
  std::vector<int64_t> count;    // [out]
  std::vector<double> weight;    // [out, width]
};

// Antialiased bilinear (PIL's and torch's antialias=True): a triangle filter over [center - support,
// center + support], widened to the scale factor when shrinking, weights normalised to sum 1.
Taps bilinear_taps(int64_t in, int64_t out) {
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  const double support = scale >= 1 ? scale : 1.0;
  const double inv = scale >= 1 ? 1.0 / scale : 1.0;
  Taps t;
  t.width = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.first.resize(out);
  t.count.resize(out);
  t.weight.assign(static_cast<size_t>(out * t.width), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    const double center = scale * (static_cast<double>(i) + 0.5);
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    double total = 0;
    double* w = &t.weight[static_cast<size_t>(i * t.width)];
    for (int64_t j = lo; j < hi; ++j) {
      w[j - lo] = std::max(0.0, 1.0 - std::abs((static_cast<double>(j) - center + 0.5) * inv));
      total += w[j - lo];
    }
    for (int64_t j = lo; j < hi && total > 0; ++j) w[j - lo] /= total;
    t.first[i] = lo;
    t.count[i] = hi - lo;
  }
  return t;
}

// Area (torch's adaptive average pooling): output i averages source pixels floor(i in / out) ..
// ceil((i + 1) in / out) - 1.
Taps area_taps(int64_t in, int64_t out) {
  Taps t;
  t.width = (in + out - 1) / out + 1;
  t.first.resize(out);
  t.count.resize(out);
  t.weight.assign(static_cast<size_t>(out * t.width), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t lo = i * in / out, hi = ((i + 1) * in + out - 1) / out;
    for (int64_t j = lo; j < hi; ++j) t.weight[static_cast<size_t>(i * t.width + j - lo)] = 1.0 / double(hi - lo);
    t.first[i] = lo;
    t.count[i] = hi - lo;
  }
  return t;
}

uint8_t to_byte(double v) { return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0, 255.0)); }

bool is_image_name(const fsys::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

bool hidden(const fsys::path& p) { return !p.filename().empty() && p.filename().string()[0] == '.'; }

std::vector<fsys::path> sorted_entries(const fsys::path& dir) {
  std::vector<fsys::path> out;
  for (const auto& e : fsys::directory_iterator(dir))
    if (!hidden(e.path())) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

struct Listing {
  std::vector<std::string> classes;
  std::vector<std::pair<std::string, int32_t>> files;  // path, label
  std::vector<std::string> bad;                        // "PATH: why"
};

// The images of one class folder, searched recursively, in sorted path order.
void list_class(const fsys::path& dir, int32_t label, Listing& l) {
  std::vector<fsys::path> found;
  for (auto it = fsys::recursive_directory_iterator(dir, fsys::directory_options::follow_directory_symlink);
       it != fsys::recursive_directory_iterator(); ++it) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_directory()) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  size_t images = 0;
  for (const auto& p : found) {
    if (!is_image_name(p)) {
      l.bad.push_back(p.string() + ": not an image (ganforge reads .png, .jpg and .jpeg files)");
      continue;
    }
    l.files.emplace_back(p.string(), label);
    ++images;
  }
  if (images == 0) l.bad.push_back(dir.string() + ": class folder has no images");
}

Listing list_folder(const std::string& dir) {
  std::error_code ec;
  if (!fsys::is_directory(dir, ec)) throw UserError(dir + ": image folder not found");
  Listing l;
  std::vector<fsys::path> loose;
  try {
    const auto entries = sorted_entries(dir);
    for (const auto& p : entries)
      if (fsys::is_directory(p)) l.classes.push_back(p.filename().string());
    for (const auto& p : entries) {
      if (fsys::is_directory(p)) {
        list_class(p, static_cast<int32_t>(std::find(l.classes.begin(), l.classes.end(), p.filename().string()) -
                                           l.classes.begin()),
                   l);
      } else if (!l.classes.empty()) {
        l.bad.push_back(p.string() + ": file outside the class folders (with sub-folders, each is a class)");
      } else if (!is_image_name(p)) {
        l.bad.push_back(p.string() + ": not an image (ganforge reads .png, .jpg and .jpeg files)");
      } else {
        l.files.emplace_back(p.string(), 0);
      }
    }
  } catch (const fsys::filesystem_error& e) {
    throw UserError(dir + ": cannot list the folder (" + e.code().message() + ")");
  }
  if (l.files.empty())
    throw UserError(dir + ": no PNG or JPEG images (.png, .jpg, .jpeg) in it or in class sub-folders");
  return l;
}

// A bad file or class: an error, or with skip_bad a warning (the first few) and a line in `skipped`.
void report_bad(const std::string& problem, const ImageOptions& opts, const WarnFn& warn, ImageSet& set) {
  if (!opts.skip_bad) throw UserError(problem + " (set data.skip_bad = true to skip such files with a warning)");
  if (warn && set.skipped.size() < kMaxWarnings) warn("warning: skipped " + problem);
  set.skipped.push_back(problem);
}

struct Header {
  std::string path;
  int32_t label;
  int64_t side;  // the fitted square's side
};

// The first pass: every file's header. Fixes the channels and the resolution the options leave open.
std::vector<Header> probe_all(const Listing& l, ImageOptions& opts, const WarnFn& warn, ImageSet& set) {
  std::vector<Header> ok;
  bool colour = false;
  for (const auto& [path, label] : l.files) {
    try {
      const image::Image h = image::decode(fs::read_file_bytes(path), path, /*header_only=*/true);
      colour = colour || h.channels == 3;
      const int64_t side = opts.fit == "pad" ? std::max(h.width, h.height) : std::min(h.width, h.height);
      ok.push_back({path, label, side});
    } catch (const UserError& e) {
      report_bad(e.what(), opts, warn, set);
    }
  }
  if (ok.empty()) throw UserError(set.source + ": none of its images could be read");
  if (opts.channels == 0) opts.channels = colour ? 3 : 1;
  if (opts.resolution == 0) {
    for (const auto& h : ok)
      if (h.side != ok[0].side)
        throw UserError(set.source + ": images of different sizes (" + ok[0].path + ": " +
                        std::to_string(ok[0].side) + ", " + h.path + ": " + std::to_string(h.side) +
                        " after fitting to a square); set data.resolution (e.g. 28, 32 or 64)");
    opts.resolution = ok[0].side;
  }
  return ok;
}

}  // namespace

std::vector<uint8_t> resize_planes(const uint8_t* planes, int64_t count, int64_t in, int64_t out,
                                   const std::string& mode) {
  if (in <= 0 || out <= 0) throw std::invalid_argument("resize_planes: sizes must be positive");
  if (mode != "bilinear" && mode != "area") throw std::invalid_argument("resize_planes: mode " + mode);
  const Taps t = mode == "area" ? area_taps(in, out) : bilinear_taps(in, out);
  std::vector<uint8_t> result(static_cast<size_t>(count * out * out));
  std::vector<double> rows(static_cast<size_t>(in * out));  // one plane resized along x: [in, out]
  for (int64_t c = 0; c < count; ++c) {
    const uint8_t* src = planes + c * in * in;
    for (int64_t y = 0; y < in; ++y)
      for (int64_t x = 0; x < out; ++x) {
        double v = 0;
        const double* w = &t.weight[static_cast<size_t>(x * t.width)];
        for (int64_t k = 0; k < t.count[x]; ++k) v += w[k] * src[y * in + t.first[x] + k];
        rows[static_cast<size_t>(y * out + x)] = v;
      }
    uint8_t* dst = result.data() + c * out * out;
    for (int64_t y = 0; y < out; ++y) {
      const double* w = &t.weight[static_cast<size_t>(y * t.width)];
      for (int64_t x = 0; x < out; ++x) {
        double v = 0;
        for (int64_t k = 0; k < t.count[y]; ++k) v += w[k] * rows[static_cast<size_t>((t.first[y] + k) * out + x)];
        dst[y * out + x] = to_byte(v);
      }
    }
  }
  return result;
}

void fit_image(const uint8_t* hwc, int64_t width, int64_t height, int64_t in_channels, const ImageOptions& opts,
               std::vector<uint8_t>& out) {
  const int64_t n = width * height;
  std::vector<uint8_t> grey;
  int64_t ch = in_channels;
  if (opts.channels == 1 && in_channels == 3) {
    grey.resize(static_cast<size_t>(n));
    for (int64_t p = 0; p < n; ++p)
      grey[p] = luma(hwc[3 * p], hwc[3 * p + 1], hwc[3 * p + 2]);
    hwc = grey.data();
    ch = 1;
  }
  const int64_t side = opts.fit == "pad" ? std::max(width, height) : std::min(width, height);
  const int64_t ox = (width - side) / 2, oy = (height - side) / 2;  // negative when padding
  std::vector<uint8_t> square(static_cast<size_t>(ch * side * side), 0);
  for (int64_t c = 0; c < ch; ++c)
    for (int64_t y = 0; y < side; ++y)
      for (int64_t x = 0; x < side; ++x) {
        const int64_t sx = x + ox, sy = y + oy;
        if (sx >= 0 && sx < width && sy >= 0 && sy < height)
          square[static_cast<size_t>((c * side + y) * side + x)] = hwc[(sy * width + sx) * ch + c];
      }
  const int64_t r = opts.resolution;
  const std::vector<uint8_t> sized = side == r ? std::move(square) : resize_planes(square.data(), ch, side, r, opts.resize);
  for (int64_t c = 0; c < opts.channels; ++c) {
    const auto plane = sized.begin() + (c % ch) * r * r;
    out.insert(out.end(), plane, plane + r * r);
  }
}

ImageSet read_image_folder(const std::string& dir, const ImageOptions& opts_in, const ProgressFn& progress,
                           const WarnFn& warn) {
  ImageOptions opts = opts_in;
  ImageSet set;
  set.source = dir;
  const Listing l = list_folder(dir);
  set.classes = l.classes;
  for (const auto& problem : l.bad) report_bad(problem, opts, warn, set);
  const std::vector<Header> headers = probe_all(l, opts, warn, set);
  set.channels = opts.channels;
  set.resolution = opts.resolution;
  const size_t per_image = static_cast<size_t>(set.channels * set.resolution * set.resolution);
  set.pixels.reserve(per_image * headers.size());
  set.labels.reserve(headers.size());
  int64_t done = 0;
  for (const auto& h : headers) {
    try {
      const image::Image im = image::decode(fs::read_file_bytes(h.path), h.path);
      fit_image(im.data.data(), im.width, im.height, im.channels, opts, set.pixels);
      set.labels.push_back(h.label);
    } catch (const UserError& e) {
      report_bad(e.what(), opts, warn, set);
    }
    if (progress) progress(++done, static_cast<int64_t>(headers.size()));
  }
  set.count = static_cast<int64_t>(set.labels.size());
  if (set.count == 0) throw UserError(dir + ": none of its images could be read");
  if (warn && set.skipped.size() > kMaxWarnings)
    warn("warning: " + std::to_string(set.skipped.size() - kMaxWarnings) + " more skipped (" +
         std::to_string(set.skipped.size()) + " in all)");
  return set;
}

ImageSet read_image_folder(const std::string& dir, const ImageOptions& opts, FILE* console) {
  std::unique_ptr<Progress> bar;
  return read_image_folder(
      dir, opts,
      [&](int64_t done, int64_t total) {
        if (!console) return;
        if (!bar) bar = std::make_unique<Progress>(total, "image", console);
        bar->update(done, {}, done == total);
      },
      [&](const std::string& line) {
        if (console) std::fprintf(console, "%s\n", line.c_str());
      });
}

ImageOptions image_options(const DataConfig& cfg) {
  ImageOptions o;
  o.resolution = cfg.resolution;
  o.channels = cfg.channels;
  o.fit = cfg.fit;
  o.resize = cfg.resize;
  o.skip_bad = cfg.skip_bad;
  return o;
}

namespace {

uint32_t payload_crc(const ImageSet& set) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, set.pixels.data(), set.pixels.size());
  // zlib reads a null buffer as "start again" (it returns the initial value): an empty vector's data() may be null.
  if (!set.inputs.empty()) crc = crc32_z(crc, set.inputs.data(), set.inputs.size());
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(set.labels.data()), set.labels.size() * sizeof(int32_t));
  return static_cast<uint32_t>(crc);
}

nlohmann::json header_json(const ImageSet& set) {
  nlohmann::json h = {{"count", set.count},     {"channels", set.channels}, {"resolution", set.resolution},
                      {"classes", set.classes}, {"source", set.source},     {"labelled", set.labelled()}};
  if (set.paired()) {
    h["input_channels"] = set.input_channels;
    h["inputs_from"] = set.inputs_from;
  }
  return h;
}

// Bytes of pixels and of inputs the set's numbers promise.
uint64_t pixel_bytes(const ImageSet& set) { return uint64_t(set.count * set.channels * set.resolution * set.resolution); }
uint64_t input_bytes(const ImageSet& set) {
  return uint64_t(set.count * set.input_channels * set.resolution * set.resolution);
}

// The header's numbers, checked before anything is allocated from them.
ImageSet check_header(const nlohmann::json& h, const std::string& path) {
  ImageSet set;
  try {
    set.count = h.at("count").get<int64_t>();
    set.channels = h.at("channels").get<int64_t>();
    set.resolution = h.at("resolution").get<int64_t>();
    set.classes = h.at("classes").get<std::vector<std::string>>();
    set.source = h.value("source", "");
    set.input_channels = h.value("input_channels", int64_t{0});
    set.inputs_from = h.value("inputs_from", "");
  } catch (const nlohmann::json::exception&) {
    throw UserError(path + ": damaged image pack (header fields missing or of the wrong type)");
  }
  if (set.count < 1 || set.count > (int64_t{1} << 31) || (set.channels != 1 && set.channels != 3) ||
      set.resolution < 1 || set.resolution > 4096 || (set.input_channels != 0 && set.input_channels != 1 && set.input_channels != 3))
    throw UserError(path + ": damaged image pack (count, channels or resolution out of range)");
  return set;
}

}  // namespace

void write_pack(const std::string& path, const ImageSet& set) {
  if (set.pixels.size() != pixel_bytes(set) || set.inputs.size() != input_bytes(set) ||
      set.labels.size() != static_cast<size_t>(set.count))
    throw std::invalid_argument("write_pack: sizes do not match the count");
  nlohmann::json h = header_json(set);
  h["pixel_bytes"] = set.pixels.size();
  if (set.paired()) h["input_bytes"] = set.inputs.size();
  h["label_bytes"] = set.labels.size() * sizeof(int32_t);
  h["crc32"] = payload_crc(set);
  const std::string head = std::string(kPackMagic) + "\n" + h.dump() + "\n";
  fs::write_parts_atomic(path, {{head.data(), head.size()},
                                {set.pixels.data(), set.pixels.size()},
                                {set.inputs.data(), set.inputs.size()},
                                {set.labels.data(), set.labels.size() * sizeof(int32_t)}});
}

bool is_pack(const std::string& path) {
  std::error_code ec;
  if (!fsys::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  return std::getline(in, line) && line == kPackMagic;
}

bool is_image_source(const std::string& path) {
  if (is_pack(path)) return true;
  std::error_code ec;
  if (!fsys::is_directory(path, ec)) return false;
  return !fsys::exists(fsys::path(path) / "train-images-idx3-ubyte", ec) &&
         !fsys::exists(fsys::path(path) / "train-images-idx3-ubyte.gz", ec);
}

ImageSet read_pack(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot open the image pack");
  std::string magic, head;
  if (!std::getline(in, magic) || magic != kPackMagic) throw UserError(path + ": not a ganforge image pack");
  if (!std::getline(in, head)) throw UserError(path + ": damaged image pack (no header)");
  const nlohmann::json h = nlohmann::json::parse(head, nullptr, /*allow_exceptions=*/false);
  if (!h.is_object()) throw UserError(path + ": damaged image pack (header is not JSON)");
  ImageSet set = check_header(h, path);
  std::error_code ec;
  const uint64_t size = fsys::file_size(path, ec);
  const uint64_t promised = static_cast<uint64_t>(in.tellg()) + pixel_bytes(set) + input_bytes(set) + uint64_t(set.count) * 4;
  if (ec || size != promised)
    throw UserError(path + ": damaged image pack (" + std::to_string(size) + " bytes; the header promises " +
                    std::to_string(promised) + ")");
  set.pixels.resize(pixel_bytes(set));
  set.inputs.resize(input_bytes(set));
  set.labels.resize(static_cast<size_t>(set.count));
  in.read(reinterpret_cast<char*>(set.pixels.data()), static_cast<std::streamsize>(set.pixels.size()));
  in.read(reinterpret_cast<char*>(set.inputs.data()), static_cast<std::streamsize>(set.inputs.size()));
  in.read(reinterpret_cast<char*>(set.labels.data()), static_cast<std::streamsize>(set.count * 4));
  if (!in) throw UserError(path + ": cannot read the image pack");
  if (h.value("crc32", uint64_t{0}) != payload_crc(set))
    throw UserError(path + ": damaged image pack (CRC-32 of the images does not match the header)");
  const int64_t classes = std::max<int64_t>(1, static_cast<int64_t>(set.classes.size()));
  for (int32_t label : set.labels)
    if (label < 0 || label >= classes) throw UserError(path + ": damaged image pack (a label out of range)");
  return set;
}

ImageSet subset_per_class(const ImageSet& set, int64_t per_class, uint64_t seed) {
  if (per_class <= 0) throw UserError("--per-class must be positive");
  std::vector<int64_t> order(static_cast<size_t>(set.count));
  for (int64_t i = 0; i < set.count; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (int64_t i = set.count - 1; i > 0; --i) std::swap(order[i], order[rng() % static_cast<uint64_t>(i + 1)]);
  std::map<int32_t, int64_t> taken;
  std::vector<int64_t> keep;
  for (int64_t i : order)
    if (taken[set.labels[i]]++ < per_class) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  ImageSet out = set;
  const size_t per = static_cast<size_t>(set.channels * set.resolution * set.resolution);
  const size_t per_input = static_cast<size_t>(set.input_channels * set.resolution * set.resolution);
  out.pixels.resize(keep.size() * per);
  out.inputs.resize(keep.size() * per_input);
  out.labels.resize(keep.size());
  for (size_t j = 0; j < keep.size(); ++j) {
    std::copy_n(set.pixels.begin() + keep[j] * per, per, out.pixels.begin() + j * per);
    std::copy_n(set.inputs.begin() + keep[j] * per_input, per_input, out.inputs.begin() + j * per_input);
    out.labels[j] = set.labels[keep[j]];
  }
  out.count = static_cast<int64_t>(keep.size());
  return out;
}

ImageSet concatenate(const std::vector<ImageSet>& sets) {
  if (sets.empty()) throw std::invalid_argument("concatenate: no sets");
  ImageSet out = sets[0];
  for (size_t i = 1; i < sets.size(); ++i) {
    const ImageSet& s = sets[i];
    if (s.channels != out.channels || s.resolution != out.resolution)
      throw UserError(s.source + ": " + std::to_string(s.channels) + "x" + std::to_string(s.resolution) + " images do not go with " +
                      out.source + "'s " + std::to_string(out.channels) + "x" + std::to_string(out.resolution));
    if (s.input_channels != out.input_channels)
      throw UserError(s.source + (s.paired() ? " is" : " is not") + " a paired set, " + out.source + (out.paired() ? " is" : " is not"));
    out.pixels.insert(out.pixels.end(), s.pixels.begin(), s.pixels.end());
    out.inputs.insert(out.inputs.end(), s.inputs.begin(), s.inputs.end());
    out.labels.insert(out.labels.end(), s.labels.begin(), s.labels.end());
    out.count += s.count;
    out.source += " + " + s.source;
  }
  return out;
}

png::Image preview_grid(const ImageSet& set, int64_t per_class) {
  const int64_t rows = set.labelled() ? static_cast<int64_t>(set.classes.size()) : 1;
  const int64_t cols = set.labelled() ? per_class : std::min<int64_t>(set.count, per_class * per_class);
  const int64_t r = set.resolution, c = set.channels, ci = set.input_channels, gap = 2;
  const int64_t cell_h = r + gap, cell_w = (set.paired() ? 2 * r + 1 : r) + gap;  // a pair: 1 px between
  const int64_t grid_rows = set.labelled() ? rows : (cols + per_class - 1) / per_class;
  const int64_t grid_cols = set.labelled() ? cols : std::min(cols, per_class);
  png::Image im;
  im.width = static_cast<uint32_t>(grid_cols * cell_w + gap);
  im.height = static_cast<uint32_t>(grid_rows * cell_h + gap);
  im.channels = static_cast<uint32_t>(c);
  im.data.assign(size_t{im.width} * im.height * im.channels, 255);
  // Plane `ch` of a [planes, r, r] image at (x0, y0); a grey plane fills every channel of a colour grid.
  auto put = [&](const uint8_t* src, int64_t planes, int64_t x0, int64_t y0) {
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < r; ++y)
        for (int64_t x = 0; x < r; ++x)
          im.data[((y0 + y) * im.width + x0 + x) * c + ch] = src[((ch % planes) * r + y) * r + x];
  };
  std::vector<int64_t> placed(static_cast<size_t>(rows), 0);
  for (int64_t i = 0, shown = 0; i < set.count; ++i) {
    const int64_t label = set.labelled() ? set.labels[i] : 0;
    const int64_t k = set.labelled() ? placed[label]++ : shown++;
    if (k >= cols) continue;
    const int64_t row = set.labelled() ? label : k / per_class, col = set.labelled() ? k : k % per_class;
    const int64_t x0 = gap + col * cell_w, y0 = gap + row * cell_h;
    if (set.paired()) put(set.inputs.data() + i * ci * r * r, ci, x0, y0);
    put(set.pixels.data() + i * c * r * r, c, set.paired() ? x0 + r + 1 : x0, y0);
  }
  return im;
}

std::string describe_json(const ImageSet& set, const std::string& kind) {
  nlohmann::json j = header_json(set);
  j["kind"] = kind;
  j["skipped"] = set.skipped;
  return j.dump(2) + "\n";
}

}  // namespace ganforge::data
