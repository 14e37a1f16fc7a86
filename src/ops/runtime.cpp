#include "ganforge/ops/runtime.h"

#include <dlfcn.h>
#include <link.h>
#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <torch/torch.h>

#include "ganforge/ops/kernels.h"
#include "ganforge/models/layers.h"

namespace ganforge::runtime {
namespace {

int collect(struct dl_phdr_info* info, size_t, void* data) {
  auto* paths = static_cast<std::vector<std::string>*>(data);
  if (info->dlpi_name && *info->dlpi_name) paths->push_back(info->dlpi_name);
  return 0;
}

}  // namespace

Info inspect() {
  Info info;
  info.torch_version = TORCH_VERSION;
  info.threads = at::get_num_threads();
  std::vector<std::string> libs;
  dl_iterate_phdr(collect, &libs);
  std::string blas, openblas;
  for (const auto& p : libs) {
    const std::string base = std::filesystem::path(p).filename().string();
    std::error_code ec;
    const std::string real = std::filesystem::canonical(p, ec).string();
    if (base.rfind("libblas.so", 0) == 0) blas = ec ? p : real;
    if (base.rfind("libopenblas", 0) == 0) openblas = ec ? p : real;
  }
  info.blas_path = !blas.empty() ? blas : openblas;
  info.gemm = models::gemm_kernel();
  info.kernels_isa = kernels::isa();
  using StrFn = char* (*)();
  if (auto f = reinterpret_cast<StrFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) info.blas_config = f();
  if (auto f = reinterpret_cast<StrFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) info.blas_core = f();

  if (info.blas_path.find("/blas/") != std::string::npos || info.blas_path.find("libblas.so.3.") != std::string::npos)
    info.warnings.push_back("the reference BLAS is loaded (" + info.blas_path +
                            "), ~15x slower: run scripts/setup.sh to select OpenBLAS (openmp)");
  if (!blas.empty() && !openblas.empty() &&
      (blas.find("openmp") != std::string::npos) != (openblas.find("openmp") != std::string::npos))
    info.warnings.push_back("libblas.so.3 (" + blas + ") and libopenblas.so.0 (" + openblas +
                            ") are different OpenBLAS builds; their threads fight: run scripts/setup.sh");
  if (info.blas_config.find("pthread") != std::string::npos || openblas.find("pthread") != std::string::npos)
    info.warnings.push_back("the pthread OpenBLAS is loaded beside OpenMP; its threads fight LibTorch's: "
                            "select openblas-openmp (scripts/setup.sh)");
  if (const char* core = std::getenv("OPENBLAS_CORETYPE")) {
    const std::string c = core;
    if (__builtin_cpu_supports("avx512f") && c != "SkylakeX" && c != "Cooperlake" && c != "SapphireRapids")
      info.warnings.push_back("OPENBLAS_CORETYPE=" + c +
                              " forces older kernels on this AVX-512 CPU (about half the matrix-multiply "
                              "peak here): unset it for full speed");
  }
  return info;
}

bool keep_freed_memory() {
  // LibTorch's CPU allocator is plain malloc. With glibc's defaults, every training step frees its
  // activations (megabytes each) back to the kernel (heap trimming above 128 KB, mmap for large blocks) and
  // the next step faults the same pages in again, zero-filled: on this machine that cost the evaluator CNN
  // 163 -> 63 ms a step in PyTorch itself (MALLOC_TRIM_THRESHOLD_ / MALLOC_MMAP_THRESHOLD_, BENCHMARKS.md).
  // Keep freed memory for reuse: blocks up to 32 MB (glibc's largest mmap threshold) come from the heap,
  // and the heap is never trimmed. Peak memory is unchanged; only its return to the OS is. Setting
  // GANFORGE_MALLOC=default keeps glibc's behaviour.
  if (const char* v = std::getenv("GANFORGE_MALLOC"); v && std::string(v) == "default") return false;
  return mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30 /* 1 GiB */) == 1;
}

Info configure(int threads) {
  static const bool malloc_tuned = keep_freed_memory();
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  Info info = inspect();
  info.malloc_keeps_memory = malloc_tuned;
  return info;
}

std::string summary(const Info& info) {
  std::string s = "runtime: LibTorch " + info.torch_version + ", " + std::to_string(info.threads) +
                  " threads, BLAS " + (info.blas_path.empty() ? "(none found)" : info.blas_path);
  if (!info.blas_core.empty()) s += " [OpenBLAS core " + info.blas_core + "]";
  s += std::string(", linear layers ") + (info.gemm == "onednn" ? "oneDNN sgemm" : "LibTorch") + ", kernels " +
       info.kernels_isa;
  if (info.malloc_keeps_memory) s += ", malloc keeps freed memory";
  for (const auto& w : info.warnings) s += "\nwarning: " + w;
  return s;
}

}  // namespace ganforge::runtime
