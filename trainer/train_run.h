// train_run.h: the training loop behind `nanogpt train`.
#pragma once
#include <string>

#include "trainer/train_config.h"

namespace nanogpt {

struct TrainSummary {
    int steps_run = 0;
    float final_train_loss = 0.0f;
    float final_val_loss = 0.0f;  // NaN when never evaluated
    double seconds = 0.0;
};

// config_text: the effective configuration as TOML, saved to <out_dir>/config.toml.
TrainSummary run_train(const TrainConfig& cfg, const std::string& config_text);

}  // namespace nanogpt
