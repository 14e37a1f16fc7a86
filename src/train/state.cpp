#include "ganforge/train/state.h"

#include <ATen/CPUGeneratorImpl.h>

#include <memory>

#include "ganforge/core/error.h"
#include "ganforge/train/optim.h"
#include "ganforge/run/checkpoint_file.h"
#include "ganforge/core/seeds.h"

namespace ganforge::train {
namespace {

torch::Tensor generator_state(const at::Generator& g) {
  at::Generator gen = g;
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_generator_state(at::Generator& gen, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

// The global generator (dropout) of rank R > 0 of a data-parallel run: Seeds::rank_global, offset by `step`
// when the stream cannot be restored exactly.
void seed_rank_stream(const TrainState& s, uint64_t step) {
  at::Generator global = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(global.mutex());
  global.set_current_seed(Seeds::rank_global(s.cfg.train.seed, s.team->rank()) + step);
}

// Rank R > 0 of a data-parallel run: its own global generator, from the checkpoint when it was written by a
// run of the same world size, else a fresh stream (the run's world size changed: dropout draws differ).
void restore_rank_stream(run::CheckpointReader& r, TrainState& s) {
  s.checkpoint_world = r.has("world_size") ? r.integer("world_size") : 1;
  if (!s.team || s.team->rank() == 0) return;
  torch::Tensor ranks;
  at::Generator global = at::detail::getDefaultCPUGenerator();
  if (s.checkpoint_world == s.team->size() && r.try_tensor("rng_global_ranks", ranks))
    set_generator_state(global, ranks[s.team->rank()].contiguous());
  else
    seed_rank_stream(s, static_cast<uint64_t>(s.step));
}

// Parameters and buffers of G, D and the EMA G, in a fixed order.
std::vector<torch::Tensor> tensors_of(TrainState& s, bool parameters, bool buffers) {
  std::vector<torch::Tensor> out;
  for (torch::nn::Module* m : {static_cast<torch::nn::Module*>(s.g.get()), static_cast<torch::nn::Module*>(s.d.get()),
                               static_cast<torch::nn::Module*>(s.g_ema ? s.g_ema.get() : nullptr)}) {
    if (m == nullptr) continue;
    if (parameters)
      for (auto& p : m->parameters()) out.push_back(p);
    if (buffers)
      for (auto& b : m->buffers()) out.push_back(b);
  }
  return out;
}

// FNV-1a over the bytes of every parameter of `m`: equal on two ranks iff (barring collisions) the
// parameters are bitwise equal.
int64_t fingerprint(torch::nn::Module& m) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& p : m.parameters()) {
    const torch::Tensor c = p.detach().contiguous();
    const auto* bytes = static_cast<const unsigned char*>(c.data_ptr());
    for (size_t i = 0, n = c.nbytes(); i < n; ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

}  // namespace

void start_team(TrainState& s) {
  if (!s.team) return;
  torch::NoGradGuard no_grad;
  s.team->broadcast(tensors_of(s, true, true));
  if (s.team->rank() > 0) seed_rank_stream(s, 0);
}

void sync_for_checkpoint(TrainState& s) {
  if (!s.team) return;
  std::vector<std::pair<const char*, torch::nn::Module*>> nets = {{"G", s.g.get()}, {"D", s.d.get()}};
  if (s.g_ema) nets.emplace_back("EMA G", s.g_ema.get());
  std::vector<int64_t> mine;
  for (auto& [name, m] : nets) mine.push_back(fingerprint(*m));
  const torch::Tensor all = s.team->allgather(torch::tensor(mine, torch::kInt64));
  for (int64_t r = 1; r < all.size(0); ++r)
    for (size_t k = 0; k < nets.size(); ++k)
      if (all[r][static_cast<int64_t>(k)].item<int64_t>() != all[0][static_cast<int64_t>(k)].item<int64_t>())
        throw TeamError("rank " + std::to_string(r) + "'s parameters of " + nets[k].first + " differ from rank 0's at step " +
                        std::to_string(s.step) + ": the ranks diverged (different hardware or library builds?); " +
                        "no checkpoint written");
  torch::NoGradGuard no_grad;
  s.team->broadcast(tensors_of(s, false, true));
  s.rank_rng = s.team->allgather(generator_state(at::detail::getDefaultCPUGenerator()));
}

std::string load_shared(TrainState& s, const std::function<std::string()>& pick) {
  if (!s.team) {
    const std::string path = pick();
    load_state(path, s);
    return path;
  }
  // The packet: "R" PATH "\n" BYTES, or "E" MESSAGE when rank 0 could not read one. Rank 0 loads from the
  // reader it checked the file with; the others parse the bytes it sends.
  std::string packet;
  // A unique_ptr, not an optional: InputArchive's copy constructor takes a non-const reference, which clang's
  // std::optional refuses to instantiate.
  std::unique_ptr<run::CheckpointReader> own;
  if (s.team->rank() == 0) {
    try {
      const std::string path = pick();
      own = std::make_unique<run::CheckpointReader>(path);
      packet = "R" + path + "\n" + std::string(own->bytes().begin(), own->bytes().end());
    } catch (const std::exception& e) {
      s.team->broadcast_bytes("E" + std::string(e.what()));
      throw;
    }
  }
  packet = s.team->broadcast_bytes(packet);
  if (packet.empty() || packet[0] != 'R') throw UserError("rank 0 could not read a checkpoint: " + packet.substr(1));
  const size_t eol = packet.find('\n');
  const std::string path = packet.substr(1, eol - 1);
  if (!own)
    own = std::make_unique<run::CheckpointReader>(
        path, std::vector<uint8_t>(packet.begin() + static_cast<std::ptrdiff_t>(eol) + 1, packet.end()));
  load_state(*own, s);
  return path;
}

TrainState make_state(const Config& cfg, const std::vector<int64_t>& image_shape, int64_t n_train) {
  const Seeds seeds = Seeds::of(cfg.train.seed);
  TrainState s;
  s.cfg = cfg;
  s.image_shape = image_shape;
  torch::manual_seed(seeds.weights);
  s.g = models::make_generator(cfg.model, image_shape);
  s.d = models::make_discriminator(cfg.model, image_shape);
  const torch::Device device(cfg.train.device);
  s.g->to(device);
  s.d->to(device);
  if (cfg.train.ema_half_life_kimg > 0) {
    s.g_ema = models::make_generator(cfg.model, image_shape);
    s.g_ema->to(device);
    for (auto& p : s.g_ema->parameters()) p.requires_grad_(false);
    models::ema_update(*s.g_ema, *s.g, 0.0);  // start as an exact copy
    s.g_ema->eval();
  }
  s.opt_g = std::make_unique<optim::Adam>(
      s.g->parameters(), torch::optim::AdamOptions(cfg.optim.lr_g).betas({cfg.optim.beta1, cfg.optim.beta2}).eps(cfg.optim.eps));
  // TTUR (Heusel et al. 2017): D may have its own learning rate and betas.
  const double beta1_d = cfg.optim.beta1_d >= 0 ? cfg.optim.beta1_d : cfg.optim.beta1;
  const double beta2_d = cfg.optim.beta2_d >= 0 ? cfg.optim.beta2_d : cfg.optim.beta2;
  s.opt_d = std::make_unique<optim::Adam>(
      s.d->parameters(), torch::optim::AdamOptions(cfg.optim.lr_d).betas({beta1_d, beta2_d}).eps(cfg.optim.eps));
  s.noise_gen = at::make_generator<at::CPUGeneratorImpl>(seeds.noise);
  s.augment_gen = at::make_generator<at::CPUGeneratorImpl>(seeds.augment);
  s.augment_ops = diffaugment_ops(cfg.train.diffaugment);
  if (n_train > 0) s.sampler = std::make_unique<data::BatchSampler>(n_train, cfg.data.batch_size, seeds.data);
  return s;
}

void apply_learning_rates(TrainState& s) {
  for (auto [opt, lr] : {std::pair{s.opt_g.get(), s.cfg.optim.lr_g}, std::pair{s.opt_d.get(), s.cfg.optim.lr_d}})
    for (auto& group : opt->param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr * s.lr_scale);
}

void save_state(const std::string& path, const TrainState& s) {
  for (const torch::nn::Module* m : {static_cast<const torch::nn::Module*>(s.g.get()),
                                     static_cast<const torch::nn::Module*>(s.d.get())})
    for (const auto& p : m->named_parameters())
      if (!torch::isfinite(p.value()).all().item<bool>())
        throw NonFiniteWeights("refusing to write " + path + ": parameter " + p.key() + " is not finite");
  run::CheckpointWriter w;
  w.put("config", to_toml(s.cfg));
  w.put("image_shape", torch::tensor(s.image_shape, torch::kInt64));
  w.put("step", s.step);
  w.put("d_updates", s.d_updates);
  w.put("nimg", s.nimg);
  w.put("generator", *s.g);
  w.put("discriminator", *s.d);
  if (s.g_ema) w.put("generator_ema", *s.g_ema);
  w.put("sampling", std::string(s.g_ema ? "generator_ema" : "generator"));
  w.put("opt_g", *s.opt_g);
  w.put("opt_d", *s.opt_d);
  w.put("rng_noise", generator_state(s.noise_gen));
  w.put("rng_augment", generator_state(s.augment_gen));
  w.put("rng_global", generator_state(at::detail::getDefaultCPUGenerator()));
  if (s.team && s.team->size() > 1) {  // written by rank 0 after sync_for_checkpoint
    w.put("world_size", static_cast<int64_t>(s.team->size()));
    w.put("rng_global_ranks", s.rank_rng);
  }
  const LogMeter& m = s.meter;
  w.put("meter", torch::tensor({m.loss_d, m.loss_g, m.d_real, m.d_fake, m.d_acc, static_cast<double>(m.d_count),
                                static_cast<double>(m.g_count), m.penalty},
                               torch::kFloat64));
  w.put("elapsed_s", torch::tensor(s.elapsed_s, torch::kFloat64));
  w.put("lr_scale", torch::tensor(s.lr_scale, torch::kFloat64));
  w.put("watch", torch::tensor({s.watch.log_lines, s.watch.saturated_steps, s.watch.nonfinite_in_a_row}, torch::kInt64));
  if (s.sampler) {
    w.put("rng_data", s.sampler->generator_state());
    w.put("data_perm", s.sampler->permutation());
    w.put("data_epoch", s.sampler->epoch());
    w.put("data_pos", s.sampler->position());
  }
  w.commit(path);
}

void load_state(const std::string& path, TrainState& s) {
  run::CheckpointReader r(path);
  load_state(r, s);
}

void load_state(run::CheckpointReader& r, TrainState& s) {
  const std::string& path = r.path();
  r.module("generator", *s.g);
  if (s.g_ema) r.module("generator_ema", *s.g_ema);
  r.module("discriminator", *s.d);
  s.step = r.integer("step");
  s.d_updates = r.integer("d_updates");
  s.nimg = r.integer("nimg");
  r.optimizer("opt_g", *s.opt_g);
  r.optimizer("opt_d", *s.opt_d);
  // Whatever LibTorch throws on an entry of the wrong type or shape: a UserError naming the file.
  r.guarded("checkpoint does not fit this model", [&] {
    set_generator_state(s.noise_gen, r.tensor("rng_noise"));
    torch::Tensor augment_state;  // absent in version-1 files written before DiffAugment
    if (r.try_tensor("rng_augment", augment_state)) set_generator_state(s.augment_gen, augment_state);
    at::Generator global = at::detail::getDefaultCPUGenerator();
    set_generator_state(global, r.tensor("rng_global"));
    restore_rank_stream(r, s);
    const torch::Tensor meter = r.tensor("meter");
    // 7 values in version-1 files written before penalties were logged, 8 since.
    if ((meter.numel() != 7 && meter.numel() != 8) || meter.scalar_type() != torch::kFloat64)
      throw UserError(path + ": checkpoint's log meter has " + std::to_string(meter.numel()) + " values, not 8");
    const auto mv = meter.contiguous();
    const double* v = mv.data_ptr<double>();
    s.meter = LogMeter{v[0], v[1], v[2], v[3], v[4], static_cast<int64_t>(v[5]), static_cast<int64_t>(v[6]),
                       meter.numel() == 8 ? v[7] : 0.0};
    s.elapsed_s = r.tensor("elapsed_s").item<double>();
    s.lr_scale = r.tensor("lr_scale").item<double>();
    torch::Tensor watch;  // absent in files written before exact resume of the observers (2026-12-02)
    s.watch = WatchState{};
    if (r.try_tensor("watch", watch)) {
      if (watch.numel() != 3 || watch.scalar_type() != torch::kInt64)
        throw UserError(path + ": checkpoint's watch entry has " + std::to_string(watch.numel()) + " values, not 3");
      const auto wv = watch.contiguous();
      const int64_t* v = wv.data_ptr<int64_t>();
      s.watch = WatchState{v[0], v[1], v[2]};
    }
    apply_learning_rates(s);  // the config's rates (a resume may change them) times the guard's scale
    if (s.sampler)
      s.sampler->restore(r.tensor("rng_data"), r.tensor("data_perm"), r.integer("data_epoch"), r.integer("data_pos"));
  });
}

}  // namespace ganforge::train
