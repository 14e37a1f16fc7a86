#include <algorithm>
#include <cstdio>
#include <vector>

#include "commands.h"
#include "ganforge/app/bench.h"
#include "ganforge/core/error.h"
#include "ganforge/ops/runtime.h"

namespace ganforge::cli {

namespace {

struct BenchArgs {
  std::vector<std::string> cases;
  int rounds = 10;
  double round_seconds = 0.5;
  int threads = 0;
  bool serve = false;
  std::string precision = "fp32";
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

void add_bench(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "time training iterations, sampling and evaluation (bench/compare.py: side by side with PyTorch)");
  cmd->add_option("--case", args->cases, "cases to run (default all): mlp, dcgan64, dcgan128, wgangp, sample-mlp, "
                                         "sample-dcgan, eval, sgemm, sgemm-blas");
  cmd->add_option("--rounds", args->rounds, "timed rounds per case")->check(CLI::PositiveNumber);
  cmd->add_option("--round-seconds", args->round_seconds, "about how long each round runs")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--threads", args->threads, "intra-op threads (0: one per core)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--precision", args->precision, "fp32 (default) or bf16: every case under bf16 autocast")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_flag("--serve", args->serve, "one case, driven over stdin/stdout by bench/compare.py");
  cmd->callback([args]() {
    runtime::configure(args->threads);
    if (args->cases.empty()) args->cases = bench::case_names();
    if (args->serve) {
      if (args->cases.size() != 1) throw UserError("bench: --serve takes exactly one --case");
      bench::serve(bench::make_case(args->cases[0], args->precision), stdin, stdout);
      return;
    }
    std::printf("%-13s %10s %10s %12s %9s  %s\n", "case", "min ms", "median ms", "samples/s", "RSS MiB", "what");
    for (const auto& name : args->cases) {
      const bench::Case c = bench::make_case(name, args->precision);
      const double first = bench::time_ms(c, 1);  // warm-up, and the size of a round
      const int64_t iters = std::max<int64_t>(1, static_cast<int64_t>(1000 * args->round_seconds / first));
      std::vector<double> per_iter;
      for (int r = 0; r < args->rounds; ++r) per_iter.push_back(bench::time_ms(c, iters) / iters);
      const double best = *std::min_element(per_iter.begin(), per_iter.end());
      std::printf("%-13s %10.3f %10.3f %12.0f %9.0f  %s\n", name.c_str(), best, median(per_iter),
                  name.rfind("sgemm", 0) == 0 ? 0.0 : 1000.0 * c.samples_per_iter / median(per_iter), bench::peak_rss_mib(),
                  c.what.c_str());
      std::fflush(stdout);
    }
  });
}

}  // namespace ganforge::cli
