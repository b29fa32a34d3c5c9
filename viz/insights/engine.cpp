// engine.cpp: the insights engine (engine.h): the three families of detectors behind one feed.
#include "viz/insights/engine.h"

#include "viz/insights/emitter.h"
#include "viz/insights/metric_detectors.h"
#include "viz/insights/param_detectors.h"
#include "viz/insights/probe_analysis.h"

namespace nanogpt::viz::insights {

struct Engine::Impl {
    Emitter out;
    MetricDetectors metrics;
    ParamDetectors params;
    ProbeAnalysis probe;
    Impl(const ModelDesc& model, const RunInfo& run, Sink sink)
        : out(std::move(sink)), metrics(model, run, out), params(model, run, out), probe(model, run, out) {}
};

Engine::Engine(const ModelDesc& model, const RunInfo& run, Sink sink)
    : impl_(std::make_unique<Impl>(model, run, std::move(sink))) {}
Engine::~Engine() = default;

void Engine::observe_metrics(const StepMetrics& m) { impl_->metrics.observe(m); }
void Engine::observe_snapshot(const SnapshotView& s) { impl_->params.observe(s); }
void Engine::observe_probe(const ProbeResult& p) { impl_->probe.observe(p); }

void Engine::finish(int last_step, bool offline) {
    impl_->metrics.finish(last_step, offline);
    impl_->params.finish(last_step);
    impl_->probe.finish(last_step);
}

}  // namespace nanogpt::viz::insights
