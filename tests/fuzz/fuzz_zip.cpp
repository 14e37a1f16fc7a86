// libFuzzer target: the zip integrity check (zip_check.h) takes any bytes without reading out of bounds
// (AddressSanitizer), overflowing (UBSan) or looping, and gives the same answer twice.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ganforge/io/zip_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string first = ganforge::zip_problem(data, size);
  if (ganforge::zip_problem(data, size) != first) std::abort();
  return 0;
}
