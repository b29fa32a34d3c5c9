// probe_analysis.h: what the probe's activations say: per layer and head attention entropy
// (collapse), previous-token and induction scores, dead or saturated MLP units. Also builds
// the probe request (which sequences) and the probe's record for the page.
#pragma once
#include <memory>

#include "trainer/observer.h"
#include "viz/insights/engine.h"

namespace nanogpt::viz::insights {

class Emitter;

// Fills `request` with the probe to run at `step` (an evaluation): B, T, the token rows the
// watcher chooses (e.g. a repeated random sequence for the induction test) and how many rows
// the trainer fills from the validation split. False: no probe for this model or step.
bool make_probe_request(const ModelDesc& model, const RunInfo& run, int step, ProbeRequest& request);

class ProbeAnalysis {
public:
    ProbeAnalysis(const ModelDesc& model, const RunInfo& run, Emitter& out);
    ~ProbeAnalysis();
    void observe(const ProbeResult& p);
    void finish(int last_step);

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace nanogpt::viz::insights
