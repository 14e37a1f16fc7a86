#include "ganforge/run/checkpoint_file.h"

#include <zlib.h>

#include <filesystem>

#include "ganforge/io/archive.h"
#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"

namespace ganforge::run {
namespace {

const char* const kFormats[] = {"", "ganforge-checkpoint-1", "ganforge-checkpoint-2"};

// "crc32 <hex> size <bytes>\n" of the archive bytes (zlib's CRC-32).
std::string checksum_line(const void* data, size_t size) {
  const uLong crc = crc32_z(crc32_z(0L, Z_NULL, 0), static_cast<const Bytef*>(data), size);
  char buf[64];
  std::snprintf(buf, sizeof buf, "crc32 %08lx size %zu\n", static_cast<unsigned long>(crc), size);
  return buf;
}

// The first non-empty line of an exception message (TorchScript's run over several lines).
std::string first_line(const std::string& text) {
  size_t begin = text.find_first_not_of(" \n");
  if (begin == std::string::npos) return text;
  return text.substr(begin, text.find('\n', begin) - begin);
}

template <typename T>
void put_archive(torch::serialize::OutputArchive& ar, const std::string& key, const T& saved) {
  torch::serialize::OutputArchive sub;
  saved.save(sub);
  ar.write(key, sub);
}

}  // namespace

CheckpointWriter::CheckpointWriter() {
  ar_.write("format", c10::IValue(std::string(kFormats[kCheckpointVersion])));
  ar_.write("writer", c10::IValue(std::string("ganforge 0.1.0")));
}

void CheckpointWriter::put(const std::string& key, const torch::nn::Module& m) { put_archive(ar_, key, m); }
void CheckpointWriter::put(const std::string& key, const torch::optim::Optimizer& opt) { put_archive(ar_, key, opt); }
void CheckpointWriter::put(const std::string& key, const torch::Tensor& t) { ar_.write(key, t); }
void CheckpointWriter::put(const std::string& key, int64_t v) { ar_.write(key, torch::tensor(v, torch::kInt64)); }
void CheckpointWriter::put(const std::string& key, const std::string& text) { ar_.write(key, c10::IValue(text)); }

void CheckpointWriter::commit(const std::string& path) {
  const std::vector<uint8_t> bytes = archive_bytes(ar_);
  const std::string line = checksum_line(bytes.data(), bytes.size());
  const std::string sidecar = Layout::sidecar(path);
  std::error_code ec;
  // The checksum goes first, in its own file: a checkpoint whose sidecar is missing or disagrees is not
  // trusted. When a file is replaced (best.pt), the sidecar holds the new checksum and the old one until
  // the new file is in place, so that a kill or a failed write at any instant leaves a file that matches.
  const bool replacing = std::filesystem::exists(path, ec) && std::filesystem::exists(sidecar, ec);
  if (replacing) {
    const auto old = fs::read_file_bytes(sidecar);
    fs::write_text_atomic(sidecar, line + std::string(old.begin(), old.end()));
  } else {
    fs::write_text_atomic(sidecar, line);
  }
  fs::write_file_atomic(path, bytes);
  if (replacing) fs::write_text_atomic(sidecar, line);
}

void CheckpointReader::rethrow(const char* problem) {
  try {
    throw;
  } catch (const UserError&) {
    throw;
  } catch (const c10::Error& e) {
    throw UserError(path_ + ": " + problem + " (" + first_line(e.what_without_backtrace()) + ")");
  } catch (const std::exception& e) {
    // torch::jit::ErrorReport from the TorchScript type parser, std::exceptions from the zip reader.
    throw UserError(path_ + ": " + problem + " (" + first_line(e.what()) + ")");
  }
}

CheckpointReader::CheckpointReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw UserError(path + ": is a directory, not a checkpoint file");
  if (!std::filesystem::is_regular_file(path, ec)) throw UserError(path + ": checkpoint not found");
  bytes_ = fs::read_file_bytes(path);
  if (std::filesystem::exists(Layout::sidecar(path), ec)) {
    // One line, or two while a replacement is under way (CheckpointWriter::commit): either may match.
    const auto sidecar = fs::read_file_bytes(Layout::sidecar(path));
    const std::string lines(sidecar.begin(), sidecar.end()), want = checksum_line(bytes_.data(), bytes_.size());
    if (lines.substr(0, want.size()) != want && lines.find("\n" + want) == std::string::npos)
      throw UserError(path + ": checksum mismatch (the file is corrupt or truncated)");
  }
  open();
}

