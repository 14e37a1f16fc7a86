// The checkpoint file: a LibTorch archive (zip) of named entries with a format tag, written atomically with
// a CRC-32 sidecar, and read back only after the sidecar and the zip container check out. What the entries
// are is up to the writer: train/state.cpp writes the training state, run/snapshot.cpp reads the generator.
//
// Format versions (the "format" entry):
//   1 "ganforge-checkpoint-1"  config, image_shape, step, d_updates, nimg, generator, discriminator,
//                              generator_ema (only with EMA), opt_g, opt_d, rng_noise, rng_augment (absent in
//                              files older than DiffAugment), rng_global, meter (7 values in files older than
//                              the penalty column, else 8), elapsed_s, lr_scale, and with data: rng_data,
//                              data_perm, data_epoch, data_pos
//   2 "ganforge-checkpoint-2"  as 1, every entry above always written, plus
//                              writer    the program that wrote it ("ganforge 0.1.0")
//                              sampling  the network samples come from: "generator_ema" or "generator"
// Readers take both; version 1's sampling network is generator_ema when present.
#pragma once

#include <torch/torch.h>

#include <cstdio>
#include <string>
#include <vector>

#include "ganforge/run/layout.h"

namespace ganforge::run {

constexpr int kCheckpointVersion = 2;

class CheckpointWriter {
 public:
  CheckpointWriter();  // the format tag and writer
  void put(const std::string& key, const torch::nn::Module& m);
  void put(const std::string& key, const torch::optim::Optimizer& opt);
  void put(const std::string& key, const torch::Tensor& t);
  void put(const std::string& key, int64_t v);
  void put(const std::string& key, const std::string& text);
  // Atomic write (temporary file, fsync, rename) of PATH, its sidecar written first.
  void commit(const std::string& path);

 private:
  torch::serialize::OutputArchive ar_;
};

class CheckpointReader {
 public:
  // A missing file, a sidecar that disagrees, a damaged zip or a missing format tag: UserError naming the file.
  explicit CheckpointReader(const std::string& path);
  // The bytes of a checkpoint already read and checked elsewhere (rank 0 of a data-parallel run hands them
  // to the other ranks); `name` is the file's, for messages. The zip container and format are checked.
  CheckpointReader(const std::string& name, std::vector<uint8_t> bytes);
  const std::string& path() const { return path_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  int version() const { return version_; }
  bool has(const std::string& key);
  // A module's parameters and buffers, each checked for shape and dtype against `m` (Module::load replaces
  // tensors without checking): another architecture is refused with the first mismatching tensor named.
  void module(const std::string& key, torch::nn::Module& m);
  void optimizer(const std::string& key, torch::optim::Optimizer& opt);
  torch::Tensor tensor(const std::string& key);
  bool try_tensor(const std::string& key, torch::Tensor& out);
  int64_t integer(const std::string& key);
  std::string text(const std::string& key);
  // Runs `read` with whatever LibTorch throws on bad bytes turned into a UserError "PATH: PROBLEM (detail)".
  template <typename F>
  auto guarded(const char* problem, F&& read) -> decltype(read());

 private:
  [[noreturn]] void rethrow(const char* problem);
  void open();
  std::string path_;
  std::vector<uint8_t> bytes_;
  int version_ = 0;
  torch::serialize::InputArchive ar_;
};

template <typename F>
auto CheckpointReader::guarded(const char* problem, F&& read) -> decltype(read()) {
  try {
    return read();
  } catch (...) {
    rethrow(problem);
  }
}

// The newest step checkpoint of the run whose sidecar, zip and format read back; unusable newer ones are
// reported on `console` (may be null) and skipped, never deleted. UserError if there is none.
std::string newest_usable_checkpoint(const Layout& run, FILE* console);

}  // namespace ganforge::run
