#include "ganforge/train/optim.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "ganforge/ops/kernels.h"

namespace ganforge::optim {
namespace {

// Elements per thread below which the update stays on one thread.
constexpr int64_t kGrain = 32768;

bool fusable(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() &&
         !t.is_sparse();
}

// How torch::optim::Adam keys its state: the parameter's TensorImpl address.
std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

// The state torch::optim::Adam keeps for `p`, created as it creates it.
torch::optim::AdamParamState& state_of(torch::optim::Optimizer& opt, const torch::Tensor& p) {
  auto& states = opt.state();
  const std::string key = state_key(p);
  auto it = states.find(key);
  if (it == states.end()) {
    auto s = std::make_unique<torch::optim::AdamParamState>();
    s->step(0);
    s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    it = states.emplace(key, std::move(s)).first;
  }
  return static_cast<torch::optim::AdamParamState&>(*it->second);
}

}  // namespace

torch::Tensor Adam::step(LossClosure closure) {
  bool fused = true;
  for (const auto& group : param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    if (o.weight_decay() != 0 || o.amsgrad()) fused = false;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (!fusable(p) || !fusable(p.grad())) fused = false;
      // A state read from a checkpoint in another dtype or layout.
      const auto it = state().find(state_key(p));
      if (it != state().end()) {
        const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
        for (const auto& t : {s.exp_avg(), s.exp_avg_sq()})
          if (!fusable(t) || t.sizes() != p.sizes()) fused = false;
      }
    }
  }
  if (!fused) return torch::optim::Adam::step(std::move(closure));

  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& s = state_of(*this, p);
      s.step(s.step() + 1);
      const double t = static_cast<double>(s.step());
      const double bias_correction1 = 1 - std::pow(beta1, t), bias_correction2 = 1 - std::pow(beta2, t);
      // The scalars as LibTorch's float kernels receive them.
      kernels::AdamStep k{};
      k.beta1 = static_cast<float>(beta1);
      k.one_minus_beta1 = static_cast<float>(1 - beta1);
      k.beta2 = static_cast<float>(beta2);
      k.one_minus_beta2 = static_cast<float>(1 - beta2);
      k.sqrt_bias_correction2 = static_cast<float>(std::sqrt(bias_correction2));
      k.eps = static_cast<float>(o.eps());
      k.neg_step_size = static_cast<float>(-(o.lr() / bias_correction1));
      const float* g = p.grad().data_ptr<float>();
      float* m = s.exp_avg().data_ptr<float>();
      float* v = s.exp_avg_sq().data_ptr<float>();
      float* w = p.data_ptr<float>();
      at::parallel_for(0, p.numel(), kGrain, [&](int64_t begin, int64_t end) {
        kernels::adam(k, g + begin, m + begin, v + begin, w + begin, end - begin);
      });
    }
  }
  return loss;
}

void clear_grads(torch::optim::Optimizer& opt) {
  for (auto& group : opt.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

bool gradients_finite(const std::vector<torch::Tensor>& params) {
  for (const auto& p : params) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (!fusable(g)) {
      if (!torch::isfinite(g).all().item<bool>()) return false;
      continue;
    }
    if (!kernels::all_finite(g.data_ptr<float>(), g.numel())) return false;
  }
  return true;
}

}  // namespace ganforge::optim
