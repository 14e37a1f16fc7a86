#include "ganforge/run/snapshot.h"

#include <ATen/CPUGeneratorImpl.h>

#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/run/checkpoint_file.h"

namespace ganforge::run {

namespace {

CheckpointInfo read_info(CheckpointReader& r) {
  const std::string& path = r.path();
  CheckpointInfo info;
  if (!r.has("config")) throw UserError(path + ": checkpoint holds no config");
  info.config_text = r.text("config");
  torch::Tensor shape;
  if (!r.try_tensor("image_shape", shape) || (shape.numel() != 3 && shape.numel() != 1) ||
      shape.scalar_type() != torch::kInt64)
    throw UserError(path + ": checkpoint holds no image shape");
  info.image_shape = std::vector<int64_t>(shape.data_ptr<int64_t>(), shape.data_ptr<int64_t>() + shape.numel());
  info.step = r.integer("step");
  return info;
}

}  // namespace

CheckpointInfo read_checkpoint_info(const std::string& path) {
  CheckpointReader r(path);
  return read_info(r);
}

GeneratorSnapshot load_snapshot(const std::string& checkpoint) {
  CheckpointReader r(checkpoint);  // sidecar, zip and format checked once
  const CheckpointInfo info = read_info(r);
  GeneratorSnapshot s;
  s.checkpoint = checkpoint;
  // Sampling runs where this process runs: the model is built on the CPU whatever train.device was.
  const Config cfg = parse_config(info.config_text, checkpoint + " (stored config)");
  s.data = cfg.data;
  s.model = cfg.model;
  s.image_shape = info.image_shape;
  s.step = info.step;
  s.g = models::make_generator(s.model, s.image_shape);
  r.module("generator", *s.g);
  // Version 2 names the sampling network; in version 1 it is the EMA generator when the file has one.
  const bool ema = r.version() >= 2 ? r.text("sampling") == "generator_ema" : r.has("generator_ema");
  if (ema) {
    s.g_ema = models::make_generator(s.model, s.image_shape);
    r.module("generator_ema", *s.g_ema);
    s.g_ema->eval();
  }
  s.g->eval();
  return s;
}

GeneratorSnapshot load_snapshot(const std::string& run_dir, const std::string& checkpoint) {
  return load_snapshot(!checkpoint.empty() ? checkpoint : newest_usable_checkpoint(Layout(run_dir), stderr));
}

torch::Tensor noise(const ModelConfig& cfg, int64_t n, int64_t seed, int64_t batch) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  std::vector<torch::Tensor> parts;
  for (int64_t done = 0; done < n; done += batch) parts.push_back(models::sample_noise(cfg, std::min(batch, n - done), gen));
  return torch::cat(parts);
}

torch::Tensor generate(models::GeneratorImpl& net, const ModelConfig& cfg, int64_t n, int64_t seed, int64_t batch,
                       const torch::Tensor& labels_in) {
  if (cfg.arch == "pix2pix")
    throw UserError("this run translates images (model.arch = pix2pix): it makes nothing from noise alone");
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed));
  torch::InferenceMode guard;
  const bool was_training = net.is_training();
  net.eval();
  const auto device = net.parameters().front().device();
  torch::Tensor labels;
  if (net.classes() > 0) {
    labels = labels_in.defined() ? labels_in : models::balanced_labels(n, net.classes());
    TORCH_CHECK(labels.numel() == n, "generate: ", labels.numel(), " labels for ", n, " samples");
  } else if (labels_in.defined()) {
    throw UserError("class labels asked of a generator that was not trained conditionally (model.conditional)");
  }
  std::vector<torch::Tensor> parts;
  for (int64_t done = 0; done < n; done += batch) {
    const int64_t b = std::min(batch, n - done);
    const auto z = models::sample_noise(cfg, b, gen).to(device);
    // fp32 out also under bf16 autocast (a no-op in fp32).
    parts.push_back(net.generate(z, labels.defined() ? labels.narrow(0, done, b).to(device) : labels).cpu().to(torch::kFloat));
  }
  if (was_training) net.train();
  return parts.size() == 1 ? parts[0] : torch::cat(parts);  // one batch: no copy
}

torch::Tensor translate(models::GeneratorImpl& net, const torch::Tensor& inputs, int64_t batch) {
  torch::InferenceMode guard;
  const bool was_training = net.is_training();
  net.eval();
  const auto device = net.parameters().front().device();
  std::vector<torch::Tensor> parts;
  for (int64_t done = 0; done < inputs.size(0); done += batch)
    parts.push_back(net.forward(inputs.narrow(0, done, std::min(batch, inputs.size(0) - done)).to(device)).cpu());
  if (was_training) net.train();
  return parts.size() == 1 ? parts[0] : torch::cat(parts);
}

}  // namespace ganforge::run
