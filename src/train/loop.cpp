#include "ganforge/train/loop.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>

#include "ganforge/core/test_hooks.h"
#include "ganforge/train/optim.h"

namespace ganforge::train {
namespace {

std::atomic<bool> g_stop_requested{false};

// D's parameters are frozen for the generator phase: their gradients would be thrown away.
class Frozen {
 public:
  explicit Frozen(torch::nn::Module& m) : m_(m) { set(false); }
  ~Frozen() { set(true); }

 private:
  void set(bool on) {
    for (auto& p : m_.parameters()) p.requires_grad_(on);
  }
  torch::nn::Module& m_;
};

losses::Players players(TrainState& s) { return {s.g, s.d, s.noise_gen, s.augment_gen, s.augment_ops}; }

// train.d_steps discriminator phases on fresh real batches and fresh fakes, then one generator phase. A
// NaN/Inf loss or gradient skips the rest of the step (no optimizer step is taken with it).
StepReport train_step(Session& session) {
  TrainState& s = session.state;
  const Config& cfg = s.cfg;
  const torch::Device device(cfg.train.device);
  const int64_t batch = cfg.data.batch_size;
  const bool conditional = !cfg.model.conditional.empty();
  auto fake_labels = [&] { return torch::randint(0, cfg.model.classes, {batch}, s.noise_gen, torch::kInt64).to(device); };
  StepReport r;
  for (int64_t k = 0; k < cfg.train.d_steps && r.finite; ++k) {
    const torch::Tensor idx = s.sampler->next();
    const torch::Tensor real = session.data.batch(idx).to(device);  // [B, C, H, W] in [-1, 1], or [B, 2]
    const torch::Tensor z = models::sample_noise(cfg.model, batch, s.noise_gen).to(device);
    // Conditional: the reals' labels, and uniformly drawn classes for the fakes.
    const torch::Tensor y_real = conditional ? session.data.labels.index_select(0, idx).to(device) : torch::Tensor();
    const torch::Tensor y_fake = conditional ? fake_labels() : torch::Tensor();
    const PhaseStats d = discriminator_phase(s, session.objective, {real, z, y_real, y_fake},
                                             session.poison_steps.erase(s.step + 1) > 0);
    s.nimg += batch;
    r.finite = d.finite;
    if (!r.finite) break;
    r.sums.loss_d += d.loss, r.sums.penalty += d.penalty;
    r.sums.d_real += d.d_real, r.sums.d_fake += d.d_fake, r.sums.d_acc += d.d_acc;
    ++r.sums.d_count;
  }
  if (r.finite) {
    const torch::Tensor z = models::sample_noise(cfg.model, batch, s.noise_gen).to(device);
    const torch::Tensor y_fake = conditional ? fake_labels() : torch::Tensor();
    const PhaseStats g = generator_phase(s, session.objective, {{}, z, {}, y_fake});
    r.finite = g.finite;
    if (r.finite) r.sums.loss_g += g.loss, ++r.sums.g_count;
  }
  if (!r.finite) {
    s.opt_d->zero_grad();
    s.opt_g->zero_grad();
  }
  r.step = ++s.step;
  r.steps = session.steps;
  return r;
}

}  // namespace

PhaseStats discriminator_phase(TrainState& s, const losses::Objective& obj, const losses::PhaseBatch& b_in,
                               bool poison) {
  losses::PhaseBatch b = b_in;
  b.d_updates = s.d_updates;
  losses::Players p = players(s);
  losses::PhaseLoss l = obj.discriminator(p, b);
  if (poison) l.loss = l.loss * std::numeric_limits<float>::quiet_NaN();
  optim::clear_grads(*s.opt_d);
  l.loss.backward();
  PhaseStats r;
  r.loss = l.loss.item<double>();
  r.finite = std::isfinite(r.loss) && optim::gradients_finite(s.d->parameters());
  if (!r.finite) return r;
  s.opt_d->step();
  ++s.d_updates;
  obj.after_discriminator_update(*s.d);
  torch::NoGradGuard no_grad;
  if (l.penalty.defined()) r.penalty = l.penalty.item<double>();
  r.d_real = obj.mean_score(l.real_out);
  r.d_fake = obj.mean_score(l.fake_out);
  r.d_acc = obj.accuracy(l.real_out, l.fake_out);
  return r;
}

PhaseStats generator_phase(TrainState& s, const losses::Objective& obj, const losses::PhaseBatch& b) {
  losses::Players p = players(s);
  PhaseStats r;
  {
    Frozen frozen(*s.d);
    const losses::PhaseLoss l = obj.generator(p, b);
    optim::clear_grads(*s.opt_g);
    l.loss.backward();
    r.loss = l.loss.item<double>();
  }
  r.finite = std::isfinite(r.loss) && optim::gradients_finite(s.g->parameters());
  if (!r.finite) return r;
  s.opt_g->step();
  if (s.g_ema) models::ema_update(*s.g_ema, *s.g, models::ema_beta(s.cfg.train.ema_half_life_kimg, b.z.size(0)));
  return r;
}

Session::Session(TrainState& state_, const data::Dataset& data_, const losses::Objective& objective_, int64_t steps_,
                 bool resumed_)
    : state(state_), data(data_), objective(objective_), steps(steps_), resumed(resumed_) {}

void Session::add(std::unique_ptr<Observer> observer) { observers_.push_back(std::move(observer)); }

void Session::emit(const nlohmann::json& event) {
  for (auto& o : observers_) o->on_event(*this, event);
}

void Session::checkpoint_written(const std::string& path) {
  result.checkpoint = path;
  for (auto& o : observers_) o->on_checkpoint(*this, path);
}

void Session::rewind(const std::string& checkpoint) {
  const int64_t from = state.step;
  load_state(checkpoint, state);
  for (auto& o : observers_) o->on_rollback(*this, from);
  abandoned_ = true;
}

bool Session::stop_requested() const { return train::stop_requested(); }

TrainResult Session::run() {
  for (auto& o : observers_) o->on_start(*this);
  const auto t0 = std::chrono::steady_clock::now();
  const double elapsed_before = state.elapsed_s;
  auto since_t0 = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  while (state.step < steps && !stop_requested()) {
    const StepReport r = train_step(*this);
    if (r.finite) state.meter.add(r.sums);
    state.elapsed_s = elapsed_before + since_t0();
    abandoned_ = false;
    for (auto& o : observers_) {
      o->on_step(*this, r);
      if (abandoned_) break;
    }
    test_hooks::kill_point("step", state.step);
  }
  result.steps = state.step;
  result.seconds = since_t0();
  result.interrupted = state.step < steps;
  for (auto& o : observers_) o->on_end(*this);
  return result;
}

void request_stop() { g_stop_requested.store(true); }
bool stop_requested() { return g_stop_requested.load(); }
void clear_stop() { g_stop_requested.store(false); }

int64_t total_steps(const Config& cfg, int64_t batches_per_epoch) {
  if (cfg.train.steps > 0) return cfg.train.steps;
  // Each generator step consumes d_steps real batches.
  return static_cast<int64_t>(std::ceil(cfg.train.epochs * static_cast<double>(batches_per_epoch) /
                                        static_cast<double>(cfg.train.d_steps)));
}

}  // namespace ganforge::train
