// libFuzzer target: the IDX parsers must reject any malformed input with a UserError, never crash,
// and whatever they accept must encode back to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "ganforge/core/error.h"
#include "ganforge/io/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    const auto im = ganforge::idx::parse_images(bytes, "fuzz");
    if (ganforge::idx::encode_images(im) != bytes) std::abort();
  } catch (const ganforge::UserError&) {
  }
  try {
    const auto lb = ganforge::idx::parse_labels(bytes, "fuzz");
    if (ganforge::idx::encode_labels(lb) != bytes) std::abort();
  } catch (const ganforge::UserError&) {
  }
  return 0;
}
