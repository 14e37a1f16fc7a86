#include "ganforge/data/dataset.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "ganforge/core/registry.h"
#include "ganforge/core/error.h"
#include "ganforge/data/edges.h"
#include "ganforge/data/images.h"
#include "ganforge/io/idx.h"

namespace ganforge::data {
namespace fsys = std::filesystem;

bool is_toy(const std::string& name) {
  for (const auto& e : registry::datasets())
    if (name == e.name) return e.kind == registry::DataKind::kPoints;
  return false;
}
bool is_known(const std::string& name) {
  for (const auto& e : registry::datasets())
    if (name == e.name) return true;
  return false;
}

Dataset make_stacked(const Dataset& mnist, int64_t n, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto pick = torch::randint(0, mnist.size(), {n, 3}, gen, torch::kInt64);  // [n, 3] digit indices
  Dataset ds;
  ds.name = "stacked-mnist";
  ds.images = mnist.images.index_select(0, pick.flatten()).view({n, 3, mnist.images.size(2), mnist.images.size(3)});
  const auto d = mnist.labels.index_select(0, pick.flatten()).view({n, 3});
  ds.labels = d.select(1, 0) * 100 + d.select(1, 1) * 10 + d.select(1, 2);  // the mode: 0 .. 999
  return ds;
}

Dataset make_toy(const std::string& name, int64_t n, uint64_t seed) {
  Dataset ds;
  ds.name = name;
  std::vector<float> means;
  if (name == "ring8") {
    for (int k = 0; k < 8; ++k) {
      const double a = 2 * M_PI * k / 8;
      means.push_back(static_cast<float>(std::cos(a)));
      means.push_back(static_cast<float>(std::sin(a)));
    }
    ds.mode_std = 0.01;
  } else if (name == "grid25") {
    for (int i = -2; i <= 2; ++i)
      for (int j = -2; j <= 2; ++j) means.push_back(2.0f * i), means.push_back(2.0f * j);
    ds.mode_std = 0.05;
  } else {
    throw UserError("unknown 2D dataset '" + name + "'; known: ring8, grid25");
  }
  ds.modes = torch::tensor(means).view({-1, 2});
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  ds.labels = torch::randint(ds.modes.size(0), {n}, gen, torch::kInt64);
  ds.points = ds.modes.index_select(0, ds.labels) + torch::randn({n, 2}, gen) * ds.mode_std;
  return ds;
}

torch::Tensor Dataset::batch(const torch::Tensor& idx) const {
  if (is_points()) return points.index_select(0, idx);
  return to_signed_unit(images.index_select(0, idx));
}

torch::Tensor Dataset::input_batch(const torch::Tensor& idx) const {
  TORCH_CHECK(paired(), "input_batch: the dataset has no inputs");
  return to_signed_unit(inputs.index_select(0, idx));
}

std::string default_dir(const std::string& name) {
  if (const char* root = std::getenv("GANFORGE_DATA")) return (fsys::path(root) / name).string();
#ifdef GANFORGE_SOURCE_DATA_DIR
  if (fsys::is_directory(fsys::path(GANFORGE_SOURCE_DATA_DIR) / name))
    return (fsys::path(GANFORGE_SOURCE_DATA_DIR) / name).string();
#endif
  return (fsys::path("data") / name).string();
}

namespace {

// A tensor that takes over a byte buffer instead of copying it: the dataset is held once.
torch::Tensor adopt(std::vector<uint8_t>&& bytes, std::vector<int64_t> shape) {
  auto* held = new std::vector<uint8_t>(std::move(bytes));
  return torch::from_blob(held->data(), shape, [held](void*) { delete held; }, torch::kUInt8);
}

std::string find_file(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".gz", ""}) {
    const auto p = fsys::path(dir) / (stem + ext);
    std::error_code ec;
    if (fsys::exists(p, ec)) return p.string();
  }
  throw UserError(dir + ": no " + stem + "[.gz] (run scripts/setup.sh for mnist and fashion-mnist, or "
                  "point data.dir / --data at a folder of IDX files)");
}

}  // namespace

