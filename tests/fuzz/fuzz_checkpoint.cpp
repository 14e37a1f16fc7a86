// libFuzzer target for the checkpoint reader: whatever bytes lie in a checkpoint file, reading its header
// (what `sample` and `eval` do first) and loading it into a model (what `train --resume` does) either
// succeed or throw a UserError; nothing else may escape, and a checkpoint that loads must train.
//
// The file is written with a matching .crc32 sidecar, so the bytes reach LibTorch's archive reader and
// our field checks instead of stopping at the checksum (the checksum path has its own unit tests). And the
// mutator keeps the zip container valid: three mutations in four change bytes inside one stored entry (a
// tensor's data, the config text, a pickle) without moving anything, and every mutation is followed by
// rewriting each stored entry's CRC-32 in the central directory and local header. Without that, almost
// every input stopped at the zip check (a CRC mismatch) and never reached the loader.
// The model is fixed and tiny (an MLP on 1x4x4 images with EMA and a data sampler), so every part of a
// checkpoint is present and a step costs well under a millisecond.
//
// `GANFORGE_FUZZ_WRITE_SEEDS=DIR fuzz_checkpoint` writes valid checkpoints of that model and of variants
// (before any step, without EMA, conditional, DiffAugment, another width) into DIR and exits:
// tests/fuzz/corpus/checkpoint/ holds them, with the format-1 checkpoint of tests/golden.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <random>
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

uint32_t get32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t{p[3]} << 24; }
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

struct Entry {
  size_t central, local, data, size;  // offsets of its directory record, local header, data; data length
};

// The stored (uncompressed) entries of a zip without zip64, as far as they can be read; none if the
// archive's end record or directory cannot be found.
std::vector<Entry> stored_entries(const uint8_t* d, size_t n) {
  std::vector<Entry> out;
  if (n < 22) return out;
  size_t end = n - 22;
  while (get32(d + end) != 0x06054b50) {
    if (end == 0 || n - end > 22 + 0xFFFF) return out;
    --end;
  }
  size_t pos = get32(d + end + 16);
  for (uint16_t i = 0, count = get16(d + end + 10); i < count; ++i) {
    if (pos + 46 > n || get32(d + pos) != 0x02014b50) break;
    const size_t local = get32(d + pos + 42), size = get32(d + pos + 20);
    const size_t next = pos + 46 + get16(d + pos + 28) + get16(d + pos + 30) + get16(d + pos + 32);
    if (get16(d + pos + 10) == 0 && local + 30 <= n && get32(d + local) == 0x04034b50) {
      const size_t data = local + 30 + get16(d + local + 26) + get16(d + local + 28);
      if (data <= n && size <= n - data) out.push_back({pos, local, data, size});
    }
    pos = next;
  }
  return out;
}

void fix_crcs(uint8_t* d, size_t n) {
  for (const Entry& e : stored_entries(d, n)) {
    const auto crc = static_cast<uint32_t>(crc32_z(crc32_z(0L, Z_NULL, 0), d + e.data, e.size));
    put32(d + e.central + 16, crc);
    put32(d + e.local + 14, crc);
  }
}

void write_seeds(const std::string& dir) {
  std::filesystem::create_directories(dir);
  struct Variant {
    const char* name;
    void (*change)(Config&);
    bool step;  // one training step first (Adam's moments present)
  };
  const Variant variants[] = {
      {"valid", [](Config&) {}, true},
      {"step0", [](Config&) {}, false},
      {"no_ema", [](Config& c) { c.train.ema_half_life_kimg = 0; }, true},
      {"conditional", [](Config& c) { c.model.conditional = "concat", c.model.classes = 3; }, true},
      {"diffaugment", [](Config& c) { c.train.diffaugment = "translation"; }, true},
      {"wider", [](Config& c) { c.model.g_hidden = {7}; }, true},
  };
  for (const Variant& v : variants) {
    Config cfg = tiny_config();
    v.change(cfg);
    train::TrainState s = train::make_state(cfg, kShape, kTrain);
    const losses::Objective objective(s.cfg.loss);
    if (v.step) {
      const torch::Tensor y = cfg.model.conditional.empty() ? torch::Tensor() : torch::randint(0, 3, {4});
      train::discriminator_phase(s, objective, {torch::rand({4, 1, 4, 4}) * 2 - 1, torch::randn({4, 3}), y, y});
      train::generator_phase(s, objective, {{}, torch::randn({4, 3}), {}, y});
      s.step = 1;
    }
    train::save_state(dir + "/" + v.name + ".pt", s);
    std::filesystem::remove(dir + "/" + v.name + ".pt.crc32");
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

// GANFORGE_FUZZ_PLAIN=1: libFuzzer's own mutations only, to measure what this mutator adds.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  static const bool plain = std::getenv("GANFORGE_FUZZ_PLAIN") != nullptr;
  if (plain) return LLVMFuzzerMutate(data, size, max_size);
  std::minstd_rand rng(seed);
  const std::vector<Entry> entries = stored_entries(data, size);
  if (!entries.empty() && rng() % 4 != 0) {
    // Inside one entry, its length kept: the bytes a mutation leaves out keep their old values.
    const Entry& e = entries[rng() % entries.size()];
    if (e.size > 0) LLVMFuzzerMutate(data + e.data, e.size, e.size);
  } else {
    size = LLVMFuzzerMutate(data, size, max_size);
  }
  fix_crcs(data, size);
  return size;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torch::set_num_threads(1);
  if (const char* dir = std::getenv("GANFORGE_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
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
