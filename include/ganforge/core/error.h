// User errors versus invariants (STYLE.md 7).
// A UserError names the file, flag or key at fault and what would fix it; the CLI prints its message on
// one line and exits with kExitUserError. Anything else that escapes is a bug (exit kExitInternal).
#pragma once

#include <stdexcept>
#include <string>

namespace ganforge {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitUserError = 2;

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ganforge
