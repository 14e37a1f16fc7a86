// libFuzzer target: decoding by content (PNG through libpng, JPEG through libjpeg-turbo) rejects corrupt,
// truncated and unsupported data with a UserError (both libraries report errors by longjmp).
#include <cstdint>
#include <vector>

#include "ganforge/core/error.h"
#include "ganforge/io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    ganforge::image::decode(bytes, "fuzz", /*header_only=*/true);
    ganforge::image::decode(bytes, "fuzz");
  } catch (const ganforge::UserError&) {
  }
  return 0;
}
