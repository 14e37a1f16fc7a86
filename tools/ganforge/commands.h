// Subcommands of the `ganforge` program: each file adds its options and a callback; no logic lives here.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ganforge::cli {

void add_train(CLI::App& app);
void add_sample(CLI::App& app);
void add_info(CLI::App& app);
void add_eval(CLI::App& app);
void add_evaluator(CLI::App& app);
void add_bench(CLI::App& app);
void add_serve(CLI::App& app);
void add_report(CLI::App& app);
void add_data(CLI::App& app);
void add_export(CLI::App& app);
void add_augment(CLI::App& app);
void add_translate(CLI::App& app);

// --run DIR and --checkpoint FILE: where sample, eval, export and augment find a trained generator
// (generator_options.cpp); require_generator is the UserError when neither was given.
void add_generator_options(CLI::App* cmd, std::string& run_dir, std::string& checkpoint);
void require_generator(const std::string& command, const std::string& run_dir, const std::string& checkpoint);

}  // namespace ganforge::cli
