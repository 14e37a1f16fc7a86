#include "ganforge/core/test_hooks.h"

#include <csignal>
#include <cstdlib>
#include <unistd.h>


namespace ganforge::test_hooks {
namespace {

struct Spec {
  std::string point, arg;
  int64_t nth = 1;  // write:SUFFIX@N, nospace:SUFFIX@N: the Nth write of such a file
};

// A distributed launch: the fault is for one rank (GANFORGE_TEST_FAULT_RANK, default every rank) and for
// the launcher's first attempt only, so that the restarted group runs to the end.
bool this_process_is_faulted() {
  const char* want = std::getenv("GANFORGE_TEST_FAULT_RANK");
  const char* rank = std::getenv("RANK");
  if (want && (!rank || std::string(want) != rank)) return false;
  const char* restart = std::getenv("TORCHELASTIC_RESTART_COUNT");
  return !restart || std::string(restart) == "0";
}

const Spec& spec() {
  static const Spec s = [] {
    const char* v = std::getenv("GANFORGE_TEST_FAULT");
    if (!v || !this_process_is_faulted()) return Spec{};
    const std::string text(v);
    const size_t colon = text.find(':');
    if (colon == std::string::npos) return Spec{};
    Spec out{text.substr(0, colon), text.substr(colon + 1)};
    const size_t at = out.arg.rfind('@');
    if ((out.point == "write" || out.point == "nospace") && at != std::string::npos) {
      out.nth = std::atoll(out.arg.c_str() + at + 1);
      out.arg.resize(at);
    }
    return out;
  }();
  return s;
}

}  // namespace

bool armed(const char* point, const std::string& arg) {
  const Spec& s = spec();
  if (s.point.empty() || s.point != point) return false;
  if (s.point != "write" && s.point != "nospace") return arg == s.arg;
  static int64_t seen = 0;
  const bool match = arg.size() >= s.arg.size() && arg.compare(arg.size() - s.arg.size(), s.arg.size(), s.arg) == 0;
  return match && ++seen == s.nth;
}

bool armed_once(const char* point, const std::string& arg) {
  static bool fired = false;
  if (fired || !armed(point, arg)) return false;
  fired = true;
  return true;
}

void die() {
  ::kill(::getpid(), SIGKILL);
  std::_Exit(137);  // not reached
}

}  // namespace ganforge::test_hooks
