#include "ganforge/serve/report.h"

#include <chrono>
#include <ctime>
#include <filesystem>

#include "ganforge/core/error.h"
#include "ganforge/io/fs.h"
#include "ganforge/run/layout.h"
#include "ganforge/serve/assets.h"
#include "ganforge/serve/runs.h"

namespace ganforge::serve {
namespace {

std::string base64(const std::vector<uint8_t>& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = in[i] << 16 | in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

void replace(std::string& text, const std::string& what, const std::string& with) {
  const size_t at = text.find(what);
  if (at == std::string::npos) throw std::logic_error("report template lacks " + what);
  text.replace(at, what.size(), with);
}

// JSON safe inside a <script> element: no "</" can close it early.
std::string script_json(const nlohmann::json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (size_t at = 0; (at = s.find("</", at)) != std::string::npos; at += 3) s.replace(at, 2, "<\\/");
  return s;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

}  // namespace

std::string report_html(const std::string& run_dir) {
  const run::Layout run(run_dir);
  run.require_run();
  std::filesystem::path dir = std::filesystem::path(run_dir).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();  // "runs/x/" names x
  const std::string name = dir.filename().string();
  nlohmann::json data = {{"summary", run_summary(run_dir, name)},
                         {"metrics", read_jsonl(run.metrics(), 0, INT64_MAX).lines},
                         {"evals", read_jsonl(run.eval_log(), 0, INT64_MAX).lines},
                         {"written", utc_now()},
                         {"config", read_config_text(run_dir)}};
  const auto steps = sample_steps(run_dir);
  if (!steps.empty()) {
    data["grid"] = base64(fs::read_file_bytes(run.grid(steps.back())));
    data["grid_step"] = steps.back();
  }
  const Asset* page = find_asset("report.html");
  const Asset* chart = find_asset("chart.js");
  std::string html(page->data, page->size);
  std::string title = name;  // a plain folder name; anything HTML would read is replaced
  for (char& c : title)
    if (c == '<' || c == '>' || c == '&' || c == '"') c = '_';
  replace(html, "@RUN_NAME@", title);
  replace(html, "@RUN_NAME@", title);
  // The template's own markers come first in the file, so the inlined texts can never be mistaken for them.
  replace(html, "/*@CHART_JS@*/", std::string(chart->data, chart->size));
  replace(html, "/*@DATA@*/", script_json(data));
  return html;
}

}  // namespace ganforge::serve
