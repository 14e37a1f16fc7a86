// The elementwise kernels (kernels.h) in every variant this CPU can run, against double-precision formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ganforge/ops/kernels.h"

namespace gk = ganforge::kernels;

namespace {

// The variants this CPU supports; the test leaves the best one selected.
std::vector<std::string> variants() {
  const std::string best = gk::isa();
  std::vector<std::string> out;
  for (const char* v : {"generic", "avx2", "avx512"})
    if (gk::use_isa(v)) out.push_back(v);
  gk::use_isa(best.c_str());
  return out;
}

struct Restore {
  std::string best = gk::isa();
  ~Restore() { gk::use_isa(best.c_str()); }
};

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

TEST(Kernels, UnknownOrUnsupportedVariantsAreRefused) {
  Restore restore;
  EXPECT_FALSE(gk::use_isa("sse9"));
  EXPECT_TRUE(gk::use_isa("generic"));
  EXPECT_STREQ(gk::isa(), "generic");
}

TEST(Kernels, TanhIsWithinTwoAndAHalfFloatEpsilons) {
  Restore restore;
  // Every 997th float bit pattern from 0 up to 12 (the sign handled by symmetry, checked below), plus edges.
  std::vector<float> x;
  for (uint32_t u = 0; from_bits(u) < 12.0f; u += 997) x.push_back(from_bits(u));
  for (float v : {1e-38f, 1e-30f, 1e-8f, 0.1733f, 0.3466f, 0.34658f, 0.5f, 1.0f, 8.99f, 9.0f, 9.01f, 50.0f, 1e30f})
    x.push_back(v);
  const size_t n = x.size();
  for (size_t i = 0; i < n; ++i) x.push_back(-x[i]);
  for (const auto& v : variants()) {
    SCOPED_TRACE(v);
    ASSERT_TRUE(gk::use_isa(v.c_str()));
    std::vector<float> y(x.size());
    gk::tanh(x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst_abs = 0, worst_rel = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double want = std::tanh(static_cast<double>(x[i]));
      const double err = std::fabs(y[i] - want);
      worst_abs = std::max(worst_abs, err);
      if (std::fabs(want) > 1e-30) worst_rel = std::max(worst_rel, err / std::fabs(want));
      ASSERT_EQ(std::signbit(y[i]), std::signbit(x[i])) << x[i];
    }
    std::printf("%s: worst absolute error %.3g, relative %.3g\n", v.c_str(), worst_abs, worst_rel);
    EXPECT_LT(worst_abs, 2e-7);
    EXPECT_LT(worst_rel, 3e-7);  // ~2.5 float epsilons; the next-shorter polynomial measures 5.7e-7
    // NaN stays NaN, infinities give +-1, in place works.
    std::vector<float> e = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), -0.0f, 0.25f};
    gk::tanh(e.data(), e.data(), static_cast<int64_t>(e.size()));
    EXPECT_TRUE(std::isnan(e[0]));
    EXPECT_EQ(e[1], 1.0f);
    EXPECT_EQ(e[2], -1.0f);
    EXPECT_TRUE(e[3] == 0.0f && std::signbit(e[3]));
    EXPECT_NEAR(e[4], std::tanh(0.25), 2e-8);
  }
}

TEST(Kernels, AdamMatchesTheFormulaInDoublePrecision) {
  Restore restore;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  const int64_t n = 1000;  // not a multiple of any vector width: the tails run too
  std::vector<float> g(n), m0(n), v0(n), w0(n);
  for (int64_t i = 0; i < n; ++i) {
    g[i] = normal(rng) * 0.01f;
    m0[i] = normal(rng) * 0.001f;
    v0[i] = std::fabs(normal(rng)) * 1e-5f;
    w0[i] = normal(rng) * 0.05f;  // small weights, so that every step of ~lr moves them
  }
  const double b1 = 0.5, b2 = 0.999, lr = 2e-4, eps = 1e-8, t = 7;
  const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
  gk::AdamStep s{};
  s.beta1 = static_cast<float>(b1), s.one_minus_beta1 = static_cast<float>(1 - b1);
  s.beta2 = static_cast<float>(b2), s.one_minus_beta2 = static_cast<float>(1 - b2);
  s.sqrt_bias_correction2 = static_cast<float>(std::sqrt(bc2));
  s.eps = static_cast<float>(eps), s.neg_step_size = static_cast<float>(-lr / bc1);
  for (const auto& v : variants()) {
    SCOPED_TRACE(v);
    ASSERT_TRUE(gk::use_isa(v.c_str()));
    std::vector<float> m = m0, vv = v0, w = w0;
    gk::adam(s, g.data(), m.data(), vv.data(), w.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double mi = b1 * m0[i] + (1 - b1) * g[i];
      const double vi = b2 * v0[i] + (1 - b2) * double(g[i]) * g[i];
      const double wi = w0[i] - lr / bc1 * mi / (std::sqrt(vi) / std::sqrt(bc2) + eps);
      ASSERT_NEAR(m[i], mi, 1e-6 * std::fabs(mi) + 1e-12) << i;
      ASSERT_NEAR(vv[i], vi, 1e-6 * vi + 1e-15) << i;
      // The step itself is ~lr; float keeps w to ~1e-7 relative.
      ASSERT_NEAR(w[i], wi, 2e-7 * std::fabs(wi) + 1e-9) << i;
      ASSERT_NE(w[i], w0[i]) << i;  // it moved
    }
  }
}

TEST(Kernels, AllFiniteFindsEveryNaNAndInfWhereverItIs) {
  Restore restore;
  for (const auto& v : variants()) {
    SCOPED_TRACE(v);
    ASSERT_TRUE(gk::use_isa(v.c_str()));
    std::vector<float> x(77, 1.0f);
    x[3] = std::numeric_limits<float>::max();
    x[4] = std::numeric_limits<float>::denorm_min();
    x[5] = -std::numeric_limits<float>::max();
    EXPECT_TRUE(gk::all_finite(x.data(), 77));
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()})
      for (int64_t at : {0, 15, 16, 63, 76}) {  // in a vector, at its edges, in the scalar tail
        std::vector<float> y = x;
        y[at] = bad;
        EXPECT_FALSE(gk::all_finite(y.data(), 77)) << bad << " at " << at;
        EXPECT_TRUE(gk::all_finite(y.data(), at)) << "before " << at;  // only the first n are read
      }
    EXPECT_TRUE(gk::all_finite(x.data(), 0));
  }
}

TEST(Kernels, ColumnSumsAreTheSumsOverRows) {
  Restore restore;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  const int64_t rows = 37, cols = 53;
  std::vector<float> g(rows * cols);
  for (auto& e : g) e = u(rng);
  for (const auto& v : variants()) {
    SCOPED_TRACE(v);
    ASSERT_TRUE(gk::use_isa(v.c_str()));
    std::vector<float> out(cols, 123.0f);  // overwritten, not added to
    gk::column_sums(g.data(), rows, cols, out.data());
    for (int64_t j = 0; j < cols; ++j) {
      double want = 0;
      for (int64_t i = 0; i < rows; ++i) want += g[i * cols + j];
      ASSERT_NEAR(out[j], want, 1e-5) << j;
    }
  }
}
