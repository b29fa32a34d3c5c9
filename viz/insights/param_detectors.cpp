// param_detectors.cpp: (not yet: the detectors land here; see param_detectors.h).
#include "viz/insights/param_detectors.h"

#include "viz/insights/emitter.h"

namespace nanogpt::viz::insights {

struct ParamDetectors::State {
    Emitter& out;
};

ParamDetectors::ParamDetectors(const ModelDesc&, const RunInfo&, Emitter& out) : s_(std::make_unique<State>(State{out})) {}
ParamDetectors::~ParamDetectors() = default;
void ParamDetectors::observe(const SnapshotView& s) {}
void ParamDetectors::finish(int last_step) {}

}  // namespace nanogpt::viz::insights
