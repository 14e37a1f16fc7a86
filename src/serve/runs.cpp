#include "ganforge/serve/runs.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ganforge/core/config.h"
#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/layout.h"

namespace fsys = std::filesystem;

namespace ganforge::serve {
namespace {

bool plain_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

bool inside(const std::string& path, const std::string& root) {
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

// The number at `key` of an evaluation line, whether periodic (top level) or from `ganforge eval`
// ("generated"); a {"mean", "std"} metric gives its mean. Null when absent.
nlohmann::json eval_number(const nlohmann::json& line, const std::string& key) {
  const nlohmann::json* at = line.contains(key) ? &line : nullptr;
  if (!at && line.contains("generated") && line["generated"].is_object() && line["generated"].contains(key))
    at = &line["generated"];
  if (!at) return nullptr;
  const auto& v = (*at)[key];
  if (v.is_object() && v.contains("mean") && v["mean"].is_number()) return v["mean"];
  return v.is_number() ? v : nlohmann::json();
}

// "covered/of" classes or modes of an evaluation line, or null.
nlohmann::json eval_modes(const nlohmann::json& line) {
  const nlohmann::json& g = line.contains("generated") && line["generated"].is_object() ? line["generated"] : line;
  if (g.contains("classes") && g["classes"].is_object() && g["classes"].contains("covered"))
    return {{"covered", g["classes"]["covered"]}, {"of", g["classes"].value("of", nlohmann::json())}};
  if (g.contains("modes_covered")) return {{"covered", g["modes_covered"]}, {"of", g.value("modes", nlohmann::json())}};
  return nullptr;
}

bool process_alive(int64_t pid) { return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

std::string this_host() {
  char buf[256] = {0};
  return gethostname(buf, sizeof(buf) - 1) == 0 ? buf : "";
}

double mtime_of(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_mtim.tv_sec) + 1e-9 * static_cast<double>(st.st_mtim.tv_nsec);
}

}  // namespace

RunsFolder::RunsFolder(const std::string& root) : root_(root) {
  std::error_code ec;
  if (!fsys::is_directory(root, ec)) throw UserError(root + ": runs folder not found (pass --runs DIR)");
  canonical_ = fsys::canonical(root, ec).string();
  if (ec) throw UserError(root + ": cannot resolve the runs folder (" + ec.message() + ")");
}

std::vector<std::string> RunsFolder::names() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fsys::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!resolve(name).empty()) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string RunsFolder::resolve(const std::string& name) const {
  if (!plain_name(name)) return "";
  std::error_code ec;
  const fsys::path real = fsys::canonical(fsys::path(canonical_) / name, ec);
  if (ec || !inside(real.string(), canonical_) || !fsys::is_directory(real, ec)) return "";
  if (!run::Layout(real.string()).is_run()) return "";
  return real.string();
}

JsonlChunk read_jsonl(const std::string& path, int64_t offset, int64_t max_bytes) {
  JsonlChunk out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  in.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(in.tellg());
  if (offset < 0 || offset > size) {
    out.reset = true;
    offset = 0;
  }
  out.next = offset;
  in.seekg(offset);
  std::string line;
  int64_t read = 0;
  while (read < max_bytes && std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: a line being written; read it next time
    read += static_cast<int64_t>(line.size()) + 1;
    out.next += static_cast<int64_t>(line.size()) + 1;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object())
      out.lines.push_back(j);
    else
      ++out.skipped;
  }
  return out;
}

std::string read_config_text(const std::string& run_dir) {
  try {
    const auto bytes = fs::read_file_bytes(run::Layout(run_dir).config());
    return std::string(bytes.begin(), bytes.end());
  } catch (const UserError&) {
    return "";
  }
}

