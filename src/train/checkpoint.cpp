#include "ganforge/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <zlib.h>

#include <filesystem>

#include "ganforge/archive.h"
#include "ganforge/error.h"
#include "ganforge/fs.h"
#include "ganforge/optim.h"
#include "ganforge/run_dir.h"

namespace ganforge {
namespace {

constexpr const char* kFormat = "ganforge-checkpoint-1";

void write_module(torch::serialize::OutputArchive& ar, const std::string& key, const torch::nn::Module& m) {
  torch::serialize::OutputArchive sub;
  m.save(sub);
  ar.write(key, sub);
}

template <typename Optim>
void write_optim(torch::serialize::OutputArchive& ar, const std::string& key, const Optim& opt) {
  torch::serialize::OutputArchive sub;
  opt.save(sub);
  ar.write(key, sub);
}

// "crc32 <hex> size <bytes>\n" of the archive bytes (zlib's CRC-32).
std::string checksum_line(const void* data, size_t size) {
  const uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), static_cast<const Bytef*>(data), size);
  char buf[64];
  std::snprintf(buf, sizeof buf, "crc32 %08lx size %zu\n", static_cast<unsigned long>(crc), size);
  return buf;
}

// The first non-empty line of an exception message (TorchScript's run over several lines).
std::string first_line(const std::string& text) {
  size_t begin = text.find_first_not_of(" \n");
  if (begin == std::string::npos) return text;
  return text.substr(begin, text.find('\n', begin) - begin);
}

torch::Tensor scalar(int64_t v) { return torch::tensor(v, torch::kInt64); }

int64_t read_int(torch::serialize::InputArchive& ar, const std::string& key) {
  torch::Tensor t;
  ar.read(key, t);
  return t.item<int64_t>();
}

// Module::load replaces each tensor (set_), shape and dtype included, without checking them: check here,
// parameters and buffers (BatchNorm statistics), so a checkpoint from another architecture is refused with
// the first mismatching tensor named instead of failing later inside a training step.
void read_module(torch::serialize::InputArchive& ar, const std::string& key, torch::nn::Module& m,
                 const std::string& path) {
  const auto tensors = [&m] {
    auto all = m.named_parameters().pairs();
    for (auto& b : m.named_buffers().pairs()) all.push_back(b);
    return all;
  };
  std::vector<std::pair<std::vector<int64_t>, c10::ScalarType>> want;
  for (const auto& [name, t] : tensors()) want.emplace_back(t.sizes().vec(), t.scalar_type());
  torch::serialize::InputArchive sub;
  ar.read(key, sub);
  m.load(sub);
  size_t i = 0;
  for (const auto& [name, t] : tensors()) {
    const auto& [shape, dtype] = want[i++];
    if (t.sizes().vec() != shape || t.scalar_type() != dtype)
      throw UserError(path + ": checkpoint does not match the model: " + key + "." + name + " is " +
                      c10::toString(t.scalar_type()) + " " + c10::str(t.sizes()) + ", the config's model needs " +
                      c10::toString(dtype) + " " + c10::str(c10::IntArrayRef(shape)));
  }
}

}  // namespace

TrainState make_state(const Config& cfg, const std::vector<int64_t>& image_shape, int64_t n_train) {
  TrainState s;
  s.cfg = cfg;
  s.image_shape = image_shape;
  // One seed makes the whole run: weights from the global generator seeded here, noise and data order
  // from their own generators, so changing one stream never shifts another.
  torch::manual_seed(static_cast<uint64_t>(cfg.seed));
  s.g = models::make_generator(cfg, image_shape);
  s.d = models::make_discriminator(cfg, image_shape);
  const torch::Device device(cfg.device);
  s.g->to(device);
  s.d->to(device);
  if (cfg.ema_half_life_kimg > 0) {
    s.g_ema = models::make_generator(cfg, image_shape);
    s.g_ema->to(device);
    for (auto& p : s.g_ema->parameters()) p.requires_grad_(false);
    models::ema_update(*s.g_ema, *s.g, 0.0);  // start as an exact copy
    s.g_ema->eval();
  }
  s.opt_g = std::make_unique<optim::Adam>(
      s.g->parameters(),
      torch::optim::AdamOptions(cfg.lr_g).betas({cfg.beta1, cfg.beta2}).eps(cfg.eps));
  // TTUR (Heusel et al. 2017): D may have its own learning rate and betas.
  const double beta1_d = cfg.beta1_d >= 0 ? cfg.beta1_d : cfg.beta1;
  const double beta2_d = cfg.beta2_d >= 0 ? cfg.beta2_d : cfg.beta2;
  s.opt_d = std::make_unique<optim::Adam>(
      s.d->parameters(), torch::optim::AdamOptions(cfg.lr_d).betas({beta1_d, beta2_d}).eps(cfg.eps));
  s.noise_gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(cfg.seed) * 2 + 1);
  s.augment_gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(cfg.seed) * 2 + 4);
  s.augment_ops = diffaugment_ops(cfg.diffaugment);
  if (n_train > 0)
    s.sampler = std::make_unique<data::BatchSampler>(n_train, cfg.batch_size,
                                                     static_cast<uint64_t>(cfg.seed) * 2 + 2);
  return s;
}

