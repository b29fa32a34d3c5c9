// engine.h: the insights engine. One code path online (on the dashboard's worker thread, fed
// as the run goes) and offline (`nanogpt insights`, fed from a recorded run or a metrics.csv).
//
// Feeds, in step order: every step's metrics; every snapshot's exact statistics and watched
// values; every probe. Each feed returns at once with constant work per step (detectors keep
// fixed-size windows, no allocation per step; only an insight that fires allocates) and hands
// what it found to the sink. finish() closes what is still open and runs the detectors that
// need the whole run (the offline phase map).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "trainer/observer.h"
#include "viz/insights/insight.h"

namespace nanogpt::viz::insights {

using Sink = std::function<void(const Insight&)>;
class MatrixCopy;  // spectra.h

// One snapshot as the parameter detectors see it: exact statistics of every slab (ModelDesc
// order) and the values and gradients gathered for the frame (viz/snapshot/plan.h's blocks;
// wte's watched rows are whole, C values each).
struct SnapshotView {
    int step = 0;
    const std::vector<TensorStats>* stats = nullptr;
    const std::vector<float>* values = nullptr;
    const std::vector<float>* grads = nullptr;
    // Per watched wte row: its token id and where its C values start in `values`.
    const std::vector<int>* token_ids = nullptr;
    size_t wte_offset = 0;
    // The whole block matrices, copied at evaluations when they fit (spectra.h): take(step)
    // them, release() once done. Null when the watcher copies none.
    MatrixCopy* matrices = nullptr;
};

class Engine {
public:
    // The run as known at its start. model.tokens_by_frequency and token_text may be empty.
    Engine(const ModelDesc& model, const RunInfo& run, Sink sink);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void observe_metrics(const StepMetrics& m);
    void observe_snapshot(const SnapshotView& s);
    void observe_probe(const ProbeResult& p);
    // The run is over (last_step: the last step seen): closes open spans, runs whole-run
    // detectors (offline = true: also the changepoint phase map).
    void finish(int last_step, bool offline);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace nanogpt::viz::insights
