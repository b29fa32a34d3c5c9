// histogram_schedule.cpp: the round-robin histogram schedule (histogram_schedule.h).
#include "viz/snapshot/histogram_schedule.h"

#include <algorithm>
#include <iterator>

namespace nanogpt::viz::snapshot {

HistogramSchedule::HistogramSchedule(size_t slabs, int interval)
    : every_(std::max(1, (kEverySteps + interval - 1) / interval)),
      interval_(interval),
      ranges_(slabs, {-0.1f, 0.1f}),
      last_hist_(slabs),
      last_hist_step_(slabs, -1) {}

void HistogramSchedule::prepare(std::vector<TensorStats>& stats, int step) {
    const int snapshot_index = step / interval_;
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < stats.size() && i < ranges_.size(); i++) {
        stats[i] = TensorStats{};
        stats[i].hist_lo = ranges_[i].first;
        stats[i].hist_hi = ranges_[i].second;
        stats[i].want_hist = last_hist_step_[i] < 0 || (snapshot_index + (int)i) % every_ == 0;
    }
}

std::vector<int> HistogramSchedule::complete(std::vector<TensorStats>& stats, int step) {
    std::vector<int> hist_steps(stats.size(), step);
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < stats.size() && i < ranges_.size(); i++) {
        TensorStats& st = stats[i];
        if (st.want_hist) {
            last_hist_[i] = st;
            last_hist_step_[i] = step;
        } else {
            std::copy(std::begin(last_hist_[i].hist), std::end(last_hist_[i].hist), st.hist);
            st.hist_lo = last_hist_[i].hist_lo;
            st.hist_hi = last_hist_[i].hist_hi;
            hist_steps[i] = last_hist_step_[i];
        }
        if (st.count == 0) continue;
        const float pad = 0.05f * (st.max - st.min) + 1e-6f;
        ranges_[i] = {st.min - pad, st.max + pad};
    }
    return hist_steps;
}

}  // namespace nanogpt::viz::snapshot