void apply_learning_rates(TrainState& s) {
  for (auto [opt, lr] : {std::pair{s.opt_g.get(), s.cfg.lr_g}, std::pair{s.opt_d.get(), s.cfg.lr_d}})
    for (auto& group : opt->param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr * s.lr_scale);
}

void save_checkpoint(const std::string& path, const TrainState& s) {
  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(std::string(kFormat)));
  ar.write("config", c10::IValue(to_toml(s.cfg)));
  ar.write("image_shape", torch::tensor(s.image_shape, torch::kInt64));
  ar.write("step", scalar(s.step));
  ar.write("d_updates", scalar(s.d_updates));
  ar.write("nimg", scalar(s.nimg));
  write_module(ar, "generator", *s.g);
  write_module(ar, "discriminator", *s.d);
  if (s.g_ema) write_module(ar, "generator_ema", *s.g_ema);
  write_optim(ar, "opt_g", *s.opt_g);
  write_optim(ar, "opt_d", *s.opt_d);
  {
    at::Generator gen = s.noise_gen;
    std::lock_guard<std::mutex> lock(gen.mutex());
    ar.write("rng_noise", gen.get_state());
  }
  {
    at::Generator gen = s.augment_gen;
    std::lock_guard<std::mutex> lock(gen.mutex());
    ar.write("rng_augment", gen.get_state());
  }
  {
    at::Generator global = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(global.mutex());
    ar.write("rng_global", global.get_state());
  }
  const LogMeter& m = s.meter;
  ar.write("meter", torch::tensor({m.loss_d, m.loss_g, m.d_real, m.d_fake, m.d_acc, static_cast<double>(m.d_count),
                                   static_cast<double>(m.g_count), m.penalty},
                                  torch::kFloat64));
  ar.write("elapsed_s", torch::tensor(s.elapsed_s, torch::kFloat64));
  ar.write("lr_scale", torch::tensor(s.lr_scale, torch::kFloat64));
  if (s.sampler) {
    ar.write("rng_data", s.sampler->generator_state());
    ar.write("data_perm", s.sampler->permutation());
    ar.write("data_epoch", scalar(s.sampler->epoch()));
    ar.write("data_pos", scalar(s.sampler->position()));
  }
  for (const auto* m : {static_cast<const torch::nn::Module*>(s.g.get()), static_cast<const torch::nn::Module*>(s.d.get())})
    for (const auto& p : m->named_parameters())
      if (!torch::isfinite(p.value()).all().item<bool>())
        throw NonFiniteWeights("refusing to write " + path + ": parameter " + p.key() + " is not finite");
  const std::vector<uint8_t> bytes = archive_bytes(ar);
  // The checksum goes first, in its own file: a checkpoint whose sidecar is missing or disagrees is
  // not trusted.
  fs::write_text_atomic(path + ".crc32", checksum_line(bytes.data(), bytes.size()));
  fs::write_file_atomic(path, bytes);
}

namespace {

// Runs `read` (which reads from the checkpoint PATH) with whatever LibTorch throws on bad bytes turned
// into a UserError "PATH: PROBLEM (detail)": c10::Error from tensors and archives, torch::jit::ErrorReport
// from the TorchScript type parser, std::exceptions from the zip reader (found by tests/fuzz).
template <typename F>
auto reading(const std::string& path, const char* problem, F&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const UserError&) {
    throw;
  } catch (const c10::Error& e) {
    throw UserError(path + ": " + problem + " (" + first_line(e.what_without_backtrace()) + ")");
  } catch (const std::exception& e) {
    throw UserError(path + ": " + problem + " (" + first_line(e.what()) + ")");
  }
}

