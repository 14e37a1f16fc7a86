// What a golden run records: its log without timing fields, digests of its final weights, of samples drawn
// from its final checkpoint and of its last sample grid.
#pragma once

#include <torch/torch.h>

#include <cinttypes>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "ganforge/run/checkpoint_file.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"
#include "ganforge/core/config.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/run/layout.h"
#include "test_util.h"

namespace ganforge::golden {

// FNV-1a, 64 bits: enough to tell two byte strings apart, and the same on every machine.
inline uint64_t fnv1a(const void* data, size_t size, uint64_t h = 14695981039346656037ull) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

inline std::string hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, h);
  return buf;
}

inline uint64_t digest(const torch::Tensor& t, uint64_t h) {
  const auto c = t.detach().cpu().contiguous();
  return fnv1a(c.data_ptr(), static_cast<size_t>(c.numel()) * c.element_size(), h);
}

// Parameters and buffers by name, in the module's order.
inline std::string digest(const torch::nn::Module& m) {
  uint64_t h = fnv1a("", 0);
  for (const auto& p : m.named_parameters()) h = digest(p.value(), fnv1a(p.key().data(), p.key().size(), h));
  for (const auto& b : m.named_buffers()) h = digest(b.value(), fnv1a(b.key().data(), b.key().size(), h));
  return hex(h);
}

// Replace every occurrence of `from` in the string values of `j` (run paths differ between runs).
inline void replace_in_strings(nlohmann::json& j, const std::string& from, const std::string& to) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (size_t p; (p = s.find(from)) != std::string::npos;) s.replace(p, from.size(), to);
    j = s;
  } else if (j.is_structured()) {
    for (auto& v : j) replace_in_strings(v, from, to);
  }
}

inline nlohmann::json record(const std::string& run, const std::string& checkpoint, const std::string& grid) {
  nlohmann::json out;
  out["log"] = nlohmann::json::array();
  std::ifstream in(run::Layout(run).metrics());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    for (const char* timing : {"it_per_s", "time_s", "seconds"}) j.erase(timing);
    replace_in_strings(j, run, "RUN");
    out["log"].push_back(j.dump());
  }
  // The final weights, read back through the checkpoint (so saving and loading are covered too).
  const auto info = run::read_checkpoint_info(checkpoint);
  train::TrainState s = train::make_state(parse_config(info.config_text, "stored"), info.image_shape, 0);
  train::load_state(checkpoint, s);
  out["weights"]["g"] = digest(*s.g);
  out["weights"]["d"] = digest(*s.d);
  if (s.g_ema) out["weights"]["g_ema"] = digest(*s.g_ema);
  out["step"] = s.step;
  // What `sample` and `eval` draw from it.
  run::GeneratorSnapshot g = run::load_snapshot(checkpoint);
  out["samples"] = hex(digest(run::generate(g, 16, 7, 8), fnv1a("", 0)));
  const std::string bytes = test::read_text(grid);
  out["grid"] = hex(fnv1a(bytes.data(), bytes.size()));
  return out;
}

inline nlohmann::json read(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  return nlohmann::json::parse(in);
}

inline void write(const std::string& path, const nlohmann::json& j) { std::ofstream(path) << j.dump(1) << "\n"; }

// Line by line, so a failure shows the first line that changed.
inline void expect_equal(const nlohmann::json& want, const nlohmann::json& got) {
  const auto& wl = want["log"];
  const auto& gl = got["log"];
  EXPECT_EQ(wl.size(), gl.size()) << "metrics.jsonl has another number of lines";
  for (size_t i = 0; i < std::min(wl.size(), gl.size()); ++i)
    if (wl[i] != gl[i]) {
      ADD_FAILURE() << "metrics.jsonl line " << i + 1 << " differs:\n  recorded " << wl[i].get<std::string>()
                    << "\n  now      " << gl[i].get<std::string>();
      break;
    }
  EXPECT_EQ(want["weights"], got["weights"]) << "final weights differ";
  EXPECT_EQ(want["step"], got["step"]);
  EXPECT_EQ(want["samples"], got["samples"]) << "samples from the final checkpoint differ";
  EXPECT_EQ(want["grid"], got["grid"]) << "the last sample grid differs";
}

}  // namespace ganforge::golden
