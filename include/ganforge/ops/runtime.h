// What the process runs on: LibTorch version, threads, and which BLAS the dynamic loader picked.
#pragma once

#include <string>
#include <vector>

namespace ganforge::runtime {

struct Info {
  std::string torch_version;
  int threads = 0;
  std::string blas_path;     // resolved path of the loaded BLAS library ("" if none found)
  std::string blas_config;   // openblas_get_config(), if OpenBLAS
  std::string blas_core;     // openblas_get_corename(), if OpenBLAS
  std::string gemm;          // models::gemm_kernel(): "onednn" or "libtorch" (what linear layers multiply with)
  std::string kernels_isa;   // kernels::isa(): avx512, avx2 or generic
  bool malloc_keeps_memory = false;  // configure() set glibc malloc to keep freed memory (runtime.cpp)
  std::vector<std::string> warnings;  // slow configurations worth fixing
};

// Set intra-op threads (0: one per core) and return what was found.
Info configure(int threads);
Info inspect();
// One or two lines for the start of a run.
std::string summary(const Info& info);

}  // namespace ganforge::runtime