torch::serialize::InputArchive open_archive(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw UserError(path + ": checkpoint not found");
  const std::vector<uint8_t> bytes = fs::read_file_bytes(path);
  if (std::filesystem::exists(path + ".crc32", ec)) {
    const auto want = fs::read_file_bytes(path + ".crc32");
    if (std::string(want.begin(), want.end()) != checksum_line(bytes.data(), bytes.size()))
      throw UserError(path + ": checksum mismatch (the file is corrupt or truncated)");
  }
  return reading(path, "corrupt or unreadable checkpoint", [&] {
    torch::serialize::InputArchive ar;
    load_archive(ar, bytes, path, "corrupt or unreadable checkpoint");
    c10::IValue format;
    if (!ar.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
      throw UserError(path + ": not a ganforge checkpoint (format tag missing)");
    return ar;
  });
}

}  // namespace

namespace {

CheckpointInfo read_info(const std::string& path) {
  auto ar = open_archive(path);
  CheckpointInfo info;
  c10::IValue text;
  if (!ar.try_read("config", text) || !text.isString()) throw UserError(path + ": checkpoint holds no config");
  info.config_text = text.toStringRef();
  torch::Tensor shape;
  if (!ar.try_read("image_shape", shape) || (shape.numel() != 3 && shape.numel() != 1) ||
      shape.scalar_type() != torch::kInt64)
    throw UserError(path + ": checkpoint holds no image shape");
  info.image_shape = std::vector<int64_t>(shape.data_ptr<int64_t>(), shape.data_ptr<int64_t>() + shape.numel());
  info.step = read_int(ar, "step");
  return info;
}

}  // namespace

CheckpointInfo read_checkpoint_info(const std::string& path) {
  return reading(path, "corrupt or unreadable checkpoint", [&] { return read_info(path); });
}

std::string newest_usable_checkpoint(const std::string& dir, FILE* console) {
  run_dir::latest_checkpoint(dir);  // the friendly errors: no such run, not a run, no checkpoint
  const auto all = run_dir::list_checkpoints(dir);
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      read_checkpoint_info(*it);
      return *it;
    } catch (const UserError& e) {
      if (console) std::fprintf(console, "warning: skipping unusable checkpoint: %s\n", e.what());
    }
  }
  throw UserError(dir + ": no usable checkpoint (checkpoints/step-*.pt are all corrupt)");
}

void load_checkpoint(const std::string& path, TrainState& s, bool generator_only) {
  auto ar = open_archive(path);
  reading(path, "checkpoint does not fit this model", [&] {
    read_module(ar, "generator", *s.g, path);
    if (s.g_ema) read_module(ar, "generator_ema", *s.g_ema, path);
    s.step = read_int(ar, "step");
    if (generator_only) return;
    read_module(ar, "discriminator", *s.d, path);
    s.d_updates = read_int(ar, "d_updates");
    s.nimg = read_int(ar, "nimg");
    torch::serialize::InputArchive og, od;
    ar.read("opt_g", og);
    ar.read("opt_d", od);
    s.opt_g->load(og);
    s.opt_d->load(od);
    torch::Tensor noise_state;
    ar.read("rng_noise", noise_state);
    {
      std::lock_guard<std::mutex> lock(s.noise_gen.mutex());
      s.noise_gen.set_state(noise_state);
    }
    torch::Tensor augment_state;  // absent in checkpoints written before DiffAugment
    if (ar.try_read("rng_augment", augment_state)) {
      std::lock_guard<std::mutex> lock(s.augment_gen.mutex());
      s.augment_gen.set_state(augment_state);
    }
    torch::Tensor global_state, meter, elapsed;
    ar.read("rng_global", global_state);
    {
      at::Generator global = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(global.mutex());
      global.set_state(global_state);
    }
    ar.read("meter", meter);
    ar.read("elapsed_s", elapsed);
    // 7 values before penalties were logged, 8 since.
    if ((meter.numel() != 7 && meter.numel() != 8) || meter.scalar_type() != torch::kFloat64)
      throw UserError(path + ": checkpoint's log meter has " + std::to_string(meter.numel()) + " values, not 8");
    const auto mv = meter.contiguous();
    const double* v = mv.data_ptr<double>();
    s.meter = LogMeter{v[0], v[1], v[2], v[3], v[4], static_cast<int64_t>(v[5]), static_cast<int64_t>(v[6]),
                       meter.numel() == 8 ? v[7] : 0.0};
    s.elapsed_s = elapsed.item<double>();
    torch::Tensor lr_scale;
    ar.read("lr_scale", lr_scale);
    s.lr_scale = lr_scale.item<double>();
    apply_learning_rates(s);  // the config's rates (a resume may change them) times the guard's scale
    if (s.sampler) {
      torch::Tensor data_state, perm;
      ar.read("rng_data", data_state);
      ar.read("data_perm", perm);
      s.sampler->restore(data_state, perm, read_int(ar, "data_epoch"), read_int(ar, "data_pos"));
    }
  });
}

}  // namespace ganforge
