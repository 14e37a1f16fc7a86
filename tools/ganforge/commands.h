// Subcommands of the `ganforge` program: each file adds its options and a callback; no logic lives here.
#pragma once

#include <CLI/CLI.hpp>

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

}  // namespace ganforge::cli
