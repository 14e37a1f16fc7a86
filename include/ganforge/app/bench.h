// The benchmark cases of BENCHMARKS.md: the same work bench/reference.py does in eager PyTorch, timed in
// this process. bench/compare.py runs both side by side (`ganforge bench --serve`); `ganforge bench` alone
// prints ganforge's own figures.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace ganforge::bench {

struct Case {
  std::string name;
  std::string what;              // one line for the table
  int64_t samples_per_iter = 0;  // images (or multiply-adds for sgemm) one iteration handles
  std::function<void()> iterate; // one iteration
};

// The case names, in table order: mlp, dcgan64, dcgan128, wgangp, sample-mlp, sample-dcgan, eval, sgemm.
const std::vector<std::string>& case_names();
// Builds the case's models and inputs (fixed seeds); UserError for an unknown name. precision "bf16": the
// same work under bf16 autocast (training as train.precision = "bf16", sampling and eval as --precision bf16;
// sgemm: a bf16 x bf16 product, the bf16 peak).
Case make_case(const std::string& name, const std::string& precision = "fp32");

// Milliseconds that `iters` iterations take, after none.
double time_ms(const Case& c, int64_t iters);
// Peak resident memory of this process so far, MiB.
double peak_rss_mib();

// The worker protocol of bench/compare.py, one line each way: "run N" -> {"ms": total}, "rss" ->
// {"peak_rss_mib": x}, "quit" (or end of input). First line out: {"case", "what", "samples_per_iter",
// "threads", "blas_core"} (OpenBLAS's kernel set, which the environment's OPENBLAS_CORETYPE can force).
void serve(const Case& c, FILE* in, FILE* out);

}  // namespace ganforge::bench
