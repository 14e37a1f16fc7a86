#include <cstdio>

#include "commands.h"
#include "ganforge/dist/launch.h"
#include "ganforge/ops/precision.h"
#include "ganforge/ops/runtime.h"

namespace ganforge::cli {

void add_info(CLI::App& app) {
  auto threads = std::make_shared<int>(0);
  CLI::App* cmd = app.add_subcommand("info", "show LibTorch version, threads, the BLAS in use (with warnings) and the distributed launcher");
  cmd->add_option("--threads", *threads, "intra-op threads to configure (0: one per core)");
  cmd->callback([threads]() {
    std::printf("%s\n", runtime::summary(runtime::configure(*threads)).c_str());
    std::printf("%s\n", precision::summary().c_str());
    const std::string torchrun = dist::launcher_path();
    std::printf("distributed: c10d with Gloo (CPU), launched by torchrun: %s\n",
                torchrun.empty() ? "not found on PATH (Debian package python3-torch)" : torchrun.c_str());
  });
}

}  // namespace ganforge::cli
