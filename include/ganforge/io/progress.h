// Progress for long work: a live bar on a terminal, plain lines when the output is a file or a pipe.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace ganforge {

class Progress {
 public:
  // `total` units of work named `unit` ("step"); writes to `out` (stderr by default).
  Progress(int64_t total, std::string unit, FILE* out = stderr);
  Progress(int64_t total, std::string unit, FILE* out, bool interactive);
  // `done` units finished; `fields` shown as "name value". On a terminal the bar is redrawn at most
  // 10 times a second; otherwise a line is printed only when `force_line` is true.
  void update(int64_t done, const std::vector<std::pair<std::string, double>>& fields, bool force_line);
  // Final line (keeps the bar on a terminal).
  void finish(const std::string& message);
  bool interactive() const { return interactive_; }
  double elapsed_s() const;

  static std::string format_duration(double seconds);  // "1:02:03" / "2:03"

 private:
  std::string render(int64_t done, const std::vector<std::pair<std::string, double>>& fields) const;

  int64_t total_;
  int64_t first_done_ = -1;
  std::string unit_;
  FILE* out_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_, last_draw_, first_time_;
};

}  // namespace ganforge
