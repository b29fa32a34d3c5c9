// train_run.h: the training loop behind `nanogpt train`.
#pragma once
#include <string>

#include "dist/job.h"
#include "trainer/observer.h"
#include "trainer/train_config.h"

namespace nanogpt {

struct TrainSummary {
    int steps_run = 0;
    float final_train_loss = 0.0f;
    float final_val_loss = 0.0f;  // NaN when never evaluated
    double seconds = 0.0;
    int stopped_by = 0;           // the signal that interrupted the run (SIGINT, SIGTERM), else 0
};

// config_text: the effective configuration as TOML, saved to <out_dir>/config.toml.
// watcher: who watches the run (the dashboard), or null. Ctrl-C or SIGTERM finish the step in
// flight, checkpoint when that loses nothing, tell the watcher, and return with stopped_by set.
// job: this process's place in a data-parallel job (dist/job.h); null: joins one itself (a job
// of one without an MPI launcher). Every rank takes batch_size sequences of each step's global
// batch of batch_size * ranks; rank 0 writes the files and is the only one watched.
TrainSummary run_train(const TrainConfig& cfg, const std::string& config_text,
                       TrainingObserver* watcher = nullptr, dist::Job* job = nullptr);

}  // namespace nanogpt
