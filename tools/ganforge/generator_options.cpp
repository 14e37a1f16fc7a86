#include "commands.h"
#include "ganforge/core/error.h"

namespace ganforge::cli {

void add_generator_options(CLI::App* cmd, std::string& run_dir, std::string& checkpoint) {
  cmd->add_option("--run", run_dir, "run directory (its newest usable checkpoint unless --checkpoint)");
  cmd->add_option("--checkpoint", checkpoint, "a specific checkpoint file (.pt)");
}

void require_generator(const std::string& command, const std::string& run_dir, const std::string& checkpoint) {
  if (run_dir.empty() && checkpoint.empty()) throw UserError(command + ": give --run DIR or --checkpoint FILE");
}

}  // namespace ganforge::cli
