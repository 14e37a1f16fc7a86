#include "ganforge/ops/noise.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/util/MathConstants.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>

// LibTorch's own AVX2 log and sincos (the functions its normal_fill_AVX2 uses), compiled for AVX2 + FMA in
// this file only; called only where the CPU has both (parallel_randn_available()). GCC only: LibTorch is
// built by GCC, and the bitwise match depends on how the compiler contracts the multiplies and adds of
// those functions into FMAs; under clang (the sanitizer build) randn() is torch::randn.
#if defined(__GNUC__) && !defined(__clang__)
#define GANFORGE_PARALLEL_RANDN 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define CPU_CAPABILITY_AVX2
#include <ATen/native/cpu/avx_mathfun.h>
#undef CPU_CAPABILITY_AVX2

namespace ganforge::ops {
namespace {

// Uniforms u [0, 16) -> normals in place, as LibTorch 1.13's normal_fill_16_AVX2 with mean 0 and std 1:
// radius = sqrt(-2 log(1 - u[j])), theta = 2 pi u[j + 8]; out[j] = radius cos theta, out[j + 8] = radius sin theta.
void box_muller_16(float* data) {
  const __m256 u1 = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_loadu_ps(data));
  const __m256 u2 = _mm256_loadu_ps(data + 8);
  const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), log256_ps(u1)));
  const __m256 theta = _mm256_mul_ps(_mm256_set1_ps(2.0f * c10::pi<double>), u2);
  __m256 sin_theta, cos_theta;
  sincos256_ps(theta, &sin_theta, &cos_theta);
  // LibTorch's "* std + mean" as one FMA with std 1 and mean 0: a no-op except that it turns -0 into +0.
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  _mm256_storeu_ps(data, _mm256_fmadd_ps(_mm256_mul_ps(radius, cos_theta), one, zero));
  _mm256_storeu_ps(data + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, sin_theta), one, zero));
}

// LibTorch's at::mt19937 (ATen/core/MT19937RNGEngine.h) written so that the compiler vectorizes it: the
// same state words, the same outputs in the same order. Its operator() twists the 624-word state when it
// runs out and tempers one word per call, serially; here a whole state is twisted in two loops (the first
// reads words 397 ahead, not yet rewritten; the second words 227 behind, already rewritten: both
// vectorizable), and a run of words is tempered and turned into uniforms in one pass.
constexpr int kStateN = 624, kStateM = 397;

inline uint32_t twist(uint32_t u, uint32_t v) {
  return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

void next_state(uint32_t* __restrict p) {
  for (int i = 0; i < kStateN - kStateM; ++i) p[i] = p[i + kStateM] ^ twist(p[i], p[i + 1]);
  for (int i = kStateN - kStateM; i < kStateN - 1; ++i) p[i] = p[i - (kStateN - kStateM)] ^ twist(p[i], p[i + 1]);
  p[kStateN - 1] = p[kStateM - 1] ^ twist(p[kStateN - 1], p[0]);
}

// at::uniform_real_distribution<float>(0, 1) of each tempered word: its low 24 bits over 2^24.
void temper_to_uniforms(const uint32_t* __restrict words, int64_t n, float* __restrict out) {
  for (int64_t k = 0; k < n; ++k) {
    uint32_t y = words[k];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    out[k] = static_cast<float>(static_cast<int32_t>(y & ((1u << 24) - 1))) * (1.0f / static_cast<float>(1u << 24));
  }
}

// n uniforms as n calls of at::uniform_real_distribution<float>(0, 1) on the engine draw them, at once: the
// engine is left where those calls leave it.
void fill_uniforms(at::mt19937& engine, float* out, int64_t n) {
  at::mt19937_data_pod d = engine.data();
  for (int64_t i = 0; i < n;) {
    // operator() twists when --left reaches 0, then takes state[next++]: left - 1 words remain untwisted.
    if (d.left_ == 1) {
      next_state(d.state_.data());
      d.left_ = kStateN + 1, d.next_ = 0;  // as operator() leaves them one word before
    }
    const int64_t k = std::min<int64_t>(d.left_ - 1, n - i);
    temper_to_uniforms(d.state_.data() + d.next_, k, out + i);
    d.left_ -= static_cast<int>(k), d.next_ += static_cast<uint32_t>(k), i += k;
  }
  engine.set_data(d);
}

}  // namespace
}  // namespace ganforge::ops
#pragma GCC pop_options
#endif

namespace ganforge::ops {
#ifdef GANFORGE_PARALLEL_RANDN
namespace {

at::Tensor parallel_randn(int64_t rows, int64_t cols, at::Generator& gen) {
  const int64_t size = rows * cols;
  at::Tensor out = torch::empty({rows, cols}, torch::kFloat32);
  float* data = out.data_ptr<float>();
  auto* impl = at::check_generator<at::CPUGeneratorImpl>(gen);
  std::lock_guard<std::mutex> lock(gen.mutex());
  at::mt19937 engine = impl->engine();
  fill_uniforms(engine, data, size);
  at::parallel_for(0, size / 16, 256, [data](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) box_muller_16(data + 16 * b);
  });
  if (size % 16 != 0) {  // as LibTorch: the last 16 drawn again and transformed
    float* tail = data + size - 16;
    fill_uniforms(engine, tail, 16);
    box_muller_16(tail);
  }
  impl->set_engine(engine);
  return out;
}

// Both ways on the same seeds and sizes (whole blocks and a tail; also what each leaves the generator at).
bool agrees_with_torch() {
  for (const int64_t cols : {16, 37, 100}) {
    at::Generator a = at::make_generator<at::CPUGeneratorImpl>(20261203 + cols);
    at::Generator b = at::make_generator<at::CPUGeneratorImpl>(20261203 + cols);
    const at::Tensor want = torch::randn({3, cols}, a), got = parallel_randn(3, cols, b);
    if (!torch::equal(want, got)) return false;
    if (!torch::equal(torch::randn({16}, a), torch::randn({16}, b))) return false;
  }
  return true;
}

}  // namespace

bool parallel_randn_available() {
  static const bool ok = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && agrees_with_torch();
  }();
  return ok;
}

at::Tensor randn(int64_t rows, int64_t cols, at::Generator& gen) {
  if (rows * cols < 16 || !parallel_randn_available()) return torch::randn({rows, cols}, gen);
  return parallel_randn(rows, cols, gen);
}
#else
bool parallel_randn_available() { return false; }

at::Tensor randn(int64_t rows, int64_t cols, at::Generator& gen) { return torch::randn({rows, cols}, gen); }
#endif

}  // namespace ganforge::ops
