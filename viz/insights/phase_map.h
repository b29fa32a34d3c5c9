// phase_map.h: the run's phase map, offline: the training loss in blocks of 10 steps, cut
// into straight pieces on ln loss over ln step by PELT (pelt.h), each piece a Phase insight
// (its slope says what it is: a fast drop, a shoulder, a steady power law, convergence), and
// every slow piece followed by a faster one a Shoulder. Online it only keeps the block means
// (memory bounded: at 4096 blocks neighbours merge and the block doubles), so finish(offline)
// can draw the map of a run that was watched live too.
#pragma once
#include <vector>

#include "viz/insights/metric_common.h"

namespace nanogpt::viz::insights {

class PhaseMap {
public:
    explicit PhaseMap(const MetricContext& ctx);
    void add(int step, double loss, double lr);
    // offline: emits the Phase and Shoulder insights of the whole run.
    void finish(bool offline);

    static constexpr int kBlock = 10;            // steps per point (before any merging)
    static constexpr size_t kMaxBlocks = 4096;
    static constexpr double kPenalty = 10;       // beta = 10 sigma^2 ln n
    static constexpr size_t kMinBlocks = 3;      // points per segment at least
    static constexpr double kShoulder = 0.6;     // |slope| below 0.6 x the next segment's

private:
    struct Block {
        double step = 0, loss = 0, lr = 0;  // sums
        int n = 0, first = 0, last = 0;
        bool lr_known = false;
    };
    void merge_pairs();

    const MetricContext& ctx_;
    int block_ = kBlock;
    std::vector<Block> blocks_;
    double lr_max_ = 0;
};

}  // namespace nanogpt::viz::insights
