#include "ganforge/sample.h"

#include <ATen/CPUGeneratorImpl.h>

#include "ganforge/checkpoint.h"
#include "ganforge/data.h"
#include "ganforge/error.h"
#include "ganforge/fs.h"
#include "ganforge/generate.h"
#include "ganforge/grid.h"
#include "ganforge/idx.h"

namespace ganforge {

LoadedGenerator load_generator(const std::string& run_dir, const std::string& checkpoint) {
  const std::string ckpt = !checkpoint.empty() ? checkpoint : newest_usable_checkpoint(run_dir, stderr);
  const CheckpointInfo info = read_checkpoint_info(ckpt);
  Config cfg = parse_config(info.config_text, ckpt + " (stored config)");
  cfg.device = "cpu";  // sampling runs where this process runs
  LoadedGenerator g{ckpt, make_state(cfg, info.image_shape, 0)};
  load_checkpoint(ckpt, g.state, /*generator_only=*/true);
  return g;
}

torch::Tensor generate(TrainState& s, int64_t n, int64_t seed, int64_t batch) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  torch::InferenceMode guard;
  auto& net = s.sampling_generator();
  const bool was_training = net->is_training();
  net->eval();
  const auto device = net->parameters().front().device();
  std::vector<torch::Tensor> parts;
  for (int64_t done = 0; done < n; done += batch) {
    const int64_t b = std::min(batch, n - done);
    parts.push_back(net->forward(models::sample_noise(s.cfg, b, gen).to(device)).cpu());
  }
  if (was_training) net->train();
  return torch::cat(parts);
}

torch::Tensor generate(LoadedGenerator& g, int64_t n, int64_t seed, int64_t batch) {
  return generate(g.state, n, seed, batch);
}

std::string sample(const SampleOptions& opts) {
  const bool to_png = fs::ends_with(opts.out, ".png");
  const bool to_idx = fs::ends_with(opts.out, ".idx") || fs::ends_with(opts.out, ".idx.gz");
  const bool to_csv = fs::ends_with(opts.out, ".csv");
  if (!to_png && !to_idx && !to_csv)
    throw UserError("--out " + opts.out + ": use a .png, .idx, .idx.gz or (2D data) .csv file name");
  if (opts.n <= 0) throw UserError("--n must be positive");
  LoadedGenerator g = load_generator(opts.run_dir, opts.checkpoint);
  const std::string& ckpt = g.checkpoint;
  const Config& cfg = g.state.cfg;
  if (to_png && opts.n > 4096 && g.state.image_shape.size() == 3)
    throw UserError("--n " + std::to_string(opts.n) + " is too many for one PNG grid (max 4096); write .idx.gz");
  const torch::Tensor images = generate(g, opts.n, opts.seed, opts.batch);  // [N, C, H, W] or [N, 2] points
  if (images.dim() == 2) {  // 2D points
    if (to_idx) throw UserError("--out " + opts.out + ": this generator makes 2D points: write .csv or .png");
    if (to_png) {
      const data::Dataset real = data::load(cfg.dataset, cfg.data_dir, "test");
      grid::write_scatter_png(opts.out, images, real.is_points() ? real.points : torch::Tensor());
    } else {
      std::string text = "x,y\n";
      const auto p = images.to(torch::kFloat64).contiguous();
      const double* v = p.data_ptr<double>();
      char line[64];
      for (int64_t i = 0; i < p.size(0); ++i) {
        std::snprintf(line, sizeof line, "%.7g,%.7g\n", v[2 * i], v[2 * i + 1]);
        text += line;
      }
      fs::write_text_atomic(opts.out, text);
    }
    return ckpt;
  }
  if (to_csv) throw UserError("--out " + opts.out + ": .csv is for 2D point data; this generator makes images");
  if (to_png) {
    grid::write_png(opts.out, images);
  } else {
    if (images.size(1) != 1)
      throw UserError("--out " + opts.out + ": IDX holds grey images only; this generator makes " +
                      std::to_string(images.size(1)) + " channels");
    const auto u8 = data::to_uint8(images).contiguous();
    idx::Images im;
    im.count = static_cast<uint32_t>(images.size(0));
    im.rows = static_cast<uint32_t>(images.size(2));
    im.cols = static_cast<uint32_t>(images.size(3));
    im.pixels.assign(u8.data_ptr<uint8_t>(), u8.data_ptr<uint8_t>() + u8.numel());
    idx::write_images(opts.out, im);
  }
  return ckpt;
}

}  // namespace ganforge
