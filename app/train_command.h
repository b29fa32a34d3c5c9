// train_command.h: `nanogpt train`, where the trainer and the dashboard meet. The trainer's
// keys (trainer/train_config.h) and the dashboard's viz.* keys (viz/options.h) are registered
// on one command and read from one config file; the dashboard is built here and handed to the
// training loop as its TrainingObserver.
#pragma once

namespace CLI { class App; }

namespace nanogpt::app {

// exit_code: set when the run ends other than by finishing (130 for SIGINT, 143 for SIGTERM).
void add_train_command(CLI::App& app, int& exit_code);

}  // namespace nanogpt::app
