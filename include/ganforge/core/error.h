// User errors versus invariants (STYLE.md 7).
// A UserError names the file, flag or key at fault and what would fix it; the CLI prints its message on
// one line and exits with kExitUserError. A WriteError (a file that could not be written: disk full, file
// size limit, permissions lost mid-run) exits with kExitWriteError, so that a script can tell "free space
// and --resume" from "fix the input". Anything else that escapes is a bug (exit kExitInternal).
#pragma once

#include <stdexcept>
#include <string>

namespace ganforge {

constexpr int kExitOk = 0;
constexpr int kExitInternal = 1;
constexpr int kExitUserError = 2;
constexpr int kExitWriteError = 3;
constexpr int kExitTeam = 4;  // a distributed run lost a rank or its network, or its ranks diverged

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& what) : std::runtime_error(what) {}
};

// A write that failed (ENOSPC, EFBIG, EIO, ...); the message names the file and the system's reason.
class WriteError : public UserError {
 public:
  using UserError::UserError;
};

// A data-parallel run failed as a group: a collective failed (another rank died, the network failed) or
// the ranks' states diverged. Exit kExitTeam.
class TeamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ganforge
