// Experiment configuration: one TOML file, overridable with `--set section.key=value`.
// Every key is declared once in a schema (config.cpp) with its type, default, allowed values and a
// one-line help; unknown keys, wrong types and out-of-range values are UserErrors that name the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ganforge/core/config_sections.h"

namespace ganforge {

struct Config {
  std::string name = "run";  // experiment name: the config file's stem unless set
  DataConfig data;
  ModelConfig model;
  LossConfig loss;
  OptimConfig optim;
  TrainConfig train;
};

// Load and validate a config file. Throws UserError naming file and key.
Config load_config(const std::string& path);
// Parse TOML text (`origin` names it in errors) on top of `base`.
Config parse_config(const std::string& text, const std::string& origin, Config base = Config());
// Apply one `section.key=value` override; the value is TOML (strings may omit quotes).
void apply_override(Config& cfg, const std::string& assignment);
// Cross-key checks (steps vs epochs, ...). Called by load/parse; call again after overrides.
void validate(const Config& cfg);
// The fully resolved config as TOML text (every key, defaults included), parseable by parse_config.
std::string to_toml(const Config& cfg);
// Every valid key with its type and help text, for `ganforge train --list-keys`.
std::string describe_keys();

// The ops of a train.diffaugment policy ("color,translation,cutout", any subset, spaces allowed); empty for
// "". UserError naming an unknown op.
std::vector<std::string> diffaugment_ops(const std::string& policy);

// Edit distance, for "did you mean" suggestions.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace ganforge
