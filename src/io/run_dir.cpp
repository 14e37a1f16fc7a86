#include "ganforge/run_dir.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "ganforge/error.h"

namespace ganforge::run_dir {
namespace fsys = std::filesystem;

std::string config_path(const std::string& dir) { return (fsys::path(dir) / "config.toml").string(); }
std::string metrics_path(const std::string& dir) { return (fsys::path(dir) / "metrics.jsonl").string(); }
std::string samples_dir(const std::string& dir) { return (fsys::path(dir) / "samples").string(); }
std::string checkpoints_dir(const std::string& dir) { return (fsys::path(dir) / "checkpoints").string(); }

std::string step_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%07lld", static_cast<long long>(step));
  return buf;
}

void create(const std::string& dir, bool overwrite) {
  std::error_code ec;
  if (fsys::exists(dir, ec)) {
    if (!fsys::is_directory(dir, ec)) throw UserError(dir + ": exists and is not a directory");
    if (!fsys::is_empty(dir, ec)) {
      if (!overwrite)
        throw UserError(dir + ": run directory exists; pass --overwrite to replace it or --out to choose another");
      if (!fsys::exists(config_path(dir), ec))
        throw UserError(dir + ": not a ganforge run directory (no config.toml); refusing to overwrite it");
      for (const char* item : {"config.toml", "metrics.jsonl", "samples", "checkpoints"})
        fsys::remove_all(fsys::path(dir) / item, ec);
    }
  }
  fsys::create_directories(fsys::path(dir) / "samples", ec);
  fsys::create_directories(fsys::path(dir) / "checkpoints", ec);
  if (ec || !fsys::is_directory(checkpoints_dir(dir)))
    throw UserError(dir + ": cannot create run directory (" + ec.message() + ")");
}

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fsys::directory_iterator it(checkpoints_dir(dir), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("step-", 0) == 0 && it->path().extension() == ".pt") out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());  // zero-padded step numbers sort as text
  return out;
}

std::string latest_checkpoint(const std::string& dir) {
  std::error_code ec;
  if (!fsys::is_directory(dir, ec)) throw UserError(dir + ": run directory not found");
  if (!fsys::exists(config_path(dir), ec)) throw UserError(dir + ": not a ganforge run directory (no config.toml)");
  auto all = list_checkpoints(dir);
  if (all.empty()) throw UserError(dir + ": holds no checkpoint yet (checkpoints/step-*.pt)");
  return all.back();
}

void prune_checkpoints(const std::string& dir, int64_t keep) {
  auto all = list_checkpoints(dir);
  for (size_t i = 0; i + static_cast<size_t>(keep) < all.size(); ++i) {
    std::error_code ec;
    fsys::remove(all[i], ec);
    fsys::remove(all[i] + ".crc32", ec);
  }
}

}  // namespace ganforge::run_dir
