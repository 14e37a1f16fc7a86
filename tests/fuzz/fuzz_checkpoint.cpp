// libFuzzer target for the checkpoint reader: whatever bytes lie in a checkpoint file, reading its header
// (what `sample` and `eval` do first) and loading it into a model (what `train --resume` does) either
// succeed or throw a UserError; nothing else may escape, and a checkpoint that loads must train.
//
// The file is written with a matching .crc32 sidecar, so the bytes reach LibTorch's archive reader and
// our field checks instead of stopping at the checksum (the checksum path has its own unit tests).
// The model is fixed and tiny (an MLP on 1x4x4 images with EMA and a data sampler), so every part of a
// checkpoint is present and a step costs well under a millisecond.
//
// `GANFORGE_FUZZ_WRITE_SEED=FILE fuzz_checkpoint` writes a valid checkpoint of that model to FILE and
// exits: tests/fuzz/corpus/checkpoint/ holds one.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/snapshot.h"
#include "ganforge/train/loop.h"

namespace {

using namespace ganforge;

Config tiny_config() {
  Config cfg;
  cfg.data.dataset = "ring8";  // no data files are read: the state is built from the config alone
  cfg.model.z_dim = 3;
  cfg.model.g_hidden = {5};
  cfg.model.d_hidden = {5};
  cfg.data.batch_size = 4;
  cfg.train.steps = 10;
  cfg.train.ema_half_life_kimg = 1;
  cfg.train.threads = 1;
  return cfg;
}

const std::vector<int64_t> kShape = {1, 4, 4};
constexpr int64_t kTrain = 16;

std::string scratch_path() {
  static const std::string dir = [] {
    // tmpfs where there is one: every input is written with fsync.
    std::string tmpl = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    tmpl += "/fuzz_checkpoint.XXXXXX";
    if (!mkdtemp(tmpl.data())) std::abort();
    return tmpl;
  }();
  return dir + "/step-1.pt";
}

void write_with_sidecar(const std::string& path, const uint8_t* data, size_t size) {
  fs::write_file_atomic(path, std::vector<uint8_t>(data, data + size));
  const uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), data, size);
  char line[64];
  std::snprintf(line, sizeof line, "crc32 %08lx size %zu\n", static_cast<unsigned long>(crc), size);
  fs::write_text_atomic(path + ".crc32", line);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  if (const char* out = std::getenv("GANFORGE_FUZZ_WRITE_SEED")) {
    train::TrainState s = train::make_state(tiny_config(), kShape, kTrain);
    const losses::Objective objective(s.cfg.loss);
    // One step first, so the optimizers hold state (Adam's moments) as in any real checkpoint.
    train::discriminator_phase(s, objective, {torch::rand({4, 1, 4, 4}) * 2 - 1, torch::randn({4, 3})});
    train::generator_phase(s, objective, {{}, torch::randn({4, 3})});
    s.step = 1;
    train::save_state(out, s);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = scratch_path();
  write_with_sidecar(path, data, size);
  // What sample and eval read first (the snapshot's header; the snapshot itself is not built from a fuzzed
  // config, whose model could be any size), then the whole training state (what resume loads).
  try {
    const run::CheckpointInfo info = run::read_checkpoint_info(path);
    try {
      parse_config(info.config_text, "fuzz");
    } catch (const UserError&) {
    }
  } catch (const UserError&) {
  }
  train::TrainState s = train::make_state(tiny_config(), kShape, kTrain);
  try {
    train::load_state(path, s);
  } catch (const UserError&) {
    return 0;
  }
  // Loaded: the state must be usable as it is after any real resume.
  const losses::Objective objective(s.cfg.loss);
  train::discriminator_phase(s, objective, {torch::rand({4, 1, 4, 4}) * 2 - 1, torch::randn({4, 3})});
  train::generator_phase(s, objective, {{}, torch::randn({4, 3})});
  const torch::Tensor idx = s.sampler->next();
  if (idx.numel() != 4 || idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= kTrain) std::abort();
  return 0;
}
