// curve_events.h: events on the per-step curves: loss spikes (detrended robust z with a
// magnitude floor), gradient spikes (robust z on ln grad norm), instability (spikes that
// cluster, or a gradient spike followed by a loss spike), clipping active on most steps, and
// divergence (non-finite values at once, a sustained rise, worse than a uniform guess). Rules
// and thresholds: docs/insights.md "Metric stream".
#pragma once
#include <array>

#include "viz/insights/metric_common.h"
#include "viz/insights/online_stats.h"

namespace nanogpt::viz::insights {

class CurveEvents {
public:
    explicit CurveEvents(const MetricContext& ctx) : ctx_(ctx) {}
    // A step with a finite training loss (StepSignals filled).
    void observe(const StepSignals& s);
    // A non-finite loss or gradient norm at `step`: divergence, at once (once per run).
    void non_finite(int step, const char* what, double value);
    void finish(int last_step);

    // Thresholds (docs/insights.md): calibrated on the CPU demo run, see there.
    static constexpr int kLossWindow = 128;       // steps of loss residuals a loss z is scored against
    static constexpr double kLossZ = 5.0;         // detrended robust z of the loss
    static constexpr double kLossFloor = 1.02;    // and at least 2 % above the smoothed loss
    static constexpr int kGradWindow = 64;        // steps of ln(grad norm) a gradient z is scored against
    static constexpr double kGradZ = 6.0;         // robust z of ln(grad norm)
    static constexpr double kGradFloor = 2.0;     // and at least twice the median norm
    static constexpr int kClusterSteps = 200;     // >= 3 spikes within this many steps: instability
    static constexpr int kClusterCount = 3;
    static constexpr int kGradThenLoss = 20;      // a loss spike 1..20 steps after a gradient spike
    static constexpr int kClipWindow = 200;       // clipping: share of the last 200 steps clipped
    static constexpr double kClipOn = 0.5, kClipOff = 0.4;
    static constexpr double kRise = 1.10;         // divergence: slow EMA 10 % above its minimum ...
    static constexpr int kRiseSteps = 50;         // ... for max(50 steps, 5 % of the run)
    static constexpr double kAboveUniform = 0.5;  // smoothed loss > ln V + 0.5 after warm-up

private:
    void loss_spike(const StepSignals& s, bool grad_spike_now);
    bool grad_spike(const StepSignals& s);
    void spike_happened(int step, bool is_loss);
    void instability_tick(int step);
    void clipping(const StepSignals& s);
    void send_clipping(bool close);
    void divergence(const StepSignals& s);
    void send_loss_spike(int step, bool close, bool recovered);
    void send_instability(bool close);

    const MetricContext& ctx_;

    // loss spike: residuals loss - smoothed loss (detrended), and the open spike
    Ring<kLossWindow> residuals_;
    SpanClock spike_;
    int spike_end_ = 0, spike_steps_ = 0;
    double spike_base_ = 0, spike_peak_ = 0, spike_z_ = 0, spike_median_ = 0, spike_scale_ = 0;
    bool spike_with_grad_ = false, spike_after_warmup_ = false, spike_clipped_ = false;

    // gradient spike
    Ring<kGradWindow> log_norms_;
    bool grad_spiking_ = false;
    int last_grad_spike_ = -1000000;

    // instability: the last spikes (step, loss?) in a small ring
    struct Spike {
        int step;
        bool is_loss;
    };
    std::array<Spike, 16> spikes_{};
    size_t n_spikes_ = 0, spikes_head_ = 0;
    SpanClock unstable_;
    int unstable_end_ = 0, unstable_loss_ = 0, unstable_grad_ = 0;
    bool unstable_pair_ = false;
    int pair_grad_step_ = 0, pair_loss_step_ = 0;

    // clipping
    FlagWindow<kClipWindow> clipped_;
    SpanClock clip_;
    int clip_end_ = 0, clip_closed_ = -1000000;
    long clip_steps_ = 0, clip_count_ = 0;  // over the span: steps, clipped steps
    double clip_fraction_ = 0, clip_max_norm_ = 0;

    // divergence, each reason once
    bool fired_non_finite_ = false, fired_rise_ = false, fired_uniform_ = false;
    double slow_min_ = INFINITY;
    int slow_min_step_ = 0, rise_since_ = -1;
    double rise_from_ = 0;
    int last_finite_step_ = -1;
};

}  // namespace nanogpt::viz::insights
