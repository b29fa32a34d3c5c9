// schedule.cpp: nanoGPT's learning-rate schedule from RunInfo (schedule.h).
#include "viz/insights/schedule.h"

#include <cmath>

namespace nanogpt::viz::insights {

double learning_rate_at(const RunInfo& r, int step) {
    if (!r.decay_lr) return r.learning_rate;
    if (step < r.warmup_iters) return r.learning_rate * (step + 1) / (r.warmup_iters + 1.0);
    if (step > r.lr_decay_iters || r.lr_decay_iters <= r.warmup_iters) return r.min_lr;
    const double ratio = (double)(step - r.warmup_iters) / (r.lr_decay_iters - r.warmup_iters);
    return r.min_lr + 0.5 * (1.0 + std::cos(M_PI * ratio)) * (r.learning_rate - r.min_lr);
}

}  // namespace nanogpt::viz::insights
