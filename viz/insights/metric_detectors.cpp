// metric_detectors.cpp: (not yet: the detectors land here; see metric_detectors.h).
#include "viz/insights/metric_detectors.h"

#include "viz/insights/emitter.h"

namespace nanogpt::viz::insights {

struct MetricDetectors::State {
    Emitter& out;
};

MetricDetectors::MetricDetectors(const ModelDesc&, const RunInfo&, Emitter& out) : s_(std::make_unique<State>(State{out})) {}
MetricDetectors::~MetricDetectors() = default;
void MetricDetectors::observe(const StepMetrics& m) {}
void MetricDetectors::finish(int last_step, bool offline) {}

}  // namespace nanogpt::viz::insights
