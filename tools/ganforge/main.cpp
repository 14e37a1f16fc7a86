// ganforge: train, evaluate and use GANs. Exit codes: 0 ok, 1 internal error (a bug), 2 user error (bad
// input, flag or config), 3 a file could not be written (disk full, file size limit), 4 a distributed run
// lost a rank or its network, or its ranks diverged.
#include <csignal>
#include <cstdio>
#include <exception>

#include <c10/util/Exception.h>

#include "commands.h"
#include "ganforge/core/error.h"

int main(int argc, char** argv) {
  // A file size limit (ulimit -f) makes the write fail with EFBIG, reported like a full disk, instead of
  // killing the process with SIGXFSZ in the middle of a write.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"ganforge: train, evaluate and use Generative Adversarial Networks (LibTorch, C++)"};
  app.set_version_flag("--version", "ganforge 0.1.0");
  app.require_subcommand(1);
  ganforge::cli::add_train(app);
  ganforge::cli::add_sample(app);
  ganforge::cli::add_translate(app);
  ganforge::cli::add_eval(app);
  ganforge::cli::add_evaluator(app);
  ganforge::cli::add_info(app);
  ganforge::cli::add_bench(app);
  ganforge::cli::add_serve(app);
  ganforge::cli::add_report(app);
  ganforge::cli::add_data(app);
  ganforge::cli::add_export(app);
  ganforge::cli::add_augment(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ganforge::kExitUserError;
  } catch (const ganforge::TeamError& e) {
    std::fprintf(stderr, "ganforge: error: %s\n", e.what());
    return ganforge::kExitTeam;
  } catch (const ganforge::WriteError& e) {
    std::fprintf(stderr, "ganforge: error: %s\n", e.what());
    return ganforge::kExitWriteError;
  } catch (const ganforge::UserError& e) {
    std::fprintf(stderr, "ganforge: error: %s\n", e.what());
    return ganforge::kExitUserError;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "ganforge: internal error (LibTorch): %s\n", e.what_without_backtrace());
    return ganforge::kExitInternal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ganforge: internal error: %s\n", e.what());
    return ganforge::kExitInternal;
  }
  return ganforge::kExitOk;
}
