// LibTorch archives as bytes in memory: what the atomic file writer (fs.h) and the checksums take, and
// what readers hand to LibTorch only after the zip integrity check (zip_check.h).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "ganforge/io/zip_check.h"

namespace ganforge {

inline std::vector<uint8_t> archive_bytes(torch::serialize::OutputArchive& ar) {
  std::ostringstream os;
  ar.save_to(os);
  const std::string s = os.str();
  return {s.begin(), s.end()};
}

// Load BYTES (read from PATH) into AR after checking the zip container and its code entries: a damaged or
// altered file is a UserError "PATH: REFUSAL (what is wrong)" before LibTorch's parser, which may crash on
// it, sees a byte.
inline void load_archive(torch::serialize::InputArchive& ar, const std::vector<uint8_t>& bytes,
                         const std::string& path, const std::string& refusal) {
  require_ganforge_archive(bytes, path, refusal);
  ar.load_from(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace ganforge
