// probe_analysis.cpp: (not yet: the detectors land here; see probe_analysis.h).
#include "viz/insights/probe_analysis.h"

#include "viz/insights/emitter.h"

namespace nanogpt::viz::insights {

bool make_probe_request(const ModelDesc&, const RunInfo&, int, ProbeRequest&) { return false; }

struct ProbeAnalysis::State {
    Emitter& out;
};

ProbeAnalysis::ProbeAnalysis(const ModelDesc&, const RunInfo&, Emitter& out) : s_(std::make_unique<State>(State{out})) {}
ProbeAnalysis::~ProbeAnalysis() = default;
void ProbeAnalysis::observe(const ProbeResult& p) {}
void ProbeAnalysis::finish(int last_step) {}

}  // namespace nanogpt::viz::insights
