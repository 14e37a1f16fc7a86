#include "ganforge/serve/generators.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <list>
#include <mutex>

#include "ganforge/app/translate.h"
#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/data/dataset.h"
#include "ganforge/eval/metrics.h"
#include "ganforge/io/grid.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"

namespace ganforge::serve {
namespace {

// A loaded checkpoint: its generator, and (2D runs, on first use) its discriminator and real points.
struct Loaded {
  std::string key;  // path and modification time
  run::GeneratorSnapshot g;
  models::Discriminator d;
  data::Dataset real;
  std::string loss;  // the run's loss.type, read with D
  std::mutex use;  // modules switch modes while sampling: one request at a time per checkpoint
};

std::string key_of(const std::string& path) {
  std::error_code ec;
  const auto t = std::filesystem::last_write_time(path, ec);
  return path + "@" + std::to_string(t.time_since_epoch().count());
}

torch::Tensor labels_for(run::GeneratorSnapshot& g, int64_t n, int64_t label) {
  const int64_t classes = g.sampler()->classes();
  if (label >= 0 && classes == 0) throw UserError("label: this run's generator is not conditional");
  if (label >= classes && classes > 0)
    throw UserError("label " + std::to_string(label) + " is out of range: the run has " + std::to_string(classes) + " classes");
  if (label >= 0) return torch::full({n}, label, torch::kInt64);
  return {};
}

torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t) {
  const auto an = a / a.norm(), bn = b / b.norm();
  const double omega = std::acos(std::clamp((an * bn).sum().item<double>(), -1.0, 1.0));
  if (omega < 1e-6) return (1 - t) * a + t * b;
  return (std::sin((1 - t) * omega) * a + std::sin(t * omega) * b) / std::sin(omega);
}

// Image 0 of `sample --seed s`: the first noise vector its generator draws.
torch::Tensor first_z(const ModelConfig& cfg, int64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  return models::sample_noise(cfg, 1, gen)[0];
}

class SnapshotCache : public Generators {
 public:
  explicit SnapshotCache(size_t cache) : capacity_(cache) {}

  std::vector<uint8_t> grid(const std::string& checkpoint, int64_t n, int64_t seed, int64_t label) override {
    auto e = get(checkpoint);
    std::lock_guard<std::mutex> lock(e->use);
    const torch::Tensor images = run::generate(e->g, n, seed, 1024, labels_for(e->g, n, label));
    if (images.dim() == 2) {
      real_points(*e);
      return png::encode(grid::scatter(images, e->real.points));
    }
    return png::encode(grid::make(images));
  }

  std::vector<uint8_t> interpolation(const std::string& checkpoint, int64_t seed_a, int64_t seed_b, int64_t rows,
                                     int64_t steps, bool spherical, int64_t label) override {
    auto e = get(checkpoint);
    std::lock_guard<std::mutex> lock(e->use);
    if (e->g.image_shape.size() != 3) throw UserError("interpolation is for image generators; this run makes 2D points");
    std::vector<torch::Tensor> zs;
    for (int64_t r = 0; r < rows; ++r) {
      const auto a = first_z(e->g.model, seed_a + r), b = first_z(e->g.model, seed_b + r);
      for (int64_t i = 0; i < steps; ++i) {
        const double t = static_cast<double>(i) / static_cast<double>(steps - 1);
        zs.push_back(spherical ? slerp(a, b, t) : (1 - t) * a + t * b);
      }
    }
    const auto z = torch::stack(zs);
    torch::Tensor labels = labels_for(e->g, z.size(0), label);
    if (!labels.defined() && e->g.sampler()->classes() > 0) labels = torch::zeros({z.size(0)}, torch::kInt64);
    torch::InferenceMode guard;
    auto& net = *e->g.sampler();
    net.eval();
    return png::encode(grid::make(net.generate(z, labels), steps));
  }

  nlohmann::json toy(const std::string& checkpoint, int64_t n, int64_t seed, int64_t resolution) override;

