// Internal: the DCGAN architecture, registered as model.arch = "dcgan" in registry.cpp.
#pragma once

#include "ganforge/models/registry.h"

namespace ganforge::models {

Generator make_dcgan_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);
Discriminator make_dcgan_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);

}  // namespace ganforge::models
