// Benchmark cases (bench.h): each builds what the trainer, `sample` and `eval` build, with fixed seeds, and
// times the same calls they make.
#include "ganforge/app/bench.h"

#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "ganforge/core/error.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/models/layers.h"
#include "ganforge/eval/metrics.h"
#include "ganforge/models/registry.h"
#include "ganforge/ops/precision.h"
#include "ganforge/ops/runtime.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/loop.h"

namespace ganforge::bench {
namespace {

// A shipped config (configs/NAME.toml): the cases time what users train, not copies of it.
Config shipped(const std::string& name, const std::vector<std::string>& sets = {}) {
  Config cfg = load_config(std::string(GANFORGE_SOURCE_CONFIG_DIR) + "/" + name + ".toml");
  for (const auto& s : sets) apply_override(cfg, s);
  validate(cfg);
  return cfg;
}

const std::vector<int64_t> kImage = {1, 28, 28};

// One training iteration as the loop runs it: d_steps D phases on a real batch and fresh noise, then one
// G phase on fresh noise. The real batch is fixed: data loading is not what is measured.
Case training(const std::string& name, const std::string& what, const Config& cfg) {
  auto s = std::make_shared<train::TrainState>(train::make_state(cfg, kImage, 0));
  auto objective = std::make_shared<losses::Objective>(cfg.loss);
  const int64_t b = cfg.data.batch_size;
  auto real = std::make_shared<torch::Tensor>(torch::rand({b, 1, 28, 28}, s->noise_gen) * 2 - 1);
  Case c{name, what, b, {}};
  c.iterate = [s, objective, real, b] {
    for (int64_t k = 0; k < s->cfg.train.d_steps; ++k)
      train::discriminator_phase(*s, *objective, {*real, models::sample_noise(s->cfg.model, b, s->noise_gen), {}, {}, 0, {}});
    train::generator_phase(*s, *objective, {{}, models::sample_noise(s->cfg.model, b, s->noise_gen), {}, {}, 0, {}});
  };
  return c;
}

// `ganforge sample`'s path: generate() under inference mode, one batch of 1,024.
Case sampling(const std::string& name, const std::string& what, const Config& cfg) {
  auto s = std::make_shared<train::TrainState>(train::make_state(cfg, kImage, 0));
  Case c{name, what, 1024, {}};
  c.iterate = [s] {
    precision::Autocast amp(s->cfg.train.precision == "bf16");  // as `sample --precision`
    run::generate(*s->sampling_generator(), s->cfg.model, 1024, 0, 1024);
  };
  return c;
}

// `eval`'s path for FID: features (and class probabilities) of 10,000 uint8 images in batches of 500,
// then the Frechet distance to the reference statistics.
Case evaluation(bool bf16) {
  torch::manual_seed(0);
  // The evaluator network with its weights as initialised: the time does not depend on them.
  std::shared_ptr<evaluator::Extractor> ex = evaluator::built_in(evaluator::Net(1, 10));
  ex->bf16 = bf16;
  auto images = std::make_shared<torch::Tensor>(torch::randint(0, 256, {10000, 1, 28, 28}, torch::kUInt8));
  auto ref = std::make_shared<metrics::Gaussian>(metrics::gaussian(torch::randn({10000, evaluator::kFeatures})));
  Case c{"eval", "features + FID of 10,000 images", 10000, {}};
  c.iterate = [ex, images, ref] { metrics::frechet_distance(metrics::gaussian(evaluator::extract(*ex, *images).features), *ref); };
  return c;
}

// The machine's float32 peak: the faster of the two matrix-multiply kernels in the process, oneDNN's sgemm
// (what models::linear uses) or LibTorch's BLAS (torch::mm; OpenBLAS here). `sgemm-blas` times the latter
// alone.
Case sgemm(bool blas_only, bool bf16) {
  constexpr int64_t n = 2048;
  torch::manual_seed(0);
  if (bf16) {  // LibTorch's bf16 product (oneDNN's bf16 GEMM), the peak bf16 cases are measured against
    auto a = std::make_shared<torch::Tensor>(torch::randn({n, n}).to(torch::kBFloat16));
    auto b = std::make_shared<torch::Tensor>(torch::randn({n, n}).to(torch::kBFloat16));
    auto c = std::make_shared<torch::Tensor>(torch::empty({n, n}, torch::kBFloat16));
    return {blas_only ? "sgemm-blas" : "sgemm", "bf16 matrix product 2048^3 (LibTorch: oneDNN)", n * n * n, [a, b, c] { torch::mm_out(*c, *a, *b); }};
  }
  auto a = std::make_shared<torch::Tensor>(torch::randn({n, n}));
  auto b = std::make_shared<torch::Tensor>(torch::randn({n, n}));
  auto c = std::make_shared<torch::Tensor>(torch::empty({n, n}));
  const bool onednn = !blas_only && models::gemm_kernel() == "onednn";
  Case k{blas_only ? "sgemm-blas" : "sgemm",
         std::string("float32 matrix product 2048^3 (") + (onednn ? "oneDNN" : "LibTorch's BLAS") + ")", n * n * n, {}};
  if (onednn)
    k.iterate = [a, b, c] {
      models::sgemm(false, false, n, n, n, a->data_ptr<float>(), n, b->data_ptr<float>(), n, 0, c->data_ptr<float>(), n);
    };
  else
    k.iterate = [a, b, c] { torch::mm_out(*c, *a, *b); };
  return k;
}

// The cases by name: training and sampling cases are a shipped config (configs/<config>.toml) and overrides.
struct CaseEntry {
  const char* name;
  Case (*make)(const CaseEntry&, bool bf16);
  const char* what;
  const char* config;
  std::vector<std::string> sets;
};

std::vector<std::string> with_precision(std::vector<std::string> sets, bool bf16) {
  if (bf16) sets.push_back("train.precision=\"bf16\"");
  return sets;
}
Case train_case(const CaseEntry& e, bool bf16) {
  return training(e.name, e.what, shipped(e.config, with_precision(e.sets, bf16)));
}
Case sample_case(const CaseEntry& e, bool bf16) {
  return sampling(e.name, e.what, shipped(e.config, with_precision(e.sets, bf16)));
}

const std::vector<CaseEntry>& cases() {
  // The seed recipe's MLP GAN; the DCGAN with BatchNorm in G and D; the WGAN-GP critic (5 critic updates).
  static const std::vector<CaseEntry> entries = {
      {"mlp", train_case, "MLP GAN iteration, batch 128", "seed-keras-mlp", {}},
      {"dcgan64", train_case, "DCGAN 28x28 iteration, batch 64", "mnist-dcgan", {}},
      {"dcgan128", train_case, "DCGAN 28x28 iteration, batch 128", "mnist-dcgan", {"data.batch_size=128"}},
      {"wgangp", train_case, "WGAN-GP iteration (5 critic + 1 G updates), batch 64", "fashion-wgangp", {}},
      {"sample-mlp", sample_case, "MLP G sampling, batch 1024", "seed-keras-mlp", {}},
      {"sample-dcgan", sample_case, "DCGAN G sampling, batch 1024", "mnist-dcgan", {}},
      {"eval", [](const CaseEntry&, bool bf16) { return evaluation(bf16); }, "", "", {}},
      {"sgemm", [](const CaseEntry&, bool bf16) { return sgemm(false, bf16); }, "", "", {}},
      {"sgemm-blas", [](const CaseEntry&, bool bf16) { return sgemm(true, bf16); }, "", "", {}},
  };
  return entries;
}

}  // namespace

const std::vector<std::string>& case_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& e : cases()) out.push_back(e.name);
    return out;
  }();
  return names;
}

