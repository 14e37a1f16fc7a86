// A distributed launch as the standard launcher (torchrun) describes it in the environment, and the
// launcher command that `ganforge train --nproc N` runs. LibTorch-free: unit-tested on its own.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ganforge::dist {

struct Launch {
  int rank = 0, world = 1;             // RANK, WORLD_SIZE
  int local_rank = 0, local_world = 1; // LOCAL_RANK, LOCAL_WORLD_SIZE (processes on this machine)
  std::string master_addr;             // MASTER_ADDR: where the rendezvous store listens
  int master_port = 0;                 // MASTER_PORT
  // TORCHELASTIC_USE_AGENT_STORE=True (static rendezvous): the launcher's agent already hosts the store on
  // MASTER_PORT; every rank connects as a client under the prefix /worker/attempt_<restart_count>, as
  // torch/distributed/rendezvous.py does. Otherwise rank 0 hosts it.
  bool agent_store = false;
  int restart_count = 0;  // TORCHELASTIC_RESTART_COUNT: > 0 after the launcher restarted the group
  int max_restarts = 0;   // TORCHELASTIC_MAX_RESTARTS
  bool distributed() const { return world > 1; }
  // "rank 1 of 2" (for messages)
  std::string who() const { return "rank " + std::to_string(rank) + " of " + std::to_string(world); }
};

using Getenv = std::function<const char*(const char*)>;

// The launch described by RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (and LOCAL_*, TORCHELASTIC_*), or
// nothing when neither RANK nor WORLD_SIZE is set (a plain process). Missing or malformed values are a
// UserError naming the variable.
std::optional<Launch> launch_from_env(const Getenv& getenv);
std::optional<Launch> launch_from_env();

// What `ganforge train --nproc N [--max-restarts K] ARGS` runs: the standard launcher, one machine, N
// processes, each running `self train ARGS` (ARGS without --nproc and --max-restarts). The rendezvous is
// --standalone's (c10d, hosted by the launcher) but on a free `port`: --standalone always takes port 29400,
// so two such jobs on one machine would join one rendezvous (torch/distributed/run.py warns of it).
// --redirects 1 --tee 1: Debian's torchrun 1.13 on Python 3.11 crashes in its output handling without them
// (pytorch#92319); with them every line of rank R's stdout comes to the console prefixed "[defaultR]:".
std::vector<std::string> torchrun_argv(int nproc, int max_restarts, int port, const std::string& self,
                                       const std::vector<std::string>& args);
// Where `torchrun` is on PATH, or "" when it is not.
std::string launcher_path();

// A TCP port on 127.0.0.1 that nobody listens on at the moment of the call.
int free_local_port();

// `args` (a command line after the subcommand) without the option `name` and its value, in either
// spelling ("--nproc 2", "--nproc=2").
std::vector<std::string> without_option(const std::vector<std::string>& args, const std::string& name);

}  // namespace ganforge::dist
