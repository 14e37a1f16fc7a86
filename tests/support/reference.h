// Helpers for the tests that compare against values PyTorch computed (tests/reference/fixtures.json).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace ganforge::test {

// A flat list of numbers from the fixtures as a float64 tensor.
inline torch::Tensor from_json(const nlohmann::json& v) {
  return torch::tensor(v.get<std::vector<double>>(), torch::kFloat64);
}

}  // namespace ganforge::test
