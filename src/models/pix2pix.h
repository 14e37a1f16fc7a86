// Internal: pix2pix's networks (U-Net G, PatchGAN D), registered as model.arch = "pix2pix" in registry.cpp.
#pragma once

#include "ganforge/models/registry.h"

namespace ganforge::models {

// `image_shape` is the target's {C, H, W}; G's input and D's pair add model.input_channels.
Generator make_unet_generator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);
Discriminator make_patch_discriminator(const ModelConfig& cfg, const std::vector<int64_t>& image_shape);

}  // namespace ganforge::models
