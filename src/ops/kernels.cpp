// Elementwise kernels (kernels.h). Each loop body is written once as plain scalar code and compiled three
// times, for AVX-512, AVX2+FMA and the baseline, by the compiler's vectorizer (this file is built with
// -fno-math-errno so that sqrt vectorizes); the variant is picked once per process from the CPU's features.
#include "ganforge/ops/kernels.h"

#include <cmath>
#include <cstring>
#include <string>

namespace ganforge::kernels {
namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GANFORGE_X86_VARIANTS 1
#if defined(__clang__)
#define GANFORGE_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#else
// GCC otherwise keeps 256-bit vectors even where AVX-512 is enabled.
#define GANFORGE_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,prefer-vector-width=512")))
#endif
#define GANFORGE_AVX2 __attribute__((target("avx2,fma")))
#endif

#define GANFORGE_INLINE inline __attribute__((always_inline))

GANFORGE_INLINE void adam_one(const AdamStep& s, const float* g, float* m, float* v, float* w, int64_t i) {
  const float gi = g[i];
  const float mi = m[i] * s.beta1 + s.one_minus_beta1 * gi;
  const float vi = v[i] * s.beta2 + s.one_minus_beta2 * gi * gi;
  m[i] = mi;
  v[i] = vi;
  w[i] += s.neg_step_size * (mi / (std::sqrt(vi) / s.sqrt_bias_correction2 + s.eps));
}

// tanh|x| = -(e^y - 1) / (2 + (e^y - 1)) with y = -2|x|, written with e^y - 1 so that small |x| keep their
// relative precision. e^y = 2^n e^r, n = round(y / ln 2), r = y - n ln 2 in [-ln2/2, ln2/2] (ln 2 in two
// parts, Cody & Waite), e^y - 1 = 2^n expm1(r) + (2^n - 1), expm1(r) by its Taylor series to r^7
// (remainder < 2e-8 relative). |x| >= 9 gives 1 in float.
GANFORGE_INLINE float tanh_one(float x) {
  const float a = std::fabs(x);
  const float y = -2.0f * (a < 9.0f ? a : 9.0f);
  // Round to nearest by adding and subtracting 1.5 * 2^23 (|y / ln 2| < 2^22): no libm call, so it vectorizes.
  const float n = (y * 1.44269504089f + 12582912.0f) - 12582912.0f;
  const float r = (y - n * 0.693359375f) - n * -2.12194440e-4f;
  const float q =
      r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n, n in [-26, 0]
  float p2;
  std::memcpy(&p2, &bits, sizeof p2);
  const float em1 = p2 * q + (p2 - 1.0f);
  const float t = std::copysign(-em1 / (2.0f + em1), x);
  return x != x ? x : t;
}

GANFORGE_INLINE uint32_t not_finite(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return static_cast<uint32_t>((u & 0x7f800000u) == 0x7f800000u);
}

// Each kernel once; GANFORGE_KERNELS(attribute, suffix) stamps them out per instruction set.
#define GANFORGE_KERNELS(ATTR, SUFFIX)                                                                  \
  ATTR void adam_##SUFFIX(const AdamStep& s, const float* g, float* m, float* v, float* w, int64_t n) { \
    for (int64_t i = 0; i < n; ++i) adam_one(s, g, m, v, w, i);                                         \
  }                                                                                                     \
  ATTR bool all_finite_##SUFFIX(const float* x, int64_t n) {                                           \
    uint32_t bad = 0;                                                                                   \
    for (int64_t i = 0; i < n; ++i) bad |= not_finite(x[i]);                                            \
    return bad == 0;                                                                                    \
  }                                                                                                     \
  ATTR void tanh_##SUFFIX(const float* x, float* y, int64_t n) {                                       \
    for (int64_t i = 0; i < n; ++i) y[i] = tanh_one(x[i]);                                              \
  }                                                                                                     \
  ATTR void column_sums_##SUFFIX(const float* g, int64_t rows, int64_t cols, float* out) {             \
    for (int64_t j = 0; j < cols; ++j) out[j] = 0;                                                      \
    for (int64_t i = 0; i < rows; ++i, g += cols)                                                       \
      for (int64_t j = 0; j < cols; ++j) out[j] += g[j];                                                \
  }

GANFORGE_KERNELS(, generic)
#ifdef GANFORGE_X86_VARIANTS
GANFORGE_KERNELS(GANFORGE_AVX512, avx512)
GANFORGE_KERNELS(GANFORGE_AVX2, avx2)
#endif

enum class Isa { generic, avx2, avx512 };

Isa detect() {
#ifdef GANFORGE_X86_VARIANTS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
    return Isa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::avx2;
#endif
  return Isa::generic;
}

const Isa kBest = detect();
Isa kIsa = kBest;

}  // namespace

#ifdef GANFORGE_X86_VARIANTS
#define GANFORGE_DISPATCH(name, ...)                                      \
  switch (kIsa) {                                                         \
    case Isa::avx512: return name##_avx512(__VA_ARGS__);                  \
    case Isa::avx2: return name##_avx2(__VA_ARGS__);                      \
    default: return name##_generic(__VA_ARGS__);                          \
  }
#else
#define GANFORGE_DISPATCH(name, ...) return name##_generic(__VA_ARGS__);
#endif

void adam(const AdamStep& s, const float* g, float* m, float* v, float* w, int64_t n) {
  GANFORGE_DISPATCH(adam, s, g, m, v, w, n)
}
bool all_finite(const float* x, int64_t n) { GANFORGE_DISPATCH(all_finite, x, n) }
void tanh(const float* x, float* y, int64_t n) { GANFORGE_DISPATCH(tanh, x, y, n) }
void column_sums(const float* g, int64_t rows, int64_t cols, float* out) {
  GANFORGE_DISPATCH(column_sums, g, rows, cols, out)
}

const char* isa() { return kIsa == Isa::avx512 ? "avx512" : kIsa == Isa::avx2 ? "avx2" : "generic"; }

bool use_isa(const char* name) {
  const std::string n = name;
  const Isa want = n == "avx512" ? Isa::avx512 : n == "avx2" ? Isa::avx2 : n == "generic" ? Isa::generic : kBest;
  if ((want == kBest && n != "avx512" && n != "avx2" && n != "generic") || want > kBest) return false;
  kIsa = want;
  return true;
}

}  // namespace ganforge::kernels
