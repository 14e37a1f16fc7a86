#include <chrono>
#include <cstdio>
#include <filesystem>

#include <sys/resource.h>

#include "commands.h"
#include "ganforge/core/error.h"
#include "ganforge/data/dataset.h"
#include "ganforge/data/edges.h"
#include "ganforge/data/images.h"
#include "ganforge/io/png.h"

namespace ganforge::cli {
namespace {

std::string summary(const data::ImageSet& set) {
  char text[160];
  std::snprintf(text, sizeof text, "%lld images%s, %lldx%lldx%lld, %.1f MiB", static_cast<long long>(set.count),
                set.labelled() ? (" in " + std::to_string(set.classes.size()) + " classes").c_str() : " (unlabelled)",
                static_cast<long long>(set.channels), static_cast<long long>(set.resolution),
                static_cast<long long>(set.resolution), static_cast<double>(set.pixels.size()) / (1 << 20));
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct PrepareArgs {
  std::string from, out, preview, split = "train";
  DataConfig data;  // how images are fitted: the [data] keys of a training config
  int64_t per_class = 0;
  int64_t seed = 0;
  data::EdgeOptions edges;  // data edges
};

// --from: a folder of images, a pack, or the name of a built-in image set (its --split, fitted by the options).
data::ImageSet read_source(const PrepareArgs& a) {
  if (data::is_pack(a.from)) return data::read_pack(a.from);
  std::error_code ec;
  if (!std::filesystem::exists(a.from, ec) && data::is_known(a.from) && !data::is_toy(a.from)) {
    DataConfig cfg = a.data;
    cfg.dataset = a.from;
    return data::to_image_set(data::load(cfg, a.split), a.from + " (" + a.split + ")");
  }
  return data::read_image_folder(a.from, data::image_options(a.data), stderr);
}

// `data prepare` and `data edges`: read --from, keep --per-class, make the edge maps (edges), write --out.
void run_prepare(const PrepareArgs& a, bool edges) {
  const char* cmd = edges ? "data edges" : "data prepare";
  if (a.data.resolution > 0 && a.data.resolution < 4)
    throw UserError(std::string(cmd) + ": --resolution must be 0 or at least 4");
  std::error_code ec;
  if (std::filesystem::exists(a.out, ec) && !data::is_pack(a.out))
    throw UserError(std::string(cmd) + ": --out " + a.out + " exists and is not an image pack: refusing to replace it");
  const auto start = std::chrono::steady_clock::now();
  data::ImageSet set = read_source(a);
  if (a.per_class > 0) set = data::subset_per_class(set, a.per_class, static_cast<uint64_t>(a.seed));
  if (edges) set = data::with_edges(std::move(set), a.edges);
  data::write_pack(a.out, set);
  if (!a.preview.empty()) png::write(a.preview, data::preview_grid(set, 8));
  const double s = seconds_since(start);
  std::printf("%s: %s%s -> %s in %.1f s (%.0f images/s)%s\n", cmd, summary(set).c_str(),
              edges ? (", inputs " + set.inputs_from).c_str() : "", a.out.c_str(), s, static_cast<double>(set.count) / s,
              set.skipped.empty() ? "" : (", " + std::to_string(set.skipped.size()) + " skipped").c_str());
}

// Reads a folder or a pack the way training does and says what is in it, how fast it loaded and the
// process's peak memory.
void run_info(const PrepareArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const bool pack = data::is_pack(a.from);
  const data::ImageSet set = pack ? data::read_pack(a.from) : data::read_image_folder(a.from, data::image_options(a.data), stderr);
  const double s = seconds_since(start);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("data info: %s: %s %s%s, read in %.2f s (%.0f images/s), peak memory %.0f MiB\n", a.from.c_str(),
              pack ? "pack" : "folder", summary(set).c_str(), set.paired() ? (", paired with " + set.inputs_from).c_str() : "",
              s, static_cast<double>(set.count) / s, static_cast<double>(usage.ru_maxrss) / 1024);
  if (set.labelled()) {
    std::vector<int64_t> per(set.classes.size(), 0);
    for (int32_t l : set.labels) ++per[static_cast<size_t>(l)];
    for (size_t k = 0; k < per.size(); ++k)
      std::printf("  %zu %s: %lld\n", k, set.classes[k].c_str(), static_cast<long long>(per[k]));
  }
  if (!a.preview.empty()) png::write(a.preview, data::preview_grid(set, 8));
}

void add_image_options(CLI::App* cmd, DataConfig& o) {
  cmd->add_option("--resolution", o.resolution, "square side (e.g. 28, 32, 64); 0: the images' own")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--channels", o.channels, "1 (grey) or 3 (RGB); 0: 3 if any image has colour")
      ->check(CLI::IsMember({0, 1, 3}));
  cmd->add_option("--fit", o.fit, "non-square images: crop (centre) or pad (black)")->check(CLI::IsMember({"crop", "pad"}));
  cmd->add_option("--resize", o.resize, "bilinear (antialiased) or area")->check(CLI::IsMember({"bilinear", "area"}));
  cmd->add_flag("--skip-bad", o.skip_bad, "skip unreadable or stray files and empty classes with a warning");
}

// --from, --split, --per-class and --seed: where `prepare` and `edges` take their images from.
void add_source_options(CLI::App* cmd, PrepareArgs& a, const std::string& from_help) {
  cmd->add_option("--from", a.from, from_help)->required();
  cmd->add_option("--split", a.split, "built-in sets: train (default) or test")->check(CLI::IsMember({"train", "test"}));
  cmd->add_option("--per-class", a.per_class, "keep at most K images of each class, chosen at random (--seed)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a.seed, "seed of --per-class's choice")->check(CLI::NonNegativeNumber);
}

}  // namespace

void add_data(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "work with datasets of your own images");
  data->require_subcommand(1);
  auto a = std::make_shared<PrepareArgs>();
  CLI::App* prep = data->add_subcommand(
      "prepare", "decode a folder of PNG/JPEG images once into a checksummed pack that training reads fast");
  add_source_options(prep, *a,
                     "folder of images (class sub-folders, whose names are the labels, or none), a pack, or a "
                     "built-in image set: mnist, fashion-mnist, stacked-mnist");
  prep->add_option("--out", a->out, "the pack to write (train with --data FILE or data.dir = FILE)")->required();
  add_image_options(prep, a->data);
  prep->add_option("--preview", a->preview, "also write a PNG grid of the first images of each class");
  prep->callback([a]() { run_prepare(*a, false); });
  auto e = std::make_shared<PrepareArgs>();
  CLI::App* edges = data->add_subcommand(
      "edges", "pair each image with its edge map (Canny), black strokes on white: data for image-to-image translation");
  add_source_options(edges, *e, "folder of images, a pack, or a built-in image set: mnist, fashion-mnist, stacked-mnist");
  edges->add_option("--out", e->out, "the paired pack to write")->required();
  add_image_options(edges, e->data);
  edges->add_option("--blur", e->edges.blur, "sigma of the Gaussian blur before Canny, in pixels (0: none)")->capture_default_str();
  edges->add_option("--low", e->edges.low, "Canny's lower hysteresis threshold (gradient magnitude)")->capture_default_str();
  edges->add_option("--high", e->edges.high, "Canny's upper hysteresis threshold")->capture_default_str();
  edges->add_option("--preview", e->preview, "also write a PNG grid of (edges | image) pairs, a row per class");
  edges->callback([e]() { run_prepare(*e, true); });
  auto b = std::make_shared<PrepareArgs>();
  CLI::App* info = data->add_subcommand("info", "read a folder of images or a pack as training would and summarise it");
  info->add_option("--data,data", b->from, "folder of images or a pack")->required();
  add_image_options(info, b->data);
  info->add_option("--preview", b->preview, "also write a PNG grid of the first images of each class");
  info->callback([b]() { run_info(*b); });
}

}  // namespace ganforge::cli
