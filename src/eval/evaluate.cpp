// Metrics (metrics.h) and the `eval` runner (evaluate.h).
#include "ganforge/evaluate.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "ganforge/data.h"
#include "ganforge/error.h"
#include "ganforge/generate.h"
#include "ganforge/metrics.h"

namespace ganforge {
namespace metrics {

ModeStats mode_stats(const torch::Tensor& points, const torch::Tensor& means, double std, double threshold_sigmas) {
  TORCH_CHECK(points.dim() == 2 && means.dim() == 2 && points.size(1) == means.size(1), "mode_stats: shapes");
  const auto p = points.to(torch::kFloat64), m = means.to(torch::kFloat64);
  const auto [dist, nearest] = torch::cdist(p, m).min(/*dim=*/1);  // [N]
  const auto good = dist < threshold_sigmas * std;                 // non-finite samples are never good
  ModeStats s;
  s.modes = m.size(0);
  const auto counts = torch::bincount(nearest.masked_select(good), /*weights=*/{}, s.modes);
  s.counts.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + s.modes);
  int64_t total_good = 0;
  for (int64_t c : s.counts) s.covered += c > 0, total_good += c;
  s.high_quality = p.size(0) ? static_cast<double>(total_good) / static_cast<double>(p.size(0)) : 0;
  if (total_good == 0) {
    s.reverse_kl = std::numeric_limits<double>::infinity();
  } else {
    for (int64_t c : s.counts)
      if (c > 0) {
        const double q = static_cast<double>(c) / static_cast<double>(total_good);
        s.reverse_kl += q * std::log(q * static_cast<double>(s.modes));
      }
  }
  return s;
}

}  // namespace metrics

namespace {

nlohmann::json to_json(const metrics::ModeStats& s) {
  return {{"modes_covered", s.covered},
          {"modes", s.modes},
          {"high_quality", s.high_quality},
          {"reverse_kl", std::isfinite(s.reverse_kl) ? nlohmann::json(s.reverse_kl) : nlohmann::json("inf")},
          {"counts", s.counts}};
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

std::string evaluate(const EvalOptions& opts) {
  if (opts.n <= 0) throw UserError("eval: --n must be positive");
  const auto t0 = std::chrono::steady_clock::now();
  LoadedGenerator g = load_generator(opts.run_dir, opts.checkpoint);
  const Config& cfg = g.state.cfg;
  if (!data::is_toy(cfg.dataset))
    throw UserError("eval: image metrics (FID, KID, precision/recall, class coverage) are not built yet; this "
                    "version evaluates the 2D toys (ring8, grid25); the run's data is '" + cfg.dataset + "'");
  const data::Dataset real = data::load(cfg.dataset, cfg.data_dir, "test");
  const torch::Tensor fake = generate(g, opts.n, opts.seed);
  const auto gen_stats = metrics::mode_stats(fake, real.modes, real.mode_std);
  // The floor: the same statistics of real test points (2,500, the protocol's sample count).
  const auto real_stats = metrics::mode_stats(real.points, real.modes, real.mode_std);
  nlohmann::json line = {
      {"checkpoint", g.checkpoint},
      {"step", g.state.step},  // load_checkpoint sets it
      {"dataset", cfg.dataset},
      {"n", opts.n},
      {"seed", opts.seed},
      {"generator", g.state.g_ema ? "ema" : "raw"},
      {"protocol", "PacGAN/VEEGAN 2D: nearest mode within 3 sigma; mode covered with >= 1 such sample; reverse "
                   "KL of the covered-mode histogram to uniform"},
      {"generated", to_json(gen_stats)},
      {"real_floor", to_json(real_stats)},
      {"real_floor_n", real.size()},
      {"time", now_utc()},
  };
  line["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // RUN_DIR/eval.jsonl; for a bare checkpoint, the run folder above its checkpoints/ folder.
  const std::filesystem::path run =
      !opts.run_dir.empty() ? std::filesystem::path(opts.run_dir)
                            : std::filesystem::path(g.checkpoint).parent_path().parent_path();
  {
    std::ofstream out(run / "eval.jsonl", std::ios::app);
    if (!out) throw UserError((run / "eval.jsonl").string() + ": cannot write");
    out << line.dump() << "\n";
  }
  if (opts.json) {
    std::fprintf(opts.out, "%s\n", line.dump().c_str());
  } else {
    auto row = [&](const char* what, const metrics::ModeStats& s, int64_t n) {
      std::fprintf(opts.out, "%-10s %6lld %6lld/%-3lld %11.1f%% %11.4g\n", what, static_cast<long long>(n),
                   static_cast<long long>(s.covered), static_cast<long long>(s.modes), 100 * s.high_quality,
                   s.reverse_kl);
    };
    std::fprintf(opts.out, "eval: %s (%s, step %lld, %s generator)\n", g.checkpoint.c_str(), cfg.dataset.c_str(),
                 static_cast<long long>(line["step"].get<int64_t>()), line["generator"].get<std::string>().c_str());
    std::fprintf(opts.out, "%-10s %6s %10s %12s %11s\n", "", "n", "modes", "high qual.", "reverse KL");
    row("generated", gen_stats, opts.n);
    row("real", real_stats, real.size());
  }
  return line.dump();
}

}  // namespace ganforge
