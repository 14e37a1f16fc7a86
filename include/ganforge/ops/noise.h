// Standard normal noise, the same numbers torch::randn gives for the same generator, drawn faster.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace ganforge::ops {

// A [rows, cols] float tensor of N(0, 1) draws from `gen` (a CPU generator): bitwise what
// torch::randn({rows, cols}, gen) gives, and `gen` is left where torch::randn leaves it, so a seed names the
// same z as before. LibTorch 1.13 draws the uniforms serially (mt19937) and then turns each block of 16
// into 16 normals (Box-Muller, its AVX2 log and sincos) on one thread; here the uniforms are drawn as
// there, from the engine itself, and the blocks are transformed on all intra-op threads. Where this
// process's torch::randn would give other numbers (another CPU capability, no AVX2), torch::randn itself is
// used: the first call compares the two on a probe. Built by GCC only (clang builds call torch::randn).
at::Tensor randn(int64_t rows, int64_t cols, at::Generator& gen);

// Whether randn() takes the parallel path in this process (false: it calls torch::randn).
bool parallel_randn_available();

}  // namespace ganforge::ops
