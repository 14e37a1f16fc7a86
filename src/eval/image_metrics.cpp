// The image metrics of a dataset (eval/image_metrics.h): the extractor, the real reference and floor
// features (cached), and every requested metric of a batch of images against them.
#include "ganforge/eval/image_metrics.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>

#include "ganforge/core/error.h"
#include "ganforge/core/registry.h"
#include "ganforge/data/dataset.h"
#include "ganforge/eval/metrics.h"
#include "ganforge/io/archive.h"
#include "ganforge/io/fs.h"
#include "ganforge/ops/precision.h"

namespace ganforge {

nlohmann::json json_number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(v > 0 ? "inf" : "nan");
}

namespace {

namespace fsys = std::filesystem;
using nlohmann::json;

std::set<std::string> parse_metrics(const std::string& list, bool has_classes) {
  std::set<std::string> out;
  if (list.empty() || list == "all") {
    for (const auto& m : registry::metrics())  // CAS trains a classifier: only when asked for
      if (m.by_default && (has_classes || !m.needs_classes)) out.insert(m.name);
    return out;
  }
  std::stringstream ss(list);
  std::string m;
  while (std::getline(ss, m, ',')) {
    const registry::MetricEntry* e = registry::find_metric(m);
    if (!e) throw UserError("eval: unknown metric '" + m + "' (" + registry::joined(registry::metric_names()) + ")");
    if (!has_classes && e->needs_classes)
      throw UserError("eval: metric '" + m + "' needs class probabilities, which a --features extractor lacks");
    out.insert(m);
  }
  return out;
}

// How features are computed, in the cache's file names: features cached by an older computation are not
// mixed with new ones. f2: the built-in evaluator with its batch norms folded (evaluator.cpp).
constexpr const char* kFeaturesVersion = "f2";

// Features of a real split: read from the cache when there, else computed and cached (atomically; a cache
// that cannot be written or read is reported and bypassed, never fatal).
evaluator::Outputs real_outputs(evaluator::Extractor& ex, const data::Dataset& ds, const std::string& split,
                                FILE* console) {
  const std::string data_hash = fs::fnv1a64_hex(ds.images.data_ptr(), static_cast<size_t>(ds.images.numel()));
  const fsys::path file = fsys::path(evaluator::cache_dir()) / "features" /
                          (ds.name + "-" + split + "-" + ex.hash + (ex.bf16 ? "-bf16" : "") + "-" + kFeaturesVersion +
                           "-" + data_hash + ".pt");
  std::error_code ec;
  if (fsys::exists(file, ec)) {
    try {
      const auto bytes = fs::read_file_bytes(file.string());
      torch::serialize::InputArchive ar;
      load_archive(ar, bytes, file.string(), "unreadable feature cache");
      evaluator::Outputs o;
      ar.read("features", o.features);
      if (ex.has_classes()) ar.read("probs", o.probs);
      if (o.features.size(0) == ds.size()) return o;
    } catch (const std::exception& e) {
      if (console) std::fprintf(console, "eval: cached features %s unreadable, recomputing\n", file.c_str());
    }
  }
  if (console) {
    std::fprintf(console, "eval: features of the real %s split (%lld images)...\n", split.c_str(),
                 static_cast<long long>(ds.size()));
    std::fflush(console);
  }
  evaluator::Outputs o = evaluator::extract(ex, ds.images);
  try {
    torch::serialize::OutputArchive ar;
    ar.write("features", o.features);
    if (o.probs.defined()) ar.write("probs", o.probs);
    fsys::create_directories(file.parent_path(), ec);
    fs::write_file_atomic(file.string(), archive_bytes(ar));
  } catch (const UserError& e) {
    if (console) std::fprintf(console, "eval: cannot cache features (%s); continuing\n", e.what());
  }
  return o;
}

// Every requested metric of `fake` against the reference (real train) outputs.
json image_metrics(const std::set<std::string>& which, const evaluator::Outputs& ref, const torch::Tensor& ref_labels,
                   const torch::Tensor& ref_subset, const evaluator::Outputs& fake, uint64_t seed) {
  json j;
  j["n"] = fake.features.size(0);
  if (which.count("fid")) j["fid"] = metrics::fid(ref.features, fake.features);
  if (which.count("kid")) {
    const auto k = metrics::kid(ref.features, fake.features, 100, 1000, seed);
    j["kid"] = {{"mean", k.mean}, {"std", k.std}, {"subsets", k.subsets}, {"subset_size", k.subset_size}};
  }
  if (which.count("is")) {
    // The splits must each be a random sample: conditional runs generate their classes in blocks.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1);
    const auto order = torch::randperm(fake.probs.size(0), gen, torch::kInt64);
    const auto s = metrics::inception_score(fake.probs.index_select(0, order), std::min<int64_t>(10, fake.probs.size(0)));
    j["is"] = {{"mean", s.mean}, {"std", s.std}, {"splits", s.splits}};
  }
  if (which.count("pr") || which.count("dc")) {
    const auto r = metrics::prdc(ref.features.index_select(0, ref_subset), fake.features);
    if (which.count("pr")) j["precision"] = r.precision, j["recall"] = r.recall;
    if (which.count("dc")) j["density"] = r.density, j["coverage"] = r.coverage;
  }
  if (which.count("classes")) {
    const auto c = metrics::class_stats(fake.probs, ref_labels);
    j["classes"] = {{"covered", c.covered}, {"represented", c.represented}, {"of", fake.probs.size(1)}, {"kl", json_number(c.kl)},
                    {"kl_uniform", json_number(c.kl_uniform)}, {"counts", c.counts}};
  }
  return j;
}

}  // namespace

