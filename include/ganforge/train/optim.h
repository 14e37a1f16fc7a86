// Adam as torch::optim::Adam computes it, in one pass over each parameter.
#pragma once

#include <torch/torch.h>

namespace ganforge::optim {

// torch::optim::Adam with the same options, state (AdamParamState: step, exp_avg, exp_avg_sq) and
// serialization, so checkpoints are interchangeable with it; its step() updates a float32 CPU parameter
// in one fused pass (read grad, exp_avg, exp_avg_sq, param; write the last three) instead of LibTorch's
// seven tensor operations and two temporaries per parameter, with the same formula:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Anything else (weight decay, AMSGrad, other dtypes or devices, non-contiguous tensors): LibTorch's step.
class Adam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

// Every parameter's gradient set to undefined (PyTorch's zero_grad(set_to_none=True)): the next backward
// hands its gradient over instead of adding it to zeros.
void clear_grads(torch::optim::Optimizer& opt);

// Whether every defined gradient of `params` is finite, in one pass without temporaries for float32 CPU
// gradients.
bool gradients_finite(const std::vector<torch::Tensor>& params);

}  // namespace ganforge::optim
