// histogram_schedule.h: when each tensor slab's histogram is counted, and over which range.
//
// Histograms are the costly statistic of a snapshot (a scattered count per parameter inside the
// AdamW pass: 43 % slower on 10M parameters), so each slab's is counted at most every
// kEverySteps steps, round robin over the slabs; a snapshot in between carries the slab's last
// histogram and says at which step it was counted (the frame's hist_step). The bins span the
// slab's previous exact range, widened by 5 %: values outside land in the edge bins.
//
// prepare() runs on the training thread before the optimizer pass, complete() on the viz
// thread after it; they share state under a lock.
#pragma once
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "kernels/backend.h"

namespace nanogpt::viz::snapshot {

class HistogramSchedule {
public:
    static constexpr int kEverySteps = 10;

    // slabs: TensorStats per snapshot; interval: steps between snapshots.
    HistogramSchedule(size_t slabs, int interval);

    // Resets `stats` for a snapshot at `step`: each slab's histogram range, and whether the
    // pass counts its histogram this time.
    void prepare(std::vector<TensorStats>& stats, int step);

    // After the pass: slabs that were not counted get their last histogram (and range); the new
    // exact ranges are kept for the next snapshot. Returns, per slab, the step its histogram
    // was counted at.
    std::vector<int> complete(std::vector<TensorStats>& stats, int step);

private:
    std::mutex mu_;
    int every_;  // in snapshots
    int interval_;
    std::vector<std::pair<float, float>> ranges_;
    std::vector<TensorStats> last_hist_;
    std::vector<int> last_hist_step_;
};

}  // namespace nanogpt::viz::snapshot