struct ImageMetrics::Impl {
  std::unique_ptr<evaluator::Extractor> ex;
  data::Dataset train;
  FILE* console = nullptr;
  std::optional<evaluator::Outputs> ref_outputs;  // train split features: computed on first need
  evaluator::Outputs test;
  // The reference features, or empty outputs when no requested metric compares features (class statistics
  // need only the labels): a Stacked MNIST reference is 150,000 digit passes.
  const evaluator::Outputs& ref(const std::set<std::string>& which) {
    static const evaluator::Outputs none;
    bool compares_features = false;
    for (const auto& m : which) compares_features = compares_features || registry::metric(m).needs_features;
    if (!compares_features) return none;
    if (!ref_outputs) ref_outputs = real_outputs(*ex, train, "train", console);
    return *ref_outputs;
  }
  torch::Tensor ref_labels, subset_order;  // subset_order: a seeded permutation of the reference rows
  int64_t ref_n = 0;
};

ImageMetrics::ImageMetrics(const std::string& dataset, const std::string& data_dir, const std::string& features,
                           const std::string& evaluator_file, FILE* console, const std::string& precision)
    : impl_(std::make_unique<Impl>()) {
  precision::require(precision, "eval: --precision");
  if (!features.empty() && !evaluator_file.empty()) throw UserError("eval: give --features or --evaluator, not both");
  if (!features.empty()) {
    impl_->ex = evaluator::load_torchscript(features);
  } else if (!evaluator_file.empty()) {
    impl_->ex = evaluator::load(evaluator_file);
  } else {
    const auto& entry = registry::dataset(dataset, "eval: dataset");
    if (*entry.evaluator == 0) throw UserError("eval: no built-in evaluator for '" + dataset + "'; give --features FILE.pt");
    impl_->ex = evaluator::load_or_train(entry.evaluator, data_dir, console);
  }
  // Stacked MNIST: the digit evaluator (built in or given) on each channel; its "classes" are the 1,000 modes.
  if (features.empty() && data::is_known(dataset) && registry::dataset(dataset).per_channel)
    impl_->ex = evaluator::stacked(std::move(impl_->ex));
  impl_->ex->bf16 = precision == "bf16";
  const data::Dataset train = data::load(dataset, data_dir, "train");
  const data::Dataset test = data::load(dataset, data_dir, "test");
  impl_->train = train;
  impl_->console = console;
  impl_->test = real_outputs(*impl_->ex, test, "test", console);
  impl_->ref_labels = train.labels;
  impl_->ref_n = train.size();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(12345);
  impl_->subset_order = torch::randperm(train.size(), gen, torch::kInt64);
}

ImageMetrics::~ImageMetrics() = default;

std::set<std::string> ImageMetrics::parse(const std::string& list) const {
  return parse_metrics(list, impl_->ex->has_classes());
}

json ImageMetrics::measure(const torch::Tensor& images, const std::set<std::string>& which, uint64_t seed,
                          const torch::Tensor& labels) const {
  // Rounded to 8 bits as a PNG or IDX file would store them: no metric sees precision real images lack.
  const auto u8 = images.scalar_type() == torch::kUInt8 ? images : data::to_uint8(images);
  const auto out = evaluator::extract(*impl_->ex, u8);
  // Precision/recall and density/coverage compare against a fixed seeded subset of the reference of the
  // measured set's size (k-NN balls over a whole 60,000-image split would cost 60,000^2 distances).
  const auto subset = impl_->subset_order.narrow(0, 0, std::min(out.features.size(0), impl_->ref_n));
  json j = image_metrics(which, impl_->ref(which), impl_->ref_labels, subset, out, seed);
  // Conditional runs: how often the evaluator names the class G was asked for.
  if (labels.defined() && out.probs.defined())
    j["label_accuracy"] = out.probs.argmax(1).eq(labels.to(torch::kInt64)).to(torch::kFloat64).mean().item<double>();
  return j;
}

json ImageMetrics::floor(const std::set<std::string>& which, uint64_t seed) const {
  const auto subset = impl_->subset_order.narrow(0, 0, std::min(impl_->test.features.size(0), impl_->ref_n));
  json j = image_metrics(which, impl_->ref(which), impl_->ref_labels, subset, impl_->test, seed);
  j["split"] = "test";
  return j;
}

json ImageMetrics::manifest() const {
  const auto& ex = *impl_->ex;
  json j;
  j["extractor"] = {{"name", ex.name}, {"hash", ex.hash}, {"path", ex.path}};
  if (ex.test_accuracy >= 0) j["extractor"]["test_accuracy"] = ex.test_accuracy;
  if (ex.bf16) j["extractor"]["precision"] = "bf16";  // fp32 lines stay as they were
  j["reference"] = {{"split", "train"}, {"n", impl_->ref_n}, {"pr_dc_subset", "seeded subset of the measured set's size"}};
  return j;
}

}  // namespace ganforge
