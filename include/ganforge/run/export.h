// A trained generator for use elsewhere (`ganforge export`): as a TorchScript module that PyTorch
// (torch.jit.load) and LibTorch (torch::jit::load) run without ganforge, or as a state dict under the
// parameter names of the equivalent torch.nn.Sequential. The EMA generator when the run kept one.
#pragma once

#include <string>
#include <vector>

#include "ganforge/run/snapshot.h"

namespace ganforge::run {

struct ExportResult {
  std::string json;     // the metadata written into the file (ganforge.json)
  double max_diff = 0;  // TorchScript: the largest |difference| from the generator on the check samples
  int64_t checked = 0;  // samples compared
};

// The class names a run recorded (RUN/data.json, image folders); empty when it has none.
std::vector<std::string> class_names(const std::string& run_dir);

// The metadata a user needs beside the weights: z size and noise, classes (and their names from the run's
// data.json when it has them), image shape, value range and how to turn values into pixels, the step, the
// checkpoint and the config.
std::string export_metadata(const GeneratorSnapshot& g, const std::vector<std::string>& class_names = {});

// TorchScript: forward(z) or forward(z, y) -> images [N, C, H, W] in [-1, 1] ([N, 2] for 2D points); for an
// image-to-image run (pix2pix) forward(x), x its inputs [N, input_channels, H, W] in [-1, 1]; with the
// metadata as attributes (z_dim, classes, channels, resolution, noise, input_channels) and as the extra file
// "ganforge.json". Written atomically, then loaded back and run on 16 samples against the generator: a
// difference above 1e-4 is an error and the file is removed.
ExportResult export_torchscript(GeneratorSnapshot& g, const std::string& out, const std::string& metadata);

// A pickled dict of name -> tensor (torch.load), the names those of the torch.nn.Sequential that is G's
// (UserError for pix2pix, whose U-Net is no Sequential)
// network (DCGAN: fed z as [N, z_dim, 1, 1]; a conditional G's input is z with the one-hot class after
// it; the MLP's output is reshaped to [C, H, W] and, with model.g_output = tanh, passed through tanh).
void export_state_dict(GeneratorSnapshot& g, const std::string& out);

}  // namespace ganforge::run
