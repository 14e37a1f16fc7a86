// Elementwise float32 CPU kernels on plain arrays (no LibTorch): the fused Adam update, the finiteness
// check of gradients, tanh, and column sums. Each picks its AVX-512 or AVX2+FMA version at run time by what
// the CPU supports, else a portable loop. Callers split large arrays across threads themselves.
#pragma once

#include <cstdint>

namespace ganforge::kernels {

// The constants of one Adam step, as LibTorch's float kernels receive them (see optim.h).
struct AdamStep {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float sqrt_bias_correction2;  // sqrt(1 - beta2^t)
  float eps;
  float neg_step_size;  // -lr / (1 - beta1^t)
};
// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w += neg_step_size * m / (sqrt(v) / sqrt_bc2 + eps).
void adam(const AdamStep& s, const float* g, float* m, float* v, float* w, int64_t n);

// Whether no element is Inf or NaN.
bool all_finite(const float* x, int64_t n);

// y = tanh(x) (y may be x). Absolute error under 2e-7, relative under 3e-7, ~2.5 float epsilons (tests/test_kernels.cpp
// sweeps it against double precision); NaN stays NaN, +-Inf gives +-1. Sleef's tanhf, which LibTorch uses,
// is about 5x slower on AVX-512.
void tanh(const float* x, float* y, int64_t n);

// out[j] = sum_i g[i * cols + j] over `rows` rows (a bias gradient); out is overwritten.
void column_sums(const float* g, int64_t rows, int64_t cols, float* out);

// Which instruction set the kernels use: "avx512", "avx2" or "generic" (the best this CPU supports).
const char* isa();
// Use the variant `name` from now on (tests of each variant); false, and nothing changed, when the CPU
// lacks it or the name is unknown.
bool use_isa(const char* name);

}  // namespace ganforge::kernels
