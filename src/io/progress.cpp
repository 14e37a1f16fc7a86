#include "ganforge/io/progress.h"

#include <unistd.h>

#include <cmath>

namespace ganforge {

Progress::Progress(int64_t total, std::string unit, FILE* out)
    : Progress(total, std::move(unit), out, ::isatty(::fileno(out)) != 0) {}

Progress::Progress(int64_t total, std::string unit, FILE* out, bool interactive)
    : total_(total), unit_(std::move(unit)), out_(out), interactive_(interactive) {
  start_ = last_draw_ = first_time_ = std::chrono::steady_clock::now();
}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<int64_t>(std::llround(s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(t / 3600),
                  static_cast<long long>(t / 60 % 60), static_cast<long long>(t % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(t / 60), static_cast<long long>(t % 60));
  return buf;
}

std::string Progress::render(int64_t done, const std::vector<std::pair<std::string, double>>& fields) const {
  const auto now = std::chrono::steady_clock::now();
  // Rate over the work done since the first update, so start-up cost does not distort it.
  const double span = std::chrono::duration<double>(now - first_time_).count();
  const double rate = span > 0 && done > first_done_ ? (done - first_done_) / span : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : NAN;
  char head[160];
  const double frac = total_ > 0 ? static_cast<double>(done) / total_ : 0.0;
  std::string out;
  if (interactive_) {
    constexpr int kWidth = 20;
    const int filled = static_cast<int>(frac * kWidth);
    out += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  std::snprintf(head, sizeof head, "%s %lld/%lld %3.0f%% %.1f it/s ETA %s", unit_.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), 100.0 * frac, rate,
                format_duration(eta).c_str());
  out += head;
  for (const auto& [name, value] : fields) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %s %.4g", name.c_str(), value);
    out += buf;
  }
  return out;
}

void Progress::update(int64_t done, const std::vector<std::pair<std::string, double>>& fields,
                      bool force_line) {
  const auto now = std::chrono::steady_clock::now();
  if (first_done_ < 0) {
    first_done_ = done;
    first_time_ = now;
  }
  if (interactive_) {
    if (!force_line && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(out_, "\r\033[K%s", render(done, fields).c_str());
  } else if (force_line) {
    std::fprintf(out_, "%s\n", render(done, fields).c_str());
  }
  std::fflush(out_);
}

void Progress::finish(const std::string& message) {
  if (interactive_) std::fprintf(out_, "\n");
  std::fprintf(out_, "%s\n", message.c_str());
  std::fflush(out_);
}

}  // namespace ganforge
