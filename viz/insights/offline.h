// offline.h: the insights engine over a recorded run (`nanogpt insights`). Reads either a run
// directory (runs/<session>/: run.json, metrics.jsonl, frames/) or a bare metrics.csv with the
// trainer's columns (then config.toml beside it, when there is one, gives the schedule, and the
// data directory it names the n-gram levels), feeds the same Engine the dashboard feeds live, in
// step order, and finishes it offline (adding the phase map).
#pragma once
#include <string>
#include <vector>

#include "trainer/observer.h"
#include "viz/frame.h"
#include "viz/insights/engine.h"

namespace nanogpt::viz::insights {

struct RecordedRun {
    ModelDesc model;   // shape; tensors rebuilt from the frames (empty without frames)
    RunInfo run;       // as recorded, or as much as config.toml and the metrics tell
    std::vector<StepMetrics> metrics;
    std::vector<std::string> frame_paths;  // frames/<step>.bin in step order; empty for a csv
    std::vector<int> frame_steps;
    // What is missing and which detectors therefore did not run, one line each.
    std::vector<std::string> notes;
};

// `path`: a run directory, or a metrics.csv (a directory holding metrics.csv but no
// metrics.jsonl, such as a trainer's out_dir, reads its metrics.csv). Throws Error when it is
// neither.
RecordedRun read_recorded_run(const std::string& path);

// Runs the engine over the run (snapshots from its frames when `snapshots`), then finish(last,
// offline = true). Each insight goes to sink as the engine sends it (spans several times).
void replay(const RecordedRun& run, const Sink& sink, bool snapshots = true);

// The latest version of each insight (spans are sent again as they grow), in order of first
// appearance: what `nanogpt insights` prints.
std::vector<Insight> latest_per_id(const std::vector<Insight>& sent);

// A frame's "stats" and "hist" tensors as the TensorStats the trainer's optimizer filled, one
// per slab in the frame's order (ModelDesc order): sums rebuilt from mean, rms, grad_rms and
// update_ratio over `count` elements each (count: the slab's size, from `model`, 1 when it is
// not known). The parameter detectors see what the dashboard's worker would have seen.
std::vector<TensorStats> stats_from_frame(const Frame& f, const ModelDesc& model);

}  // namespace nanogpt::viz::insights
