// libFuzzer target: any text given as a config is accepted or rejected with a UserError; an accepted
// config dumps to TOML that parses back to the same dump.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ganforge/core/config.h"
#include "ganforge/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ganforge::Config cfg = ganforge::parse_config(text, "fuzz");
    const std::string dump = ganforge::to_toml(cfg);
    if (ganforge::to_toml(ganforge::parse_config(dump, "dump")) != dump) std::abort();
  } catch (const ganforge::UserError&) {
  }
  // The same text as a --set value.
  try {
    ganforge::Config cfg;
    cfg.train.steps = 1;
    ganforge::apply_override(cfg, "model.g_hidden=" + text);
  } catch (const ganforge::UserError&) {
  }
  return 0;
}
