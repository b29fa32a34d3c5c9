// commands.h: the `serve` (the dashboard over recorded runs), `export` and `insights` (the
// detectors over a recorded run, viz/insights/offline.h) subcommands.
#pragma once

namespace CLI { class App; }

namespace nanogpt::viz {

void add_serve_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_insights_command(CLI::App& app);
void add_report_command(CLI::App& app);  // nanogpt report (viz/export/report.h)

}  // namespace nanogpt::viz
