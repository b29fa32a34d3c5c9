// commands.h: the `eval` and `sample` subcommands of the nanogpt CLI (`train` is wired in
// app/, since it joins the trainer and the dashboard).
#pragma once

namespace CLI { class App; }

namespace nanogpt {

void add_eval_command(CLI::App& app);
void add_sample_command(CLI::App& app);

}  // namespace nanogpt
