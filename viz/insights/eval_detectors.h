// eval_detectors.h: what the evaluations say: overfitting (validation rising while training
// still falls, naming the best step) and a growing generalisation gap (val - train measured
// alike, growing while val still falls). Rules and thresholds: docs/insights.md.
#pragma once
#include "viz/insights/metric_common.h"

namespace nanogpt::viz::insights {

class EvalDetectors {
public:
    explicit EvalDetectors(const MetricContext& ctx) : ctx_(ctx) {}
    // An evaluation at `step`: val loss, the eval train loss (NaN when the stream has none: a
    // metrics.csv), the smoothed training loss at this step (NaN when none yet).
    void observe(int step, double val, double eval_train, double train_smoothed, bool warmup_over);
    void finish(int last_step);

    static constexpr double kWorse = 1.005;   // val above 1.005 x its best ...
    static constexpr int kPatience = 2;       // ... on 2 evaluations in a row (early stopping's patience)
    static constexpr int kGapEvals = 3;       // gap slope over the last 3 evaluations
    static constexpr double kGapExcess = 0.02;  // nats above the gap at the first eval after warm-up

private:
    void send_overfit(bool close, int end, bool new_best);
    void send_gap(bool close, int end);

    const MetricContext& ctx_;
    double best_val_ = INFINITY;
    int best_step_ = 0;
    double prev_train_ = NAN;       // train measure at the previous evaluation
    int rising_ = 0, first_rise_ = 0;
    double rise_train_from_ = NAN;  // train measure at the first rising eval's predecessor
    SpanClock overfit_;
    double overfit_val_ = 0, overfit_train_ = 0;
    int overfit_end_ = 0, overfit_evals_ = 0;
    double new_best_val_ = 0;
    int new_best_step_ = 0;

    // the gap
    struct Eval {
        int step;
        double val, gap;
    };
    Eval recent_[kGapEvals]{};
    int n_recent_ = 0;
    double base_gap_ = NAN;
    int base_step_ = 0;
    SpanClock gap_;
    double gap_now_ = 0, gap_max_ = 0, gap_first_ = 0;
    int gap_end_ = 0;
};

}  // namespace nanogpt::viz::insights
