// commands.h: registers the `prepare` subcommand on the nanogpt command line.
#pragma once

namespace CLI {
class App;
}

namespace nanogpt {

// Adds `prepare --tokenizer char|gpt2 [--input FILE] --out DIR [--val-fraction F]
// [--gpt2-assets DIR]`; its callback runs run_prepare, letting nanogpt::Error propagate.
void add_prepare_command(CLI::App& app);

}  // namespace nanogpt
