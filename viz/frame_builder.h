// frame_builder.h: turns one gathered sample (values, gradients, exact statistics) into a
// Frame, on the viz worker thread: embeddings projected to 3D, grids and vectors quantised.
#pragma once
#include <string>
#include <vector>

#include "viz/frame.h"
#include "viz/observer.h"
#include "viz/projection.h"
#include "viz/sample_plan.h"

namespace nanogpt::viz {

// The per-slab statistics in a frame, in this order (tensor "stats", field = tensor name).
// hist_step: the step the histogram was counted at (histograms refresh at most every
// kHistogramEverySteps steps per slab, the other statistics every sample).
constexpr const char* kStatNames[] = {"mean", "std", "min", "max", "rms", "grad_rms",
                                      "update_ratio", "hist_lo", "hist_hi", "hist_step"};
constexpr int kNumStats = 10;

// Writes {"L":..,"NH":..,"C":..,"V":..,"maxT":..}, the model shape the browser needs.
template <typename Writer>
void write_model_shape(Writer& w, const ModelDesc& m) {
    w.StartObject();
    w.Key("L"); w.Int(m.L);
    w.Key("NH"); w.Int(m.NH);
    w.Key("C"); w.Int(m.C);
    w.Key("V"); w.Int(m.V);
    w.Key("maxT"); w.Int(m.maxT);
    w.EndObject();
}

class FrameBuilder {
public:
    FrameBuilder(const ModelDesc& model, const SamplePlan& plan, std::string session);
    // hist_steps: per slab, the step of its histogram (empty: all counted at `step`).
    Frame build(int step, const std::vector<float>& values, const std::vector<float>& grads,
                const std::vector<TensorStats>& stats, const std::vector<int>& hist_steps = {});
    // A frame of the plan's shape with zero data (for sizing).
    Frame empty_frame() const;

private:
    std::string meta_json() const;
    const ModelDesc& model_;
    const SamplePlan& plan_;
    std::string session_;
    std::string meta_;
    Projector wte_projector_, wpe_projector_;
};

}  // namespace nanogpt::viz