Case make_case(const std::string& name, const std::string& precision) {
  precision::require(precision, "bench: --precision");
  torch::manual_seed(0);
  for (const auto& e : cases())
    if (name == e.name) return e.make(e, precision == "bf16");
  std::string known;
  for (const auto& n : case_names()) known += (known.empty() ? "" : ", ") + n;
  throw UserError("bench: unknown case '" + name + "' (" + known + ")");
}

double time_ms(const Case& c, int64_t iters) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iters; ++i) c.iterate();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // KiB on Linux
}

void serve(const Case& c, FILE* in, FILE* out) {
  auto say = [out](const nlohmann::json& j) {
    std::fprintf(out, "%s\n", j.dump().c_str());
    std::fflush(out);
  };
  say({{"case", c.name}, {"what", c.what}, {"samples_per_iter", c.samples_per_iter},
       {"threads", at::get_num_threads()}, {"blas_core", runtime::inspect().blas_core}});
  char line[256];
  while (std::fgets(line, sizeof line, in)) {
    const std::string cmd(line);
    long long n = 0;
    if (std::sscanf(line, "run %lld", &n) == 1 && n > 0)
      say({{"ms", time_ms(c, n)}});
    else if (cmd.rfind("rss", 0) == 0)
      say({{"peak_rss_mib", peak_rss_mib()}});
    else if (cmd.rfind("quit", 0) == 0)
      return;
    else
      say({{"error", "unknown request: " + cmd.substr(0, cmd.find('\n'))}});
  }
}

}  // namespace ganforge::bench
