// commands.h: the `serve` (the dashboard over recorded runs) and `export` subcommands.
#pragma once

namespace CLI { class App; }

namespace nanogpt::viz {

void add_serve_command(CLI::App& app);
void add_export_command(CLI::App& app);

}  // namespace nanogpt::viz
