// Internal: the MLP architecture, registered as model.arch = "mlp" in registry.cpp.
#pragma once

#include "ganforge/models/registry.h"

namespace ganforge::models {

Generator make_mlp_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);
Discriminator make_mlp_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);

}  // namespace ganforge::models
