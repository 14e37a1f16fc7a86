// The Keras seed recipe (configs/seed-keras-mlp.toml) on the MNIST files setup.sh makes: the config most
// training tests start from.
#pragma once

#include "ganforge/core/config.h"
#include "test_util.h"

namespace ganforge::test {

inline Config seed_config() {
  Config cfg = load_config(source_dir() + "/configs/seed-keras-mlp.toml");
  cfg.data.dir = source_dir() + "/data/mnist";
  return cfg;
}

}  // namespace ganforge::test
