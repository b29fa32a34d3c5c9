// metric_detectors.h: phases and events of the metric stream (loss, lr, gradient norm,
// evaluations): warm-up, rapid descent and n-gram level crossings, slowdown, power-law
// descent, annealing, loss and gradient spikes, instability, clipping, divergence,
// overfitting, a growing generalisation gap; offline, a changepoint phase map (PELT).
// Thresholds and why: docs/insights.md.
#pragma once
#include <memory>

#include "trainer/observer.h"
#include "viz/insights/engine.h"

namespace nanogpt::viz::insights {

class Emitter;

class MetricDetectors {
public:
    MetricDetectors(const ModelDesc& model, const RunInfo& run, Emitter& out);
    ~MetricDetectors();
    void observe(const StepMetrics& m);
    void finish(int last_step, bool offline);

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace nanogpt::viz::insights
