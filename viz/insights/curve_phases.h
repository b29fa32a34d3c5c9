// curve_phases.h: the phases of the loss curve, online: warm-up and annealing (from the lr
// series), rapid descent with its n-gram level crossings, slowdown (the log-log slope well
// below its own recent past) and steady power-law descent (a stable log-log slope). Rules and
// thresholds: docs/insights.md "Metric stream".
#pragma once
#include "viz/insights/metric_common.h"
#include "viz/insights/online_stats.h"

namespace nanogpt::viz::insights {

class CurvePhases {
public:
    explicit CurvePhases(const MetricContext& ctx) : ctx_(ctx) {}
    void observe(const StepSignals& s);
    void finish(int last_step);

    static constexpr double kRapid = 0.10;       // smoothed loss falls > 10 % per 100 steps
    static constexpr int kRapidMinSteps = 20;    // ... measured over at least 20 steps
    static constexpr double kAnneal = 0.2;       // lr below 20 % of its peak and falling
    static constexpr double kSlopeSpan = 1.25;   // slope window [t / 1.25, t]
    static constexpr double kSlow = 0.6;         // |k| below 0.6 x the median of the 5 windows before
    static constexpr double kSlowEnd = 0.75;     // ... until it is back above 0.75 x that
    static constexpr int kSlowSteps = 100;       // ... for at least 100 steps
    static constexpr double kSlowLr = 0.5;       // only while lr >= 0.5 x its peak (later: convergence)
    static constexpr double kSteady = 0.3;       // power law: 3 windows' slopes within +-30 % of their mean

private:
    void warmup(const StepSignals& s);
    void annealing(const StepSignals& s);
    void rapid_descent(const StepSignals& s);
    void levels(const StepSignals& s);
    void slope_phases(const StepSignals& s);
    void slowdown(const StepSignals& s);
    void power_law(const StepSignals& s, double x, bool checkpoint);
    void send_warmup(bool close);
    void send_annealing(bool close, int step);
    void send_rapid(bool close, int step);
    void send_slowdown(bool close, int step, bool recovered);
    void send_power_law(bool close, int step);

    const MetricContext& ctx_;

    // warm-up: the lr series rising
    bool lr_seen_ = false;
    double lr_prev_ = 0, lr_first_ = 0;
    int step_prev_ = 0;
    SpanClock warm_;
    int warm_end_ = 0;
    double warm_peak_ = 0;

    SpanClock anneal_;
    double anneal_lr_ = 0;

    // rapid descent: the smoothed loss 100 steps ago
    Ring<101> fast_hist_;
    SpanClock rapid_;
    double rapid_from_ = 0, rapid_to_ = 0, rapid_max_rate_ = 0, rapid_rate_ = 0;
    // n-gram levels: once seen above, crossed when the smoothed loss goes below (at most 4)
    bool above_[4] = {false, false, false, false}, crossed_[4] = {false, false, false, false};
    int crossed_step_[4] = {0, 0, 0, 0};

    // log-log slope checkpoints: one each time ln t moves by ln 1.25
    Ring<8> checkpoints_;
    double next_checkpoint_ = 0;
    int cand_start_ = -1;
    double cand_ref_ = 0, slow_k_ = 0, slow_k_min_ = 0, slow_loss_ = 0;
    SpanClock slow_;
    SpanClock power_;
    int calm_from_ = 0;  // first step after warm-up and any rapid descent
    double power_k_ = 0, power_k_lo_ = 0, power_k_hi_ = 0;
};

}  // namespace nanogpt::viz::insights
