// commands.h: the `train`, `eval` and `sample` subcommands of the nanogpt CLI.
#pragma once

namespace CLI { class App; }

namespace nanogpt {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_sample_command(CLI::App& app);

}  // namespace nanogpt
