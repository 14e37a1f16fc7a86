#include "ganforge/ops/precision.h"

#include <cpuid.h>

#include <ATen/autocast_mode.h>

#include "ganforge/core/error.h"
#include "ganforge/core/test_hooks.h"

namespace ganforge::precision {

void check_name(const std::string& name, const std::string& what) {
  if (name != "fp32" && name != "bf16")
    throw UserError(what + " = '" + name + "' is not a precision: choose fp32 or bf16");
}

bool native_bf16() {
  static const bool cpu = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    // CPUID leaf 7, sub-leaf 1: EAX bit 5 is AVX512_BF16. __builtin_cpu_supports("avx512f") also checks that
    // the OS saves the AVX-512 registers.
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) return false;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
    return (a & (1u << 5)) != 0;
  }();
  return cpu && !test_hooks::armed("no_bf16", "1");
}

std::string summary() {
  if (native_bf16())
    return "bf16: native (AVX512-BF16): train.precision = \"bf16\" and --precision bf16 multiply in bf16 "
           "(oneDNN), weights and optimizer in fp32";
  return "bf16: not native on this CPU (no AVX512-BF16): train.precision = \"bf16\" and --precision bf16 are "
         "refused (oneDNN would emulate it, slower than fp32)";
}

void require(const std::string& name, const std::string& what) {
  check_name(name, what);
  if (name == "bf16" && !native_bf16())
    throw UserError(what + " = 'bf16' needs a CPU that multiplies bf16 natively (AVX512-BF16); this one does "
                    "not (see `ganforge info`): use fp32");
}

Autocast::Autocast(bool bf16) : on_(bf16) {
  if (!on_) return;
  was_enabled_ = at::autocast::is_cpu_enabled();
  was_dtype_ = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::increment_nesting();
}

Autocast::~Autocast() {
  if (!on_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  at::autocast::set_cpu_enabled(was_enabled_);
  at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(was_dtype_));
}

bool autocast_on() { return at::autocast::is_cpu_enabled(); }

}  // namespace ganforge::precision
