// Joining the ranks of a launch into a train::Team over PyTorch's own engine: c10d's TCPStore for the
// rendezvous and ProcessGroupGloo for the collectives (the same calls torch.distributed makes with
// init_process_group("gloo", init_method="env://")). The only translation unit that includes c10d.
#pragma once

#include <memory>
#include <string>

#include "ganforge/dist/launch.h"
#include "ganforge/train/team.h"

namespace ganforge::dist {

struct TeamOptions {
  double timeout_s = 600;   // rendezvous, and each collective: a rank that waits longer gives up
  double bucket_mb = 25;    // gradients are averaged in flat buckets of up to this size; 0: one call per tensor
};

// Connects to the store at MASTER_ADDR:MASTER_PORT (rank 0 hosts it unless the launcher's agent does) and
// forms the process group. An unreachable master or missing ranks: UserError after timeout_s.
// The Gloo device is the interface named by GLOO_SOCKET_IFNAME, else the address this host's name resolves
// to (loopback when it resolves to nothing usable), as in PyTorch.
std::shared_ptr<train::Team> join(const Launch& launch, const TeamOptions& opts);

}  // namespace ganforge::dist
