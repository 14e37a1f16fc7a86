#include <cstdio>

#include "commands.h"
#include "ganforge/app/translate.h"

namespace ganforge::cli {

void add_translate(CLI::App& app) {
  auto opts = std::make_shared<TranslateOptions>();
  CLI::App* cmd = app.add_subcommand("translate", "turn drawings into images with an image-to-image run (pix2pix)");
  add_generator_options(cmd, opts->run_dir, opts->checkpoint);
  cmd->add_option("--in", opts->in,
                  "a drawing (PNG or JPEG, any size: dark strokes on light paper, padded to a square, shrunk and "
                  "binarized to the run's input) or a folder of them")
      ->required();
  cmd->add_option("--out", opts->out, "a .png file for one drawing; a folder (NAME.png each) for a folder")->required();
  cmd->add_flag("--pairs", opts->pairs, "write (sketch as the model sees it | translation) side by side");
  cmd->callback([opts]() {
    require_generator("translate", opts->run_dir, opts->checkpoint);
    const TranslateResult r = translate(*opts);
    std::fprintf(stderr, "translate: %lld drawing%s through %s -> %s\n", static_cast<long long>(r.count),
                 r.count == 1 ? "" : "s", r.checkpoint.c_str(), opts->out.c_str());
  });
}

}  // namespace ganforge::cli
