// The LibTorch side of `ganforge serve`: sampling from checkpoints' generator snapshots (run/snapshot.h),
// with the few most recently used snapshots kept loaded.
#pragma once

#include <memory>

#include "ganforge/serve/server.h"

namespace ganforge::serve {

// Keeps up to `cache` snapshots loaded (a checkpoint rewritten since is loaded again).
std::unique_ptr<Generators> make_generators(size_t cache = 4);

}  // namespace ganforge::serve
