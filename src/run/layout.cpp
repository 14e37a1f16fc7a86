#include "ganforge/run/layout.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"

namespace ganforge::run {
namespace fsys = std::filesystem;

std::string step_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%07lld", static_cast<long long>(step));
  return buf;
}

Layout Layout::of_checkpoint(const std::string& checkpoint) {
  return Layout(fsys::path(checkpoint).parent_path().parent_path().string());
}

std::string Layout::marker() const { return (fsys::path(dir_) / "ganforge-run.json").string(); }
std::string Layout::config() const { return (fsys::path(dir_) / "config.toml").string(); }
std::string Layout::metrics() const { return (fsys::path(dir_) / "metrics.jsonl").string(); }
std::string Layout::eval_log() const { return (fsys::path(dir_) / "eval.jsonl").string(); }
std::string Layout::status() const { return (fsys::path(dir_) / "status.json").string(); }
std::string Layout::data_info() const { return (fsys::path(dir_) / "data.json").string(); }
std::string Layout::samples_dir() const { return (fsys::path(dir_) / "samples").string(); }
std::string Layout::grid(int64_t step) const { return samples_dir() + "/" + step_name(step) + ".png"; }
std::string Layout::checkpoints_dir() const { return (fsys::path(dir_) / "checkpoints").string(); }
std::string Layout::checkpoint(int64_t step) const { return checkpoints_dir() + "/" + step_name(step) + ".pt"; }
std::string Layout::best() const { return checkpoints_dir() + "/best.pt"; }
std::string Layout::sidecar(const std::string& checkpoint) { return checkpoint + ".crc32"; }

void Layout::create(bool overwrite) const {
  std::error_code ec;
  if (fsys::exists(dir_, ec)) {
    if (!fsys::is_directory(dir_, ec)) throw UserError(dir_ + ": exists and is not a directory");
    if (!fsys::is_empty(dir_, ec)) {
      if (!overwrite)
        throw UserError(dir_ + ": run directory exists; pass --overwrite to replace it or --out to choose another");
      if (!is_marked())
        throw UserError(dir_ + ": not marked as a ganforge run (no ganforge-run.json); refusing to overwrite it");
      for (const std::string& item : {config(), metrics(), eval_log(), samples_dir(), checkpoints_dir()})
        fsys::remove_all(item, ec);
    }
  }
  fsys::create_directories(samples_dir(), ec);
  fsys::create_directories(checkpoints_dir(), ec);
  if (ec || !fsys::is_directory(checkpoints_dir()))
    throw UserError(dir_ + ": cannot create run directory (" + ec.message() + ")");
  mark();
}

void Layout::mark() const {
  std::error_code ec;
  if (!fsys::exists(marker(), ec)) fs::write_text_atomic(marker(), std::string(kMarkerText) + "\n");
}

bool Layout::is_marked() const {
  std::error_code ec;
  if (!fsys::is_regular_file(marker(), ec)) return false;
  try {
    const auto bytes = fs::read_file_bytes(marker());
    return std::string(bytes.begin(), bytes.end()).rfind(kMarkerText, 0) == 0;
  } catch (const UserError&) {
    return false;
  }
}

bool Layout::is_run() const {
  std::error_code ec;
  return is_marked() || (fsys::is_regular_file(config(), ec) && fsys::is_directory(checkpoints_dir(), ec));
}

void Layout::remove_partial_writes() const {
  std::error_code ec;
  for (const std::string& dir : {dir_, samples_dir(), checkpoints_dir()})
    for (fsys::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      const bool temporary = name.find(".tmp.") != std::string::npos;
      // A sidecar whose checkpoint never arrived (a kill between the two writes).
      const bool orphan = fs::ends_with(name, ".pt.crc32") &&
                          !fsys::exists(it->path().string().substr(0, it->path().string().size() - 6), ec);
      if (temporary || orphan) fsys::remove(it->path(), ec);
    }
}

void Layout::require_run() const {
  std::error_code ec;
  if (!fsys::is_directory(dir_, ec)) throw UserError(dir_ + ": run directory not found");
  if (!is_run()) throw UserError(dir_ + ": not a ganforge run directory (no ganforge-run.json)");
}

std::vector<std::string> Layout::checkpoints() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fsys::directory_iterator it(checkpoints_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("step-", 0) == 0 && it->path().extension() == ".pt") out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());  // zero-padded step numbers sort as text
  return out;
}

std::string Layout::latest_checkpoint() const {
  require_run();
  auto all = checkpoints();
  if (all.empty()) throw UserError(dir_ + ": holds no checkpoint yet (checkpoints/step-*.pt)");
  return all.back();
}

void Layout::prune(int64_t keep) const {
  auto all = checkpoints();
  for (size_t i = 0; i + static_cast<size_t>(keep) < all.size(); ++i) {
    std::error_code ec;
    fsys::remove(all[i], ec);
    fsys::remove(sidecar(all[i]), ec);
  }
}

}  // namespace ganforge::run