CheckpointReader::CheckpointReader(const std::string& name, std::vector<uint8_t> bytes)
    : path_(name), bytes_(std::move(bytes)) {
  open();
}

void CheckpointReader::open() {
  guarded("corrupt or unreadable checkpoint", [&] {
    load_archive(ar_, bytes_, path_, "corrupt or unreadable checkpoint");
    c10::IValue format;
    if (ar_.try_read("format", format) && format.isString())
      for (int v = 1; v <= kCheckpointVersion; ++v)
        if (format.toStringRef() == kFormats[v]) version_ = v;
    if (version_ == 0) throw UserError(path_ + ": not a ganforge checkpoint (format tag missing)");
  });
}

bool CheckpointReader::has(const std::string& key) {
  return guarded("corrupt or unreadable checkpoint", [&] {
    c10::IValue v;
    return ar_.try_read(key, v);
  });
}

void CheckpointReader::module(const std::string& key, torch::nn::Module& m) {
  const auto tensors = [&m] {
    auto all = m.named_parameters().pairs();
    for (auto& b : m.named_buffers().pairs()) all.push_back(b);
    return all;
  };
  std::vector<std::pair<std::vector<int64_t>, c10::ScalarType>> want;
  for (const auto& [name, t] : tensors()) want.emplace_back(t.sizes().vec(), t.scalar_type());
  guarded("checkpoint does not fit this model", [&] {
    torch::serialize::InputArchive sub;
    ar_.read(key, sub);
    m.load(sub);
  });
  size_t i = 0;
  for (const auto& [name, t] : tensors()) {
    const auto& [shape, dtype] = want[i++];
    if (t.sizes().vec() != shape || t.scalar_type() != dtype)
      throw UserError(path_ + ": checkpoint does not match the model: " + key + "." + name + " is " +
                      c10::toString(t.scalar_type()) + " " + c10::str(t.sizes()) + ", the config's model needs " +
                      c10::toString(dtype) + " " + c10::str(c10::IntArrayRef(shape)));
  }
}

void CheckpointReader::optimizer(const std::string& key, torch::optim::Optimizer& opt) {
  guarded("checkpoint does not fit this model", [&] {
    torch::serialize::InputArchive sub;
    ar_.read(key, sub);
    opt.load(sub);
  });
}

torch::Tensor CheckpointReader::tensor(const std::string& key) {
  return guarded("corrupt or unreadable checkpoint", [&] {
    torch::Tensor t;
    ar_.read(key, t);
    return t;
  });
}

bool CheckpointReader::try_tensor(const std::string& key, torch::Tensor& out) {
  return guarded("corrupt or unreadable checkpoint", [&] { return ar_.try_read(key, out); });
}

int64_t CheckpointReader::integer(const std::string& key) {
  const torch::Tensor t = tensor(key);
  if (t.numel() != 1) throw UserError(path_ + ": checkpoint entry '" + key + "' is not a number");
  return guarded("corrupt or unreadable checkpoint", [&] { return t.item<int64_t>(); });
}

std::string CheckpointReader::text(const std::string& key) {
  return guarded("corrupt or unreadable checkpoint", [&] {
    c10::IValue v;
    if (!ar_.try_read(key, v) || !v.isString()) throw UserError(path_ + ": checkpoint holds no " + key);
    return v.toStringRef();
  });
}

std::string newest_usable_checkpoint(const Layout& run, FILE* console) {
  run.latest_checkpoint();  // the friendly errors: no such run, not a run, no checkpoint
  const auto all = run.checkpoints();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    try {
      CheckpointReader r(*it);
      r.text("config");
      r.tensor("image_shape");
      r.integer("step");
      return *it;
    } catch (const UserError& e) {
      if (console) std::fprintf(console, "warning: skipping unusable checkpoint: %s\n", e.what());
    }
  }
  throw UserError(run.dir() + ": no usable checkpoint (checkpoints/step-*.pt are all corrupt)");
}

}  // namespace ganforge::run
