// bf16 mixed precision on the CPU (train.precision = "bf16", `sample`/`eval --precision bf16`): matrix
// products and convolutions in bf16 through LibTorch's CPU autocast (oneDNN's bf16 kernels), everything else
// as PyTorch's torch.autocast("cpu", dtype=torch.bfloat16) leaves it; weights, Adam state, losses and
// reductions stay fp32. Only where the CPU multiplies bf16 natively (AVX512-BF16: Cooper Lake, Sapphire
// Rapids, Zen 4 and later): elsewhere oneDNN emulates it, slower than fp32, so it is refused.
#pragma once

#include <string>

namespace ganforge::precision {

// "fp32" or "bf16"; anything else is refused (UserError naming `what`).
void check_name(const std::string& name, const std::string& what);

// The CPU has AVX512-BF16 (and the OS saves AVX-512 state). GANFORGE_TEST_FAULT=no_bf16:1 says no (tests).
bool native_bf16();
// One line for `ganforge info`: whether bf16 is native here, and so whether it is taken or refused.
std::string summary();
// Throws a one-line UserError when `name` is "bf16" and the CPU has no native bf16; `what` names the setting.
void require(const std::string& name, const std::string& what);

// While alive and `bf16`, LibTorch's CPU autocast (bf16) is on in this thread: linear and convolution layers
// multiply in bf16 (ganforge's own fp32 GEMM path steps aside). Off: nothing changes, bitwise. Regions nest;
// the outermost one clears autocast's weight cache on leaving, as torch.autocast does.
class Autocast {
 public:
  explicit Autocast(bool bf16);
  ~Autocast();
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  bool on_;
  bool was_enabled_ = false;
  int was_dtype_ = 0;
};

// Whether a bf16 autocast region is open in this thread.
bool autocast_on();

}  // namespace ganforge::precision
