// frame_builder.h: turns one gathered snapshot (values, gradients, exact statistics) into a
// Frame, on the viz worker thread: embeddings projected to 3D, grids and vectors quantised.
#pragma once
#include <string>
#include <vector>

#include "viz/frame.h"
#include "trainer/observer.h"
#include "viz/snapshot/projection.h"
#include "viz/snapshot/plan.h"

namespace nanogpt::viz::snapshot {

class FrameBuilder {
public:
    FrameBuilder(const ModelDesc& model, const SnapshotPlan& plan, std::string session);
    // hist_steps: per slab, the step of its histogram (empty: all counted at `step`).
    Frame build(int step, const std::vector<float>& values, const std::vector<float>& grads,
                const std::vector<TensorStats>& stats, const std::vector<int>& hist_steps = {});
    // A frame of the plan's shape with zero data (for sizing).
    Frame empty_frame() const;

private:
    std::string meta_json() const;
    const ModelDesc& model_;
    const SnapshotPlan& plan_;
    std::string session_;
    std::string meta_;
    Projector wte_projector_, wpe_projector_;
};

}  // namespace nanogpt::viz::snapshot