nlohmann::json read_status(const std::string& run_dir) {
  std::ifstream in(run::Layout(run_dir).status(), std::ios::binary);
  if (!in) return nlohmann::json::object();
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

std::string run_state(const nlohmann::json& status, const nlohmann::json& last_event, int64_t step, int64_t steps) {
  const std::string state = status.value("state", "");
  const std::string last = last_event.is_object() ? last_event.value("event", "") : "";
  const bool unhealthy = last == "nonfinite" || last == "rollback";
  if (state == "training") {
    const bool here = status.value("host", "") == this_host();
    if (here && !process_alive(status.value("pid", int64_t{0}))) return "killed";
    return "training";
  }
  if (state == "failed") return unhealthy ? "diverged" : "failed";
  if (!state.empty()) return state;
  return steps > 0 && step >= steps ? "finished" : "stopped";
}

nlohmann::json run_summary(const std::string& run_dir, const std::string& name) {
  const run::Layout run(run_dir);
  nlohmann::json j = {{"name", name}};
  const nlohmann::json status = read_status(run_dir);
  try {
    const Config cfg = load_config(run.config());
    j["config"] = cfg.name;
    j["arch"] = cfg.model.arch;
    j["loss"] = cfg.loss.type;
    j["dataset"] = cfg.data.dataset;
    j["conditional"] = !cfg.model.conditional.empty();
    j["classes"] = cfg.model.classes;
    j["steps"] = status.value("steps", cfg.train.steps);
  } catch (const std::exception& e) {
    j["config_error"] = e.what();
    j["steps"] = status.value("steps", int64_t{0});
  }
  const JsonlChunk metrics = read_jsonl(run.metrics(), 0);
  nlohmann::json last_line, last_event, last_eval;
  for (const auto& l : metrics.lines) {
    if (!l.contains("event")) last_line = l;
    else last_event = l;
    if (l.value("event", "") == "eval") last_eval = l;
  }
  const JsonlChunk evals = read_jsonl(run.eval_log(), 0);
  if (!evals.lines.empty()) last_eval = evals.lines.back();  // `ganforge eval`'s, newer by construction
  const int64_t step = last_line.is_object() ? last_line.value("step", int64_t{0}) : status.value("step", int64_t{0});
  j["step"] = std::max(step, status.value("step", int64_t{0}));
  j["time_s"] = last_line.is_object() ? last_line.value("time_s", 0.0) : 0.0;
  j["state"] = run_state(status, last_event, j["step"].get<int64_t>(), j["steps"].get<int64_t>());
  j["updated"] = std::max(mtime_of(run.metrics()), mtime_of(run.status()));
  j["fid"] = last_eval.is_object() ? eval_number(last_eval, "fid") : nlohmann::json();
  j["modes"] = last_eval.is_object() ? eval_modes(last_eval) : nlohmann::json();
  j["points"] = j.value("dataset", "") == "ring8" || j.value("dataset", "") == "grid25";
  j["grids"] = sample_steps(run_dir).size();
  j["checkpoints"] = checkpoint_list(run_dir).size();
  return j;
}

nlohmann::json run_signature(const std::string& run_dir) {
  const run::Layout run(run_dir);
  auto size = [](const std::string& p) {
    std::error_code ec;
    const auto n = fsys::file_size(p, ec);
    return ec ? int64_t{0} : static_cast<int64_t>(n);
  };
  // Each time on its own: files written within one clock tick share a time, so a maximum would miss one.
  const nlohmann::json changed = {mtime_of(run.metrics()), mtime_of(run.status()), mtime_of(run.eval_log()),
                                  mtime_of(run.config()), mtime_of(run.samples_dir()), mtime_of(run.checkpoints_dir())};
  return {{"metrics_bytes", size(run.metrics())}, {"evals_bytes", size(run.eval_log())},
          {"grids", sample_steps(run_dir).size()}, {"checkpoints", run.checkpoints().size()}, {"changed", changed}};
}

nlohmann::json SummaryCache::get(const std::string& run_dir, const std::string& name) {
  const nlohmann::json sig = run_signature(run_dir);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(run_dir);
    if (it != entries_.end() && it->second.signature == sig) {
      nlohmann::json j = it->second.summary;
      j["name"] = name;
      // A training run's state depends on its process too (killed): never cached.
      if (j.value("state", "") == "training" || j.value("state", "") == "killed")
        j["state"] = run_state(read_status(run_dir), nullptr, j.value("step", int64_t{0}), j.value("steps", int64_t{0}));
      return j;
    }
  }
  nlohmann::json j = run_summary(run_dir, name);
  std::lock_guard<std::mutex> lock(mu_);
  entries_[run_dir] = {sig, j};
  return j;
}

std::vector<int64_t> sample_steps(const std::string& run_dir) {
  std::vector<int64_t> out;
  std::error_code ec;
  for (fsys::directory_iterator it(run::Layout(run_dir).samples_dir(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.size() < 10 || n.size() > 27 || n.rfind("step-", 0) != 0 || n.compare(n.size() - 4, 4, ".png") != 0) continue;
    const std::string digits = n.substr(5, n.size() - 9);
    if (std::all_of(digits.begin(), digits.end(), ::isdigit)) out.push_back(std::stoll(digits));
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json checkpoint_list(const std::string& run_dir) {
  const run::Layout run(run_dir);
  nlohmann::json out = nlohmann::json::array();
  std::error_code ec;
  auto add = [&](const std::string& path, int64_t step) {
    out.push_back({{"name", fsys::path(path).filename().string()}, {"step", step},
                   {"bytes", static_cast<int64_t>(fsys::file_size(path, ec))}});
  };
  for (const auto& p : run.checkpoints()) {
    const std::string n = fsys::path(p).filename().string();
    const std::string digits = n.substr(5, n.size() - 8);
    if (!digits.empty() && digits.size() < 19 && std::all_of(digits.begin(), digits.end(), ::isdigit)) add(p, std::stoll(digits));
  }
  if (fsys::is_regular_file(run.best(), ec)) add(run.best(), -1);
  return out;
}

std::string checkpoint_path(const std::string& run_dir, const std::string& name) {
  for (const auto& c : checkpoint_list(run_dir))
    if (c["name"] == name) return (fsys::path(run::Layout(run_dir).checkpoints_dir()) / name).string();
  return "";
}

}  // namespace ganforge::serve
