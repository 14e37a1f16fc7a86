#include "ganforge/app/augment.h"

#include <filesystem>

#include "ganforge/app/sample.h"
#include "ganforge/core/error.h"
#include "ganforge/core/registry.h"
#include "ganforge/data/dataset.h"
#include "ganforge/data/images.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/idx.h"
#include "ganforge/io/png.h"
#include "ganforge/run/export.h"
#include "ganforge/run/snapshot.h"

namespace ganforge {
namespace {
namespace fsys = std::filesystem;

struct Labelled {
  torch::Tensor images;  // uint8 [N, C, H, W]
  torch::Tensor labels;  // int64 [N]
};

// Conditional: per_class images of each class, asked of the generator.
Labelled by_class(run::GeneratorSnapshot& g, const AugmentOptions& opts, AugmentResult& r) {
  const int64_t k = g.sampler()->classes();
  const torch::Tensor labels = torch::arange(k, torch::kInt64).repeat_interleave(opts.per_class);
  r.drawn = labels.numel();
  r.labels_from = "the generator (conditional: each image is of the class asked for)";
  r.per_class.assign(static_cast<size_t>(k), opts.per_class);
  return {data::to_uint8(run::generate(g, r.drawn, opts.seed, 1024, labels)), labels};
}

// Unconditional: samples labelled by the dataset's evaluator, kept when it is confident.
Labelled by_evaluator(run::GeneratorSnapshot& g, const AugmentOptions& opts, AugmentResult& r) {
  const std::string& dataset = g.data.dataset;
  if (!data::is_known(dataset) || !*registry::dataset(dataset).evaluator || registry::dataset(dataset).per_channel)
    throw UserError("augment: this run's generator is unconditional and '" + dataset +
                    "' has no evaluator to label its samples: train a conditional GAN (model.conditional)");
  auto ex = evaluator::load_or_train(registry::dataset(dataset).evaluator, g.data.dir, opts.console);
  std::vector<torch::Tensor> images, labels;
  const int64_t round_n = 1000;
  int64_t budget = opts.max_draws;  // 0 until the evaluator's class count is known (first round)
  for (int64_t round = 0; budget == 0 || r.drawn < budget; ++round) {
    const torch::Tensor x = run::generate(g, round_n, opts.seed + round);
    r.drawn += round_n;
    const torch::Tensor probs = evaluator::extract(*ex, x).probs;
    if (r.per_class.empty()) r.per_class.assign(static_cast<size_t>(probs.size(1)), 0);
    if (budget == 0) budget = 20 * opts.per_class * probs.size(1);
    const auto [conf, pred] = probs.max(1);
    const auto p = conf.accessor<float, 1>();
    const auto c = pred.accessor<int64_t, 1>();
    std::vector<int64_t> keep;
    for (int64_t i = 0; i < round_n; ++i)
      if (p[i] >= opts.min_confidence && r.per_class[c[i]] < opts.per_class) keep.push_back(i), ++r.per_class[c[i]];
    const torch::Tensor idx = torch::tensor(keep, torch::kInt64);
    images.push_back(data::to_uint8(x.index_select(0, idx)));
    labels.push_back(pred.index_select(0, idx));
    if (*std::min_element(r.per_class.begin(), r.per_class.end()) >= opts.per_class) break;
  }
  char text[120];
  std::snprintf(text, sizeof text, "the %s evaluator (its most likely class, kept when p >= %.2f)",
                registry::dataset(dataset).evaluator, opts.min_confidence);
  r.labels_from = text;
  return {torch::cat(images), torch::cat(labels)};
}

void write_folder(const std::string& out, const data::ImageSet& set) {
  std::error_code ec;
  if (fsys::exists(out, ec)) throw UserError("augment: --out " + out + " exists: give a new folder name");
  const std::string tmp = out + ".tmp";
  fsys::remove_all(tmp, ec);
  const size_t per = static_cast<size_t>(set.channels * set.resolution * set.resolution);
  for (const auto& c : set.classes) fsys::create_directories(fsys::path(tmp) / c);
  for (int64_t i = 0; i < set.count; ++i) {
    png::Image im;
    im.width = im.height = static_cast<uint32_t>(set.resolution);
    im.channels = static_cast<uint32_t>(set.channels);
    im.data.resize(per);
    const int64_t plane = set.resolution * set.resolution;
    for (int64_t p = 0; p < plane; ++p)  // planar [C, H, W] -> interleaved [H, W, C]
      for (int64_t c = 0; c < set.channels; ++c) im.data[p * set.channels + c] = set.pixels[i * per + c * plane + p];
    char name[32];
    std::snprintf(name, sizeof name, "%07lld.png", static_cast<long long>(i));
    png::write((fsys::path(tmp) / set.classes[set.labels[i]] / name).string(), im);
  }
  fsys::rename(tmp, out);
}

void write_idx(const std::string& out, const data::ImageSet& set) {
  if (set.channels != 1) throw UserError("augment: --out " + out + ": IDX holds grey images; write .pack or a folder");
  if (set.classes.size() > 256) throw UserError("augment: --out " + out + ": IDX labels are bytes");
  idx::Images im;
  im.count = static_cast<uint32_t>(set.count);
  im.rows = im.cols = static_cast<uint32_t>(set.resolution);
  im.pixels = set.pixels;
  idx::Labels lb;
  lb.values.assign(set.labels.begin(), set.labels.end());
  idx::write_images(out, im);
  idx::write_labels(label_path(out), lb);
}

}  // namespace

AugmentResult augment(const AugmentOptions& opts) {
  if (opts.per_class <= 0) throw UserError("augment: --per-class must be positive");
  if (opts.out.empty()) throw UserError("augment: --out is required");
  run::GeneratorSnapshot g = run::load_snapshot(opts.run_dir, opts.checkpoint);
  if (g.image_shape.size() != 3) throw UserError("augment: this run makes 2D points, not images");
  AugmentResult r;
  const Labelled l = g.sampler()->classes() > 0 ? by_class(g, opts, r) : by_evaluator(g, opts, r);
  if (l.labels.numel() == 0)
    throw UserError("augment: none of " + std::to_string(r.drawn) + " samples reached the confidence asked for");
  // The run's class names (image folders), else "0" .. "K-1".
  if (!opts.run_dir.empty()) r.classes = run::class_names(opts.run_dir);
  if (r.classes.size() != r.per_class.size()) {
    r.classes.clear();
    for (size_t k = 0; k < r.per_class.size(); ++k) r.classes.push_back(std::to_string(k));
  }
  data::Dataset ds;
  ds.images = l.images;
  ds.labels = l.labels;
  ds.classes = r.classes;
  const data::ImageSet set = data::to_image_set(ds, "ganforge augment of " + g.checkpoint);
  if (fs::ends_with(opts.out, ".pack"))
    data::write_pack(opts.out, set);
  else if (fs::ends_with(opts.out, ".idx") || fs::ends_with(opts.out, ".idx.gz"))
    write_idx(opts.out, set);
  else
    write_folder(opts.out, set);
  return r;
}

}  // namespace ganforge