  std::vector<uint8_t> translation(const std::string& checkpoint, const std::vector<uint8_t>& drawing) override {
    auto e = get(checkpoint);
    std::lock_guard<std::mutex> lock(e->use);
    if (e->g.model.arch != "pix2pix")
      throw UserError("this run samples from noise (model.arch = '" + e->g.model.arch +
                      "'): drawings are translated by image-to-image runs (pix2pix)");
    if (e->g.model.input_channels != 1)
      throw UserError("this run translates " + std::to_string(e->g.model.input_channels) +
                      "-channel inputs, not sketches");
    const int64_t r = e->g.image_shape[1];
    std::vector<uint8_t> sketch = drawing_to_sketch(drawing, "the drawing", r);
    const torch::Tensor input = data::to_signed_unit(torch::from_blob(sketch.data(), {1, 1, r, r}, torch::kUInt8));
    const torch::Tensor made = run::translate(*e->g.sampler(), input);
    return png::encode(pair_picture(input, made));
  }

 private:
  std::shared_ptr<Loaded> get(const std::string& checkpoint) {
    const std::string key = key_of(checkpoint);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = cache_.begin(); it != cache_.end(); ++it)
        if ((*it)->key == key) {
          cache_.splice(cache_.begin(), cache_, it);  // most recently used first
          return cache_.front();
        }
    }
    auto e = std::make_shared<Loaded>();  // loaded outside the lock: other checkpoints stay served
    e->key = key;
    e->g = run::load_snapshot(checkpoint);
    std::lock_guard<std::mutex> lock(mu_);
    cache_.push_front(e);
    while (cache_.size() > capacity_) cache_.pop_back();
    return e;
  }

  void real_points(Loaded& e) {
    if (!e.real.points.defined()) e.real = data::load(e.g.data.dataset, e.g.data.dir, "test");
  }

  size_t capacity_;
  std::mutex mu_;
  std::list<std::shared_ptr<Loaded>> cache_;
};

nlohmann::json to_json(const torch::Tensor& t) {
  const auto c = t.to(torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

nlohmann::json SnapshotCache::toy(const std::string& checkpoint, int64_t n, int64_t seed, int64_t resolution) {
  auto e = get(checkpoint);
  std::lock_guard<std::mutex> lock(e->use);
  if (e->g.image_shape.size() != 1) throw UserError("the 2D view is for runs on 2D data (ring8, grid25)");
  real_points(*e);
  if (!e->d) {  // D and the loss (how to read D's output) come from one more read, for 2D runs only
    run::CheckpointReader r(checkpoint);
    e->loss = parse_config(r.text("config"), checkpoint + " (stored config)").loss.type;
    e->d = models::make_discriminator(e->g.model, e->g.image_shape);
    r.module("discriminator", *e->d);
    e->d->eval();
  }
  const torch::Tensor fake = run::generate(e->g, n, seed);
  const double extent = 1.2 * e->real.points.abs().max().item<double>();
  torch::InferenceMode guard;
  const auto axis = torch::linspace(-extent, extent, resolution, torch::kFloat32);
  const auto grid_pts = torch::stack({axis.repeat(resolution), axis.repeat_interleave(resolution)}, 1);  // row = y
  // A PacGAN D judges packs: each cell is judged as a pack of copies of its point.
  const int64_t pack = e->g.model.pack;
  auto scores = e->d->forward(grid_pts.repeat_interleave(pack, 0)).reshape({-1});
  const bool probability = e->loss == "gan";
  if (probability) scores = torch::sigmoid(scores);
  const auto stats = metrics::mode_stats(fake, e->real.modes, e->real.mode_std);
  const int64_t shown = std::min<int64_t>(2000, e->real.points.size(0));
  return {{"extent", extent},
          {"resolution", resolution},
          {"real", to_json(e->real.points.narrow(0, 0, shown))},
          {"fake", to_json(fake)},
          {"d", to_json(scores)},
          {"d_kind", probability ? "probability" : "score"},
          {"modes", {{"covered", stats.covered}, {"of", stats.modes}, {"high_quality", stats.high_quality}}},
          {"step", e->g.step}};
}

}  // namespace

std::unique_ptr<Generators> make_generators(size_t cache) { return std::make_unique<SnapshotCache>(cache); }

}  // namespace ganforge::serve
