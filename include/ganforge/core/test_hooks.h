// Test-only faults: GANFORGE_TEST_FAULT=<point>:<arg> makes the process SIGKILL itself at one exact instant
// of a run, or one write fail as on a full disk, so that the tests reach every instant reproducibly
// (tests/integration/test_resume.cpp, test_faults.cpp). Unset (every user's case) it costs one getenv per
// process.
//   step:N        after every observer of step N has run
//   event:N       right after the Nth event line this process wrote to metrics.jsonl (1-based)
//   write:SUFFIX  halfway through writing a file whose path ends in SUFFIX (the temporary file is left
//                 half-written, as a kill or power cut would leave it); write:SUFFIX@N at the Nth such write
//   nospace:SUFFIX[@N]  not a kill: that write fails with ENOSPC after writing half its bytes
//   diverge:N     not a kill: after step N, nudge one of D's weights (the ranks' consistency check must see it)
//   nonfinite:N   not a kill: D's loss at step N is made NaN, the first time the run reaches step N
//   no_bf16:1     not a kill: the CPU is taken to have no native bf16 (ops/precision.h)
//   slow_sampling:1  not a kill: `ganforge serve` holds each sampling request's slot for one extra second
// In a distributed launch GANFORGE_TEST_FAULT_RANK=R limits the fault to rank R, and a group restarted by the
// launcher (TORCHELASTIC_RESTART_COUNT > 0) has none.
#pragma once

#include <cstdint>
#include <string>

namespace ganforge::test_hooks {

// Whether GANFORGE_TEST_FAULT names this point and argument (for "write" and "nospace", a path: counts the
// matching writes).
bool armed(const char* point, const std::string& arg);
// armed(), but true only the first time it matches in this process.
bool armed_once(const char* point, const std::string& arg);
// SIGKILL this process (no handler, no flush, no destructor runs).
[[noreturn]] void die();
// die() if armed(point, arg).
inline void kill_point(const char* point, const std::string& arg) {
  if (armed(point, arg)) die();
}
inline void kill_point(const char* point, int64_t n) { kill_point(point, std::to_string(n)); }

}  // namespace ganforge::test_hooks
