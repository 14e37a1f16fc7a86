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

losses::Players players(TrainState& s) {
  return {s.g, s.d, s.noise_gen, s.augment_gen, s.augment_ops, s.shard(), s.cfg.train.precision == "bf16"};
}

// A data-parallel step's exchange: `net`'s gradients, `extra` tensors (float32) and `stats` averaged over the
// ranks in one call (one allreduce per bucket), with this rank's stop request riding along as the last
// value; afterwards state.stop_agreed says whether any rank asked to stop. A NaN on any rank reaches all.
void exchange(TrainState& s, torch::nn::Module& net, std::vector<double>& stats, std::vector<torch::Tensor> extra = {}) {
  std::vector<torch::Tensor> ts;
  for (auto& p : net.parameters()) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    ts.push_back(p.grad());
  }
  for (auto& t : extra) ts.push_back(t);
  std::vector<float> values(stats.begin(), stats.end());
  values.push_back(stop_requested() ? 1.0f : 0.0f);
  torch::Tensor st = torch::tensor(values, torch::kFloat32);
  ts.push_back(st);
  s.team->average(ts);
  for (size_t i = 0; i < stats.size(); ++i) stats[i] = st[static_cast<int64_t>(i)].item<double>();
  s.stop_agreed = s.stop_agreed || st[static_cast<int64_t>(stats.size())].item<float>() > 0;
}

// The float buffers of G and D (BatchNorm's running statistics, spectral norm's vectors): each rank
// normalizes with its own batch's statistics; the running ones are averaged at the end of every step.
std::vector<torch::Tensor> float_buffers(TrainState& s) {
  std::vector<torch::Tensor> out;
  for (torch::nn::Module* m : {static_cast<torch::nn::Module*>(s.g.get()), static_cast<torch::nn::Module*>(s.d.get())})
    for (auto& b : m->buffers())
      if (b.scalar_type() == torch::kFloat32) out.push_back(b);
  return out;
}

// train.d_steps discriminator phases on fresh real batches and fresh fakes, then one generator phase. A
// NaN/Inf loss or gradient skips the rest of the step (no optimizer step is taken with it).
StepReport train_step(Session& session) {
  TrainState& s = session.state;
  const Config& cfg = s.cfg;
  const torch::Device device(cfg.train.device);
  const int64_t batch = cfg.data.batch_size;  // the whole batch: every rank draws for all of it (team.h)
  const Shard shard = s.shard();
  const bool conditional = !cfg.model.conditional.empty();
  auto fake_labels = [&] {
    return shard.own(torch::randint(0, cfg.model.classes, {batch}, s.noise_gen, torch::kInt64)).to(device);
  };
  // Image-to-image (pix2pix): G translates each batch's inputs, its only noise is dropout; G's phase takes the
  // last D phase's pairs, as the authors' code uses one batch for both updates.
  const bool paired = cfg.model.arch == "pix2pix";
  torch::Tensor real, condition;
  StepReport r;
  for (int64_t k = 0; k < cfg.train.d_steps && r.finite; ++k) {
    const torch::Tensor idx = shard.own(s.sampler->next());
    real = session.data.batch(idx).to(device);  // [B, C, H, W] in [-1, 1], or [B, 2]
    if (paired) condition = session.data.input_batch(idx).to(device);
    const torch::Tensor z =
        paired ? torch::Tensor() : shard.own(models::sample_noise(cfg.model, batch, s.noise_gen)).to(device);
    // Conditional: the reals' labels, and uniformly drawn classes for the fakes.
    const torch::Tensor y_real = conditional ? session.data.labels.index_select(0, idx).to(device) : torch::Tensor();
    const torch::Tensor y_fake = conditional ? fake_labels() : torch::Tensor();
    const bool poison = session.poison_steps.erase(s.step + 1) > 0 ||
                        test_hooks::armed_once("nonfinite", std::to_string(s.step + 1));
    const PhaseStats d = discriminator_phase(s, session.objective, {real, z, y_real, y_fake, 0, condition}, poison);
    s.nimg += batch;
    r.finite = d.finite;
    if (!r.finite) break;
    r.sums.loss_d += d.loss, r.sums.penalty += d.penalty;
    r.sums.d_real += d.d_real, r.sums.d_fake += d.d_fake, r.sums.d_acc += d.d_acc;
    ++r.sums.d_count;
  }
  if (r.finite) {
    losses::PhaseBatch b{real, {}, {}, {}, 0, condition};
    if (!paired) {
      const torch::Tensor z = shard.own(models::sample_noise(cfg.model, batch, s.noise_gen)).to(device);
      b = {{}, z, {}, conditional ? fake_labels() : torch::Tensor(), 0, {}};
    }
    const PhaseStats g = generator_phase(s, session.objective, b);
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
  {
    torch::NoGradGuard no_grad;  // what is reported (from this update's outputs)
    r.loss = l.loss.item<double>();
    if (l.penalty.defined()) r.penalty = l.penalty.item<double>();
    r.d_real = obj.mean_score(l.real_out);
    r.d_fake = obj.mean_score(l.fake_out);
    r.d_acc = obj.accuracy(l.real_out, l.fake_out);
  }
  if (s.team) {
    std::vector<double> stats = {r.loss, r.penalty, r.d_real, r.d_fake, r.d_acc};
    exchange(s, *s.d, stats);
    r.loss = stats[0], r.penalty = stats[1], r.d_real = stats[2], r.d_fake = stats[3], r.d_acc = stats[4];
  }
  r.finite = std::isfinite(r.loss) && optim::gradients_finite(s.d->parameters());
  if (!r.finite) return r;
  s.opt_d->step();
  ++s.d_updates;
  obj.after_discriminator_update(*s.d);
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
    if (s.team) {  // the step's last exchange also averages the running statistics
      std::vector<double> stats = {r.loss};
      exchange(s, *s.g, stats, float_buffers(s));
      r.loss = stats[0];
    }
  }
  r.finite = std::isfinite(r.loss) && optim::gradients_finite(s.g->parameters());
  if (!r.finite) return r;
  s.opt_g->step();
  if (s.g_ema) {  // beta from the whole batch: the same on every rank, and as one process has it
    const int64_t n = (b.condition.defined() ? b.condition : b.z).size(0);
    const double beta = models::ema_beta(s.cfg.train.ema_half_life_kimg, s.shard().whole(n));
    models::ema_update(*s.g_ema, *s.g, beta);
  }
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

std::string Session::rewind(const std::function<std::string()>& pick) {
  const int64_t from = state.step;
  const std::string path = load_shared(state, pick);
  for (auto& o : observers_) o->on_rollback(*this, from);
  abandoned_ = true;
  return path;
}

// A data-parallel run stops where every rank agreed to (the flag rides in each step's exchange).
bool Session::stop_requested() const { return state.team ? state.stop_agreed : train::stop_requested(); }

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
    if (test_hooks::armed("diverge", std::to_string(state.step))) {
      torch::NoGradGuard no_grad;
      state.d->parameters()[0].view(-1)[0].add_(1e-3);
    }
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
