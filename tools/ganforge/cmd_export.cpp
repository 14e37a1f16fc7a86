#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "commands.h"
#include "ganforge/core/error.h"
#include "ganforge/run/export.h"

namespace ganforge::cli {
namespace {

struct ExportArgs {
  std::string run, checkpoint, out, format = "torchscript";
};

// An existing --out is replaced only when it is a file an export could have written (a zip archive).
void check_out(const std::string& out) {
  std::error_code ec;
  if (!std::filesystem::exists(out, ec)) return;
  char magic[4] = {};
  std::ifstream in(out, std::ios::binary);  // a directory or an unreadable file reads nothing
  in.read(magic, 4);
  if (in.gcount() < 4 || magic[0] != 'P' || magic[1] != 'K')
    throw UserError("export: --out " + out + " exists and is not an exported model: refusing to replace it");
}

void run_export(const ExportArgs& a) {
  check_out(a.out);
  run::GeneratorSnapshot g = run::load_snapshot(a.run, a.checkpoint);
  const std::string which = std::string(g.ema() ? "EMA generator" : "generator") + " of step " + std::to_string(g.step);
  if (a.format == "state-dict") {
    run::export_state_dict(g, a.out);
    std::printf("export: %s (%s) -> %s (state dict of torch.nn.Sequential names; torch.load + load_state_dict)\n",
                which.c_str(), g.checkpoint.c_str(), a.out.c_str());
    return;
  }
  const std::string meta = run::export_metadata(g, a.run.empty() ? std::vector<std::string>() : run::class_names(a.run));
  const run::ExportResult r = run::export_torchscript(g, a.out, meta);
  std::printf("export: %s (%s) -> %s (TorchScript; checked: %lld samples within %.1e of ganforge's)\n",
              which.c_str(), g.checkpoint.c_str(), a.out.c_str(), static_cast<long long>(r.checked), r.max_diff);
}

}  // namespace

void add_export(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a run's generator (EMA when kept) for PyTorch and LibTorch: TorchScript or a state dict");
  add_generator_options(cmd, a->run, a->checkpoint);
  cmd->add_option("--out", a->out, "file to write, e.g. G.pt")->required();
  cmd->add_option("--format", a->format,
                  "torchscript (default: forward(z[, y]) -> images in [-1, 1], or forward(x) for a pix2pix run; metadata "
                  "inside) or state-dict")
      ->check(CLI::IsMember({"torchscript", "state-dict"}));
  cmd->callback([a]() {
    require_generator("export", a->run, a->checkpoint);
    run_export(*a);
  });
}

}  // namespace ganforge::cli
