// libFuzzer target: PNG decoding rejects corrupt data with a UserError (libpng errors arrive by longjmp).
#include <cstdint>
#include <vector>

#include "ganforge/core/error.h"
#include "ganforge/io/png.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ganforge::png::decode(std::vector<uint8_t>(data, data + size), "fuzz");
  } catch (const ganforge::UserError&) {
  }
  return 0;
}
