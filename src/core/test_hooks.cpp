#include "ganforge/core/test_hooks.h"

#include <csignal>
#include <cstdlib>
#include <unistd.h>


namespace ganforge::test_hooks {
namespace {

struct Spec {
  std::string point, arg;
};

const Spec& spec() {
  static const Spec s = [] {
    const char* v = std::getenv("GANFORGE_TEST_KILL");
    if (!v) return Spec{};
    const std::string text(v);
    const size_t colon = text.find(':');
    if (colon == std::string::npos) return Spec{};
    return Spec{text.substr(0, colon), text.substr(colon + 1)};
  }();
  return s;
}

}  // namespace

bool armed(const char* point, const std::string& arg) {
  const Spec& s = spec();
  if (s.point.empty() || s.point != point) return false;
  if (s.point != "write") return arg == s.arg;
  return arg.size() >= s.arg.size() && arg.compare(arg.size() - s.arg.size(), s.arg.size(), s.arg) == 0;
}

void die() {
  ::kill(::getpid(), SIGKILL);
  std::_Exit(137);  // not reached
}

}  // namespace ganforge::test_hooks