Dataset load(const std::string& name, const std::string& dir_in, const std::string& split) {
  if (name == "images") {
    DataConfig cfg;
    cfg.dataset = name;
    cfg.dir = dir_in;
    return load(cfg, split);
  }
  if (dir_in.empty() && !is_known(name))
    throw UserError("unknown dataset '" + name + "'; known: " + registry::joined(registry::dataset_names()) +
                    " (or set data.dir)");
  if (split != "train" && split != "test") throw std::invalid_argument("split must be train or test");
  // The toys are generated: 100,000 training points, 2,500 test points (the PacGAN evaluation size).
  if (is_toy(name)) return split == "train" ? make_toy(name, 100000, 1) : make_toy(name, 2500, 2);
  // Stacked MNIST is made from the MNIST split of the same name (`dir` is then the MNIST folder).
  if (name == "stacked-mnist")
    return split == "train" ? make_stacked(load("mnist", dir_in, "train"), 50000, 11)
                            : make_stacked(load("mnist", dir_in, "test"), 10000, 12);
  const std::string dir = dir_in.empty() ? default_dir(name) : dir_in;
  std::error_code ec;
  if (!fsys::is_directory(dir, ec)) throw UserError(dir + ": data directory not found");
  const std::string prefix = split == "train" ? "train" : "t10k";
  idx::Images im;
  idx::Labels lb;
  idx::read_pair(find_file(dir, prefix + "-images-idx3-ubyte"), find_file(dir, prefix + "-labels-idx1-ubyte"),
                 im, lb);
  Dataset ds;
  ds.name = name;
  const int64_t n = im.count;
  ds.images = adopt(std::move(im.pixels), {n, 1, int64_t{im.rows}, int64_t{im.cols}});
  ds.labels = torch::from_blob(lb.values.data(), {n}, torch::kUInt8).to(torch::kInt64);
  return ds;
}

namespace {

// A relative data.dir under data/ that is not found from here is looked for where the built-in sets are
// (so the example configs run from any folder).
std::string resolve_images(const std::string& dir) {
  std::error_code ec;
  const fsys::path p(dir);
  if (fsys::exists(p, ec) || p.is_absolute() || p.begin() == p.end() || *p.begin() != "data") return dir;
  const std::string found = default_dir(fsys::path(dir).lexically_relative("data").string());
  return fsys::exists(found, ec) ? found : dir;
}

Dataset load_images(DataConfig cfg, FILE* console) {
  cfg.dir = resolve_images(cfg.dir);
  const bool pack = is_pack(cfg.dir);
  ImageSet set = pack ? read_pack(cfg.dir) : read_image_folder(cfg.dir, image_options(cfg), console);
  const std::string info = describe_json(set, pack ? "pack" : "folder");
  Dataset ds = from_image_set(std::move(set));
  ds.info_json = info;
  return ds;
}

// Built-in images brought to data.resolution and data.channels, fitted as an image folder's are.
void fit_dataset(Dataset& ds, const DataConfig& cfg) {
  if (ds.is_points()) return;
  ImageOptions opts = image_options(cfg);
  const int64_t c = ds.images.size(1), h = ds.images.size(2), w = ds.images.size(3);
  if (opts.channels == 0) opts.channels = c;
  if (opts.resolution == 0) opts.resolution = opts.fit == "pad" ? std::max(h, w) : std::min(h, w);
  if (opts.channels == c && opts.resolution == h && h == w) return;
  const torch::Tensor hwc = ds.images.permute({0, 2, 3, 1}).contiguous();
  const int64_t n = ds.size();
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(n * opts.channels * opts.resolution * opts.resolution));
  const uint8_t* src = hwc.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) fit_image(src + i * h * w * c, w, h, c, opts, out);
  ds.images = adopt(std::move(out), {n, opts.channels, opts.resolution, opts.resolution});
}

}  // namespace

ImageSet to_image_set(const Dataset& ds, const std::string& source) {
  if (ds.is_points()) throw UserError(source + ": 2D points are not images");
  ImageSet set;
  set.count = ds.size();
  set.channels = ds.images.size(1);
  set.resolution = ds.images.size(2);
  if (ds.images.size(2) != ds.images.size(3)) throw UserError(source + ": images are not square");
  const auto px = ds.images.contiguous();
  set.pixels.assign(px.data_ptr<uint8_t>(), px.data_ptr<uint8_t>() + px.numel());
  const auto lb = ds.labels.to(torch::kInt32).contiguous();
  set.labels.assign(lb.data_ptr<int32_t>(), lb.data_ptr<int32_t>() + lb.numel());
  if (ds.paired()) {
    const auto in = ds.inputs.contiguous();
    set.input_channels = in.size(1);
    set.inputs.assign(in.data_ptr<uint8_t>(), in.data_ptr<uint8_t>() + in.numel());
  }
  set.classes = ds.classes;
  if (set.classes.empty())
    for (int64_t k = 0; k <= ds.labels.max().item<int64_t>(); ++k) set.classes.push_back(std::to_string(k));
  set.source = source;
  return set;
}

