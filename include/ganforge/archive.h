// LibTorch archives as bytes in memory: what the atomic file writer (fs.h) and the checksums take.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace ganforge {

inline std::vector<uint8_t> archive_bytes(torch::serialize::OutputArchive& ar) {
  std::ostringstream os;
  ar.save_to(os);
  const std::string s = os.str();
  return {s.begin(), s.end()};
}

}  // namespace ganforge
