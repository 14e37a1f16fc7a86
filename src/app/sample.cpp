#include "ganforge/app/sample.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include "ganforge/data/dataset.h"
#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/io/grid.h"
#include "ganforge/io/idx.h"
#include "ganforge/ops/precision.h"

namespace ganforge {

std::string label_path(const std::string& images_path) {
  const bool gz = fs::ends_with(images_path, ".gz");
  const std::string stem = images_path.substr(0, images_path.size() - (gz ? 7 : 4));  // without .idx[.gz]
  return stem + "-labels.idx" + (gz ? ".gz" : "");
}

std::string sample(const SampleOptions& opts) {
  precision::require(opts.precision, "sample: --precision");
  const bool to_png = fs::ends_with(opts.out, ".png");
  const bool to_idx = fs::ends_with(opts.out, ".idx") || fs::ends_with(opts.out, ".idx.gz");
  const bool to_csv = fs::ends_with(opts.out, ".csv");
  const bool to_pt = fs::ends_with(opts.out, ".pt");
  if (!to_png && !to_idx && !to_csv && !to_pt)
    throw UserError("--out " + opts.out + ": use a .png, .idx, .idx.gz, .pt or (2D data) .csv file name");
  if (opts.n <= 0) throw UserError("--n must be positive");
  run::GeneratorSnapshot g = run::load_snapshot(opts.run_dir, opts.checkpoint);
  const std::string& ckpt = g.checkpoint;
  const DataConfig& data_cfg = g.data;
  // Conditional runs: one class (--label K), a row per class (--labels all: n per class), or every class
  // equally often.
  const int64_t classes = g.sampler()->classes();
  if ((opts.label >= 0 || opts.all_labels) && classes == 0)
    throw UserError("--label/--labels: this run's generator is not conditional (model.conditional is off)");
  if (opts.label >= classes && classes > 0)
    throw UserError("--label " + std::to_string(opts.label) + " is out of range: the run has " +
                    std::to_string(classes) + " classes (0 .. " + std::to_string(classes - 1) + ")");
  if (to_idx && classes > 256)
    throw UserError("--out " + opts.out + ": IDX labels are bytes; this run has " + std::to_string(classes) + " classes");
  const int64_t n = opts.all_labels ? opts.n * classes : opts.n;
  if (to_png && n > 4096 && g.image_shape.size() == 3)
    throw UserError("--n " + std::to_string(n) + " images are too many for one PNG grid (max 4096); write .idx.gz");
  torch::Tensor labels;
  if (opts.all_labels)
    labels = torch::arange(classes, torch::kInt64).repeat_interleave(opts.n);
  else if (opts.label >= 0)
    labels = torch::full({n}, opts.label, torch::kInt64);
  else if (classes > 0)
    labels = models::balanced_labels(n, classes);
  torch::Tensor images;  // [N, C, H, W] or [N, 2] points, fp32
  {
    precision::Autocast amp(opts.precision == "bf16");
    images = run::generate(g, n, opts.seed, opts.batch, labels);
  }
  if (to_pt) {  // the values themselves, with the noise behind them: torch.load gives the dict
    c10::Dict<std::string, at::Tensor> d;
    d.insert("z", run::noise(g.model, n, opts.seed, opts.batch));
    d.insert("images", images);
    if (labels.defined()) d.insert("labels", labels);
    const std::vector<char> bytes = torch::pickle_save(d);
    fs::write_file_atomic(opts.out, std::vector<uint8_t>(bytes.begin(), bytes.end()));
    return ckpt;
  }
  if (images.dim() == 2) {  // 2D points
    if (to_idx) throw UserError("--out " + opts.out + ": this generator makes 2D points: write .csv or .png");
    if (to_png) {
      const data::Dataset real = data::load(data_cfg.dataset, data_cfg.dir, "test");
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
    grid::write_png(opts.out, images, opts.all_labels ? opts.n : 0);  // --labels all: a row per class
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
    if (labels.defined()) {  // the classes asked for, beside the images
      idx::Labels lb;
      const auto l8 = labels.to(torch::kUInt8).contiguous();
      lb.values.assign(l8.data_ptr<uint8_t>(), l8.data_ptr<uint8_t>() + l8.numel());
      idx::write_labels(label_path(opts.out), lb);
    }
  }
  return ckpt;
}

}  // namespace ganforge
