// param_detectors.h: patterns in the parameters, from each snapshot's exact statistics and
// watched values: update/weight ratios against peers and history, weight growth and the
// weight-decay equilibrium, vanishing/exploding gradients, gradient imbalance across layers,
// embedding clusters and the frequency direction (in full dimension), spectra (stable rank,
// power-law exponent). Thresholds and why: docs/insights.md.
#pragma once
#include <memory>

#include "trainer/observer.h"
#include "viz/insights/engine.h"

namespace nanogpt::viz::insights {

class Emitter;

class ParamDetectors {
public:
    ParamDetectors(const ModelDesc& model, const RunInfo& run, Emitter& out);
    ~ParamDetectors();
    void observe(const SnapshotView& s);
    void finish(int last_step);

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace nanogpt::viz::insights