Dataset from_image_set(ImageSet set) {
  Dataset ds;
  ds.name = "images";
  ds.classes = set.classes;
  ds.labels = torch::from_blob(set.labels.data(), {set.count}, torch::kInt32).to(torch::kInt64);
  ds.images = adopt(std::move(set.pixels), {set.count, set.channels, set.resolution, set.resolution});
  if (set.paired()) ds.inputs = adopt(std::move(set.inputs), {set.count, set.input_channels, set.resolution, set.resolution});
  return ds;
}

namespace {

// data.pairs = "edges": each image's edge map becomes its input (data/edges.h, default options), made from
// the images in place (no copy of them through an ImageSet).
void add_pairs(Dataset& ds, const DataConfig& cfg) {
  if (cfg.pairs.empty() || ds.paired()) return;
  const torch::Tensor px = ds.images.contiguous();
  const int64_t n = px.size(0), c = px.size(1), r = px.size(2);
  if (px.size(3) != r) throw UserError(ds.name + ": images are not square");
  ds.inputs = adopt(edge_maps(px.data_ptr<uint8_t>(), n, c, r, EdgeOptions{}), {n, 1, r, r});
}

}  // namespace

Dataset load(const DataConfig& cfg, const std::string& split, FILE* console) {
  if (cfg.dataset != "images") {
    Dataset ds = load(cfg.dataset, cfg.dir, split);
    fit_dataset(ds, cfg);
    add_pairs(ds, cfg);
    return ds;
  }
  if (cfg.dir.empty()) throw UserError("data.dataset = images needs data.dir (or --data): a folder of images or a pack");
  Dataset ds = load_images(cfg, console);
  add_pairs(ds, cfg);
  return ds;
}

torch::Tensor to_signed_unit(const torch::Tensor& u8) {
  return u8.to(torch::kFloat32).mul_(2.0f / 255.0f).sub_(1.0f);
}

torch::Tensor to_uint8(const torch::Tensor& x) {
  return x.detach().to(torch::kCPU, torch::kFloat32).add(1.0f).mul_(127.5f).round_().clamp_(0, 255).to(torch::kUInt8);
}

BatchSampler::BatchSampler(int64_t n, int64_t batch, uint64_t seed)
    : n_(n), batch_(batch), gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  if (batch <= 0) throw std::invalid_argument("BatchSampler: batch must be positive");
  if (n < batch)
    throw UserError("dataset has " + std::to_string(n) + " examples, fewer than data.batch_size = " +
                    std::to_string(batch));
  reshuffle();
}

void BatchSampler::reshuffle() { perm_ = torch::randperm(n_, gen_, torch::kInt64); }

torch::Tensor BatchSampler::next() {
  if (pos_ + batch_ > n_) {
    ++epoch_;
    pos_ = 0;
    reshuffle();
  }
  auto idx = perm_.slice(0, pos_, pos_ + batch_);
  pos_ += batch_;
  return idx;
}

torch::Tensor BatchSampler::generator_state() const {
  at::Generator gen = gen_;  // shares the implementation; a non-const handle for the lock
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void BatchSampler::restore(const torch::Tensor& state, const torch::Tensor& permutation, int64_t epoch,
                           int64_t position) {
  // A permutation of 0 .. n-1 and a position inside it, or the data order would index outside the data.
  const bool is_permutation = permutation.scalar_type() == torch::kInt64 && permutation.dim() == 1 &&
                              permutation.numel() == n_ &&
                              std::get<0>(permutation.sort()).equal(torch::arange(n_, torch::kInt64));
  if (!is_permutation || position < 0 || position > n_)
    throw UserError("checkpoint data-order state does not match this dataset (" + std::to_string(n_) +
                    " examples)");
  {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    gen_.set_state(state);
  }
  perm_ = permutation.clone();
  epoch_ = epoch;
  pos_ = position;
}

}  // namespace ganforge::data
