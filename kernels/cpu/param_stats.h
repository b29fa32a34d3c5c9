// param_stats.h: the dashboard's TensorStats on the CPU, the pieces of CpuBackend::adamw_update's
// statistics pass (kernels/cpu/adamw.cpp runs the pass: the update and the sums of each block in
// one vectorised loop, then the histogram of the block while it is still in cache).
//
// Determinism: the slabs are cut into fixed blocks (stats_blocks), every block fills its own
// partial TensorStats, and merge_block_stats adds the partials in block order, so the result
// does not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/backend.h"

namespace nanogpt::cpu {

// Elements [i0, i1) of slab `slab`.
struct StatsBlock {
    int slab;
    size_t i0, i1;
};

// Slab s of n values is [n * s / slabs, n * (s + 1) / slabs), cut into blocks of 16384.
std::vector<StatsBlock> stats_blocks(size_t n, int slabs);

// Counts p[i0..i1) into hist (kBins counters, added to), with the bin edges of `edges`
// (hist_lo, hist_hi): bin = floor((p - lo) / width), values outside in the edge bins.
void count_histogram(const float* p, size_t i0, size_t i1, const TensorStats& edges, uint32_t* hist);

// stats[0..slabs) = the sum of the blocks' partials, block by block in order (min/max, counts,
// histograms included); the caller's hist_lo/hist_hi/want_hist are kept.
void merge_block_stats(TensorStats* stats, int slabs, const std::vector<StatsBlock>& blocks,
                       const std::vector<TensorStats>& partial);

}  // namespace nanogpt::cpu
