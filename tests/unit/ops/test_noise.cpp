// ops::randn keeps the seed contract: for any seed and shape it gives bitwise the numbers torch::randn gives
// (what ganforge drew before it), and leaves the generator where torch::randn leaves it.
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include "ganforge/ops/noise.h"

namespace ganforge {
namespace {

TEST(Noise, RandnGivesTorchRandnsNumbersAndLeavesTheGeneratorAsItDoes) {
  const int threads = at::get_num_threads();
  for (const int t : {1, 2}) {
    at::set_num_threads(t);
    for (const uint64_t seed : {0ull, 1ull, 123456789ull}) {
      // whole blocks of 16, a tail, one row, the training and sampling shapes (z of 100)
      for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{
               {1, 16}, {1, 17}, {3, 37}, {1, 100}, {64, 100}, {128, 100}, {1024, 100}, {7, 5}}) {
        at::Generator a = at::make_generator<at::CPUGeneratorImpl>(seed);
        at::Generator b = at::make_generator<at::CPUGeneratorImpl>(seed);
        const torch::Tensor want = torch::randn({rows, cols}, a);
        const torch::Tensor got = ops::randn(rows, cols, b);
        ASSERT_EQ(got.sizes(), want.sizes());
        EXPECT_TRUE(torch::equal(got, want)) << rows << "x" << cols << ", seed " << seed << ", " << t << " threads";
        EXPECT_TRUE(torch::equal(torch::randn({5, 16}, a), torch::randn({5, 16}, b)))
            << "the generator after " << rows << "x" << cols;
      }
    }
  }
  at::set_num_threads(threads);
}

TEST(Noise, TheParallelPathIsTakenWhereTheCpuHasAvx2) {
#if defined(__clang__)
  GTEST_SKIP() << "the parallel path is built by GCC only (noise.cpp)";
#endif
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) GTEST_SKIP() << "no AVX2 + FMA here";
  // LibTorch 1.13 on x86-64 draws float normals with normal_fill_AVX2; if this fails, ops::randn falls back to
  // torch::randn (still the same numbers, but not faster) and the first test above checks only that.
  EXPECT_TRUE(ops::parallel_randn_available());
}

}  // namespace
}  // namespace ganforge
