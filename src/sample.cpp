#include "ganforge/sample.h"

#include <ATen/CPUGeneratorImpl.h>

#include "ganforge/checkpoint.h"
#include "ganforge/data.h"
#include "ganforge/error.h"
#include "ganforge/fs.h"
#include "ganforge/grid.h"
#include "ganforge/idx.h"
#include "ganforge/run_dir.h"

namespace ganforge {

std::string sample(const SampleOptions& opts) {
  const bool to_png = fs::ends_with(opts.out, ".png");
  const bool to_idx = fs::ends_with(opts.out, ".idx") || fs::ends_with(opts.out, ".idx.gz");
  if (!to_png && !to_idx) throw UserError("--out " + opts.out + ": use a .png, .idx or .idx.gz file name");
  if (opts.n <= 0) throw UserError("--n must be positive");
  if (to_png && opts.n > 4096) throw UserError("--n " + std::to_string(opts.n) + " is too many for one PNG grid (max 4096); write .idx.gz");
  const std::string ckpt =
      !opts.checkpoint.empty() ? opts.checkpoint : newest_usable_checkpoint(opts.run_dir, stderr);

  const CheckpointInfo info = read_checkpoint_info(ckpt);
  Config cfg = parse_config(info.config_text, ckpt + " (stored config)");
  cfg.device = "cpu";  // sampling runs where this process runs
  TrainState s = make_state(cfg, info.image_shape, 0);
  load_checkpoint(ckpt, s, /*generator_only=*/true);

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(opts.seed));
  torch::InferenceMode guard;
  auto& g = s.sampling_generator();
  g->eval();
  std::vector<torch::Tensor> parts;
  for (int64_t done = 0; done < opts.n; done += opts.batch) {
    const int64_t b = std::min(opts.batch, opts.n - done);
    parts.push_back(g->forward(models::sample_noise(cfg, b, gen)));
  }
  const torch::Tensor images = torch::cat(parts);  // [N, C, H, W] in [-1, 1]
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
