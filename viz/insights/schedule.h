// schedule.h: the learning rate of a step from RunInfo's schedule, for detectors that need it
// where the metric stream is not at hand (the parameter detectors see snapshots only). The
// same nanoGPT schedule as trainer/train_config.cpp's learning_rate_at: linear warm-up to
// learning_rate over warmup_iters, cosine down to min_lr at lr_decay_iters, then min_lr.
#pragma once
#include "trainer/observer.h"

namespace nanogpt::viz::insights {

double learning_rate_at(const RunInfo& run, int step);

}  // namespace nanogpt::viz::insights
