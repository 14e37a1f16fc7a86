#include <cstdio>

#include "commands.h"
#include "ganforge/ops/runtime.h"

namespace ganforge::cli {

void add_info(CLI::App& app) {
  auto threads = std::make_shared<int>(0);
  CLI::App* cmd = app.add_subcommand("info", "show LibTorch version, threads and the BLAS in use, with warnings");
  cmd->add_option("--threads", *threads, "intra-op threads to configure (0: one per core)");
  cmd->callback([threads]() { std::printf("%s\n", runtime::summary(runtime::configure(*threads)).c_str()); });
}

}  // namespace ganforge::cli
