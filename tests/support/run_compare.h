// Comparing two runs of the same config: their logs without the wall-clock fields, their final weights
// bitwise; and the small evaluator that periodic evaluation finds in a test's cache.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ganforge/core/config.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/run/layout.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/state.h"

namespace ganforge::test {

// metrics.jsonl, each line parsed (a broken line throws), without the wall-clock fields and the event
// messages (which name the run directory).
inline std::vector<nlohmann::json> log_without_time(const std::string& run) {
  std::vector<nlohmann::json> out;
  std::ifstream in(run::Layout(run).metrics());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    for (const char* k : {"time_s", "it_per_s", "seconds", "message"}) j.erase(k);
    out.push_back(j);
  }
  return out;
}

// Every parameter and buffer of G, D and EMA G in two checkpoints of the same architecture, bitwise.
inline void expect_same_weights(const std::string& a, const std::string& b) {
  const auto info = run::read_checkpoint_info(a);
  const Config cfg = parse_config(info.config_text, "stored");
  train::TrainState sa = train::make_state(cfg, info.image_shape, 0), sb = train::make_state(cfg, info.image_shape, 0);
  train::load_state(a, sa);
  train::load_state(b, sb);
  EXPECT_EQ(sa.step, sb.step);
  std::vector<std::pair<torch::nn::Module*, torch::nn::Module*>> nets = {{sa.g.get(), sb.g.get()},
                                                                         {sa.d.get(), sb.d.get()}};
  if (sa.g_ema) nets.emplace_back(sa.g_ema.get(), sb.g_ema.get());
  for (auto [ma, mb] : nets) {
    auto pa = ma->parameters(), pb = mb->parameters();
    for (auto& t : ma->buffers()) pa.push_back(t);
    for (auto& t : mb->buffers()) pb.push_back(t);
    ASSERT_EQ(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << ma->name() << " tensor " << i;
  }
}

// A small MNIST evaluator (30 steps, one thread: the same bytes every time) in `cache` (GANFORGE_CACHE is
// set to it, for this process and the CLI commands it starts), where periodic evaluation finds it.
inline void train_small_evaluator(const std::string& cache) {
  ::setenv("GANFORGE_CACHE", cache.c_str(), 1);
  at::set_num_threads(1);
  evaluator::FitOptions t;
  t.dataset = "mnist";
  t.max_steps = 30;
  t.out = evaluator::default_path("mnist");
  t.console = nullptr;
  evaluator::train_evaluator(t);
}

}  // namespace ganforge::test
