// `ganforge eval` (app/eval.h): sample a checkpoint, compute the metrics with the real-data floor, report.
#include "ganforge/app/eval.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/core/registry.h"
#include "ganforge/data/dataset.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/eval/image_metrics.h"
#include "ganforge/eval/metrics.h"
#include "ganforge/eval/translation.h"
#include "ganforge/io/idx.h"
#include "ganforge/models/registry.h"
#include "ganforge/run/layout.h"
#include "ganforge/run/snapshot.h"

namespace ganforge {

namespace {

namespace fsys = std::filesystem;
using nlohmann::json;

json to_json(const metrics::ModeStats& s) {
  return {{"modes_covered", s.covered},
          {"modes", s.modes},
          {"high_quality", s.high_quality},
          {"reverse_kl", json_number(s.reverse_kl)},
          {"counts", s.counts}};
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// One table row from the registry (core/registry.h) for a generated or a real-floor result.
std::string table_cell(const registry::TableRow& row, const json& result) {
  if (!result.contains(row.key)) return row.floor_missing;
  const json& v = result[row.key];
  char buf[64];
  auto number = [&](const json& x) {
    if (x.is_string()) return x.get<std::string>();  // "inf" / "nan"
    std::snprintf(buf, sizeof buf, row.format, row.scale * x.get<double>());
    return std::string(buf);
  };
  switch (row.kind) {
    case registry::TableRow::kMeanStd:
      return number(v["mean"]) + " +- " + number(v["std"]);
    case registry::TableRow::kOfTotal:
      return std::to_string(v[row.field].get<int64_t>()) + "/" + std::to_string(v["of"].get<int64_t>());
    case registry::TableRow::kNumber:
      break;
  }
  return number(*row.field ? v[row.field] : v);
}

}  // namespace

void print_image_table(FILE* out, const nlohmann::json& line) {
  const json& g = line["generated"];
  const json& r = line["real_floor"];
  std::fprintf(out, "extractor: %s (hash %s", line["extractor"]["name"].get<std::string>().c_str(),
               line["extractor"]["hash"].get<std::string>().c_str());
  if (line["extractor"].contains("test_accuracy"))
    std::fprintf(out, ", test accuracy %.2f%%", 100 * line["extractor"]["test_accuracy"].get<double>());
  std::fprintf(out, "); reference: real %s split, %lld images\n", line["reference"]["split"].get<std::string>().c_str(),
               static_cast<long long>(line["reference"]["n"].get<int64_t>()));
  auto print_row = [&](const char* name, const std::string& a, const std::string& b) {
    std::fprintf(out, "%-18s %16s %16s\n", name, a.c_str(), b.c_str());
  };
  print_row("metric", "generated", "real floor");
  print_row("n", std::to_string(g["n"].get<int64_t>()), std::to_string(r["n"].get<int64_t>()));
  for (const auto& metric : registry::metrics())
    for (const auto& row : metric.table)
      if (g.contains(row.key)) print_row(row.label, table_cell(row, g), table_cell(row, r));
}

namespace {

json evaluate_toy(const EvalOptions& opts, run::GeneratorSnapshot& g, int64_t n) {
  const DataConfig& data_cfg = g.data;
  const data::Dataset real = data::load(data_cfg.dataset, data_cfg.dir, "test");
  const torch::Tensor fake = run::generate(g, n, opts.seed);
  const auto gen_stats = metrics::mode_stats(fake, real.modes, real.mode_std);
  // The floor: the same statistics of real test points (2,500, the protocol's sample count).
  const auto real_stats = metrics::mode_stats(real.points, real.modes, real.mode_std);
  if (!opts.json) {
    auto row = [&](const char* what, const metrics::ModeStats& s, int64_t count) {
      std::fprintf(opts.out, "%-10s %6lld %6lld/%-3lld %11.1f%% %11.4g\n", what, static_cast<long long>(count),
                   static_cast<long long>(s.covered), static_cast<long long>(s.modes), 100 * s.high_quality,
                   s.reverse_kl);
    };
    std::fprintf(opts.out, "%-10s %6s %10s %12s %11s\n", "", "n", "modes", "high qual.", "reverse KL");
    row("generated", gen_stats, n);
    row("real", real_stats, real.size());
  }
  return {{"protocol", "PacGAN/VEEGAN 2D: nearest mode within 3 sigma; mode covered with >= 1 such sample; "
                       "reverse KL of the covered-mode histogram to uniform"},
          {"generated", to_json(gen_stats)},
          {"real_floor", to_json(real_stats)},
          {"real_floor_n", real.size()}};
}

json evaluate_images(const EvalOptions& opts, run::GeneratorSnapshot& g, int64_t n) {
  const DataConfig& data_cfg = g.data;
  const ImageMetrics im(data_cfg.dataset, data_cfg.dir, opts.features, opts.evaluator, opts.console, opts.precision);
  const auto which = im.parse(opts.metrics);
  if (opts.console) {
    std::fprintf(opts.console, "eval: %lld generated images...\n", static_cast<long long>(n));
    std::fflush(opts.console);
  }
  json j = im.manifest();
  const int64_t classes = g.sampler()->classes();
  const torch::Tensor labels = classes > 0 ? models::balanced_labels(n, classes) : torch::Tensor();
  j["generated"] = im.measure(run::generate(g, n, opts.seed, 1024, labels), which, static_cast<uint64_t>(opts.seed), labels);
  j["real_floor"] = im.floor(which, static_cast<uint64_t>(opts.seed));
  if (which.count("cas")) {
    // Classification Accuracy Score: a classifier trained on as many generated labelled images as the real
    // train split holds, tested on the real test split; the floor is the same recipe trained on real data.
    if (classes == 0) throw UserError("eval: metric 'cas' needs a conditional run (model.conditional)");
    if (!evaluator::has_recipe(data_cfg.dataset))
      throw UserError("eval: metric 'cas' uses the evaluator recipe, which is for mnist and fashion-mnist");
    const int64_t n_cas = j["reference"]["n"].get<int64_t>();  // the real train split's size
    if (opts.console) {
      std::fprintf(opts.console, "eval: CAS: training a classifier on %lld generated images...\n",
                   static_cast<long long>(n_cas));
      std::fflush(opts.console);
    }
    const auto cas_labels = models::balanced_labels(n_cas, classes);
    const auto images = data::to_uint8(run::generate(g, n_cas, opts.seed + 1, 1024, cas_labels));
    evaluator::FitOptions t;
    t.dataset = data_cfg.dataset;
    t.data_dir = data_cfg.dir;
    t.console = nullptr;
    const auto r = evaluator::classification_accuracy_score(images, cas_labels, t);
    j["generated"]["cas"] = {{"accuracy", r.test_accuracy}, {"train_n", n_cas}, {"test_n", r.test_count},
                             {"seconds", r.seconds}};
    if (j["extractor"].contains("test_accuracy") && opts.features.empty())
      j["real_floor"]["cas"] = {{"accuracy", j["extractor"]["test_accuracy"]}, {"train_n", n_cas},
                                {"test_n", r.test_count}};
  }
  j["quantized"] = "generated images rounded to 8 bits before feature extraction";
  if (!opts.json) print_image_table(opts.out, j);
  return j;
}

// An image-to-image run: its translations of the test pairs against their targets and the real test split.
json evaluate_translation(const EvalOptions& opts, run::GeneratorSnapshot& g) {
  if (!opts.metrics.empty() || !opts.features.empty() || !opts.evaluator.empty())
    throw UserError("eval: --metrics, --features and --evaluator are for runs that sample from noise; an "
                    "image-to-image run is measured by L1, SSIM, FID and label accuracy on its test pairs");
  const TranslationMetrics tm(g.data, opts.n, opts.console);
  json j = tm.manifest();
  if (opts.console) {
    std::fprintf(opts.console, "eval: translating %lld test inputs...\n",
                 static_cast<long long>(tm.inputs().size(0)));
    std::fflush(opts.console);
  }
  j["generated"] = tm.measure(run::translate(*g.sampler(), tm.inputs()));
  j["real_floor"] = tm.real();
  j["quantized"] = "outputs rounded to 8 bits before every metric";
  if (!opts.json) {
    const json& out = j["generated"];
    const json& real = j["real_floor"];
    if (j.contains("extractor"))
      std::fprintf(opts.out, "extractor: %s (hash %s); FID reference: real test split, %lld images at %lldx%lld\n",
                   j["extractor"]["name"].get<std::string>().c_str(), j["extractor"]["hash"].get<std::string>().c_str(),
                   static_cast<long long>(j["reference"]["n"].get<int64_t>()),
                   static_cast<long long>(j["reference"]["resized_to"].get<int64_t>()),
                   static_cast<long long>(j["reference"]["resized_to"].get<int64_t>()));
    else
      std::fprintf(opts.out, "%s\n", j["note"].get<std::string>().c_str());
    std::fprintf(opts.out, "%-22s %14s %14s\n", "metric", "translated", "real targets");
    std::fprintf(opts.out, "%-22s %14lld %14lld\n", "test pairs", static_cast<long long>(out["n"].get<int64_t>()),
                 static_cast<long long>(real["n"].get<int64_t>()));
    auto row = [&](const char* label, const char* key, double scale, const char* fmt) {
      if (!out.contains(key)) return;
      auto cell = [&](const json& v) {
        if (v.is_string()) return v.get<std::string>();
        char buf[32];
        std::snprintf(buf, sizeof buf, fmt, scale * v.get<double>());
        return std::string(buf);
      };
      std::fprintf(opts.out, "%-22s %14s %14s\n", label, cell(out[key]).c_str(), cell(real[key]).c_str());
    };
    row("L1 to target", "l1", 1, "%.4f");
    row("SSIM to target", "ssim", 1, "%.4f");
    row("FID vs real test", "fid", 1, "%.3f");
    row("label accuracy %", "label_accuracy", 100, "%.2f");
  }
  return j;
}

// Stamp `line` with the time and duration, append it to `log`, print it with --json; the line as text.
std::string record(json& line, std::chrono::steady_clock::time_point t0, const fsys::path& log,
                   const EvalOptions& opts) {
  line["time"] = now_utc();
  line["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::AppendFile(log.string()).write_line(line.dump());
  if (opts.json) std::fprintf(opts.out, "%s\n", line.dump().c_str());
  return line.dump();
}

// `eval --samples FILE --dataset NAME`: the image metrics of images from a file.
json evaluate_sample_file(const EvalOptions& opts) {
  if (!opts.run_dir.empty() || !opts.checkpoint.empty())
    throw UserError("eval: give --samples or --run/--checkpoint, not both");
  if (opts.dataset.empty()) throw UserError("eval: --samples needs --dataset (the real data to compare against)");
  if (data::is_toy(opts.dataset)) throw UserError("eval: --samples is for image datasets, not '" + opts.dataset + "'");
  const idx::Images file = idx::read_images(opts.samples);
  // The shape from the test split before ImageMetrics loads (or first trains) the evaluator: a file of the
  // wrong size fails at once.
  const auto shape = data::load(opts.dataset, opts.data_dir, "test").image_shape();  // {C, H, W}
  if (shape[0] != 1 || shape[1] != file.rows || shape[2] != file.cols)
    throw UserError("eval: " + opts.samples + " holds " + std::to_string(file.rows) + "x" + std::to_string(file.cols) +
                    " grayscale images but " + opts.dataset + " images are " + std::to_string(shape[0]) + "x" +
                    std::to_string(shape[1]) + "x" + std::to_string(shape[2]));
  const int64_t count = file.count;
  const int64_t n = opts.n > 0 ? std::min<int64_t>(opts.n, count) : count;
  if (n < 2) throw UserError("eval: " + opts.samples + " holds " + std::to_string(count) + " image(s); need at least 2");
  const torch::Tensor images =
      torch::from_blob(const_cast<uint8_t*>(file.pixels.data()), {count, 1, file.rows, file.cols}, torch::kUInt8)
          .narrow(0, 0, n)
          .clone();
  const ImageMetrics im(opts.dataset, opts.data_dir, opts.features, opts.evaluator, opts.console, opts.precision);
  const auto which = im.parse(opts.metrics);
  if (which.count("cas")) throw UserError("eval: metric 'cas' needs a conditional run, not a samples file");
  if (!opts.json)
    std::fprintf(opts.out, "eval: %s (%lld images, against %s)\n", opts.samples.c_str(), static_cast<long long>(n),
                 opts.dataset.c_str());
  json j = im.manifest();
  j["generated"] = im.measure(images, which, static_cast<uint64_t>(opts.seed));
  j["real_floor"] = im.floor(which, static_cast<uint64_t>(opts.seed));
  if (!opts.json) print_image_table(opts.out, j);
  return j;
}

}  // namespace

std::string evaluate(const EvalOptions& opts) {
  if (opts.n < 0) throw UserError("eval: --n must be positive");
  const auto t0 = std::chrono::steady_clock::now();
  if (!opts.samples.empty()) {
    json line = {{"samples", opts.samples}, {"dataset", opts.dataset}, {"seed", opts.seed}};
    line.update(evaluate_sample_file(opts));
    line["n"] = line["generated"]["n"];
    return record(line, t0, run::Layout(fsys::absolute(opts.samples).parent_path().string()).eval_log(), opts);
  }
  run::GeneratorSnapshot g = run::load_snapshot(opts.run_dir, opts.checkpoint);
  const DataConfig& data_cfg = g.data;
  const bool toy = data::is_toy(data_cfg.dataset);
  // Defaults: the PacGAN protocols (2,500 toy points; 26,000 Stacked MNIST images, as VEEGAN and PacGAN),
  // else 10,000 images.
  const bool translator = g.model.arch == "pix2pix";
  if (opts.precision != "fp32" && (toy || translator))
    throw UserError(std::string("eval: --precision bf16 is for the evaluator's image features; ") +
                    (toy ? "a 2D run is measured without them" : "a pix2pix run is measured in fp32") + ": leave it out");
  const int64_t n = opts.n > 0 ? opts.n : translator ? 0 : registry::dataset(data_cfg.dataset).eval_n;
  if (!opts.json)
    std::fprintf(opts.out, "eval: %s (%s, step %lld, %s generator)\n", g.checkpoint.c_str(), data_cfg.dataset.c_str(),
                 static_cast<long long>(g.step), g.ema() ? "ema" : "raw");
  json body = translator ? evaluate_translation(opts, g) : toy ? evaluate_toy(opts, g, n) : evaluate_images(opts, g, n);
  json line = {
      {"checkpoint", g.checkpoint},
      {"step", g.step},
      {"dataset", data_cfg.dataset},
      {"n", translator ? body["generated"]["n"].get<int64_t>() : n},
      {"seed", opts.seed},
      {"generator", g.ema() ? "ema" : "raw"},
  };
  line.update(body);
  // RUN_DIR/eval.jsonl; for a bare checkpoint, the run folder above its checkpoints/ folder.
  const run::Layout run = !opts.run_dir.empty() ? run::Layout(opts.run_dir) : run::Layout::of_checkpoint(g.checkpoint);
  return record(line, t0, run.eval_log(), opts);
}

}  // namespace ganforge
