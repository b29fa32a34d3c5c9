// param_stats.cpp: the CPU's TensorStats helpers (contract in param_stats.h).
#include "kernels/cpu/param_stats.h"

#include <algorithm>
#include <cmath>

namespace nanogpt::cpu {

std::vector<StatsBlock> stats_blocks(size_t n, int slabs) {
    constexpr size_t kBlock = 16384;
    std::vector<StatsBlock> blocks;
    for (int s = 0; s < slabs; s++) {
        size_t i0 = n * s / slabs, i1 = n * (s + 1) / slabs;
        for (size_t j = i0; j < i1; j += kBlock) blocks.push_back({s, j, std::min(i1, j + kBlock)});
    }
    return blocks;
}

// Four interleaved sub-histograms, so that runs of equal bins do not serialise on one counter.
void count_histogram(const float* p, size_t i0, size_t i1, const TensorStats& edges, uint32_t* hist) {
    const float lo = edges.hist_lo, width = (edges.hist_hi - edges.hist_lo) / TensorStats::kBins;
    const float inv = width > 0 ? 1.0f / width : 0.0f;
    auto bin_of = [&](float x) {
        float fb = (x - lo) * inv;
        return fb <= 0.0f ? 0 : fb >= (float)(TensorStats::kBins - 1) ? TensorStats::kBins - 1 : (int)fb;
    };
    uint32_t sub[4][TensorStats::kBins] = {};
    size_t i = i0;
    for (; i + 4 <= i1; i += 4) {
        sub[0][bin_of(p[i])]++;
        sub[1][bin_of(p[i + 1])]++;
        sub[2][bin_of(p[i + 2])]++;
        sub[3][bin_of(p[i + 3])]++;
    }
    for (; i < i1; i++) sub[0][bin_of(p[i])]++;
    for (int k = 0; k < TensorStats::kBins; k++) hist[k] += sub[0][k] + sub[1][k] + sub[2][k] + sub[3][k];
}

void merge_block_stats(TensorStats* stats, int slabs, const std::vector<StatsBlock>& blocks,
                       const std::vector<TensorStats>& partial) {
    for (int s = 0; s < slabs; s++) {
        TensorStats& out = stats[s];
        out.sum = out.sumsq = out.grad_sumsq = out.update_sumsq = 0;
        out.count = 0;
        out.min = INFINITY;
        out.max = -INFINITY;
        for (int k = 0; k < TensorStats::kBins; k++) out.hist[k] = 0;
    }
    for (size_t w = 0; w < blocks.size(); w++) {
        TensorStats& out = stats[blocks[w].slab];
        const TensorStats& ps = partial[w];
        out.sum += ps.sum; out.sumsq += ps.sumsq;
        out.grad_sumsq += ps.grad_sumsq; out.update_sumsq += ps.update_sumsq;
        out.count += ps.count;
        out.min = std::min(out.min, ps.min);
        out.max = std::max(out.max, ps.max);
        for (int k = 0; k < TensorStats::kBins; k++) out.hist[k] += ps.hist[k];
    }
}

}  // namespace nanogpt::cpu
