// param_stats.cuh: the dashboard's TensorStats on the GPU, the pieces the statistics pass of
// adamw_update is made of (the pass itself, adamw.cu's adamw_stats_kernel, computes them on the
// values it has just written; param_stats.cu merges them and brings them to the host).
//
// The slabs are cut into chunks of kStatChunk elements, one block of kStatThreads per chunk
// (grid = chunks x slabs). Each thread keeps a StatsAccumulator (double sums, float min/max);
// each warp counts its histogram into its own shared-memory row (less contention per counter);
// write_block_stats reduces the block in a fixed order into one StatsRecord per chunk, and
// param_stats.cu merges each slab's records in chunk order: the result does not depend on
// scheduling. Bins use the CPU's formula (kernels/cpu/param_stats.cpp).
#pragma once
#include <cmath>
#include <cstddef>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/reduce.cuh"

namespace nanogpt::cuda {

constexpr int kStatBins = TensorStats::kBins;
constexpr int kStatThreads = 256;
constexpr int kStatWarps = kStatThreads / 32;
constexpr size_t kStatChunk = 8192;  // elements per block in the statistics pass

struct SlabConfig {
    float lo, inv;  // bin = (p - lo) * inv, clamped to the edge bins, as on the CPU
    int want_hist;
};

// The statistics of one chunk, and after merging, of one slab.
struct StatsRecord {
    double sum, sumsq, grad_sumsq, update_sumsq;
    float min, max;
    unsigned long long count;
    unsigned int hist[kStatBins];
};

// Slab s of n values is [n * s / slabs, n * (s + 1) / slabs), as on the CPU; chunk x of it is
// [i0 + x * kStatChunk, min(i0 + (x + 1) * kStatChunk, i1)), empty past the slab's end.
__device__ __forceinline__ void stats_chunk_range(size_t n, int slabs, int s, size_t x,
                                                  size_t& c0, size_t& c1) {
    const size_t i0 = n * (size_t)s / slabs, i1 = n * (size_t)(s + 1) / slabs;
    c0 = i0 + x * kStatChunk;
    c1 = c0 >= i1 ? c0 : (c0 + kStatChunk < i1 ? c0 + kStatChunk : i1);
}

// The CPU's bin formula: fb <= 0 -> first bin, fb >= kBins - 1 -> last bin, else floor(fb).
__device__ __forceinline__ int stat_bin(float p, float lo, float inv) {
    float fb = __fmul_rn(__fsub_rn(p, lo), inv);
    if (fb <= 0.0f) return 0;
    if (fb >= (float)(kStatBins - 1)) return kStatBins - 1;
    if (fb != fb) return 0;  // NaN: keep the index in range
    return (int)fb;
}

// One thread's share of a chunk: p the updated parameter, raw the gradient before clipping,
// d the update applied (new - old). Sums in double, extremes in float.
struct StatsAccumulator {
    double sum = 0, sumsq = 0, gsq = 0, usq = 0;
    float mn = INFINITY, mx = -INFINITY;

    __device__ __forceinline__ void add(float p, float raw, float d) {
        sum += p;
        sumsq += (double)p * p;
        gsq += (double)raw * raw;
        usq += (double)d * d;
        mn = fminf(mn, p);
        mx = fmaxf(mx, p);
    }
};

// The block's shared memory for one chunk.
struct BlockStats {
    unsigned int hist[kStatWarps][kStatBins];  // per warp: less contention per counter
    double red_sum[4][kStatWarps];
    float red_min[kStatWarps], red_max[kStatWarps];
};

// Zeroes the histograms; every thread calls it before counting.
__device__ __forceinline__ void clear_block_stats(BlockStats& sh) {
    for (int k = threadIdx.x; k < kStatWarps * kStatBins; k += blockDim.x) (&sh.hist[0][0])[k] = 0;
    __syncthreads();
}

__device__ __forceinline__ void count_bin(BlockStats& sh, float p, const SlabConfig& cfg) {
    atomicAdd(&sh.hist[threadIdx.x / 32][stat_bin(p, cfg.lo, cfg.inv)], 1u);
}

// Every thread calls it once its share is done: the block's accumulators and histograms,
// reduced in a fixed order (warp butterflies, then warps in order), land in `out`.
__device__ __forceinline__ void write_block_stats(BlockStats& sh, StatsAccumulator acc,
                                                  unsigned long long count, StatsRecord& out) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    double sum = warp_sum(acc.sum);
    double sumsq = warp_sum(acc.sumsq);
    double gsq = warp_sum(acc.gsq);
    double usq = warp_sum(acc.usq);
    float mn = warp_min(acc.mn);
    float mx = warp_max(acc.mx);
    if (lane == 0) {
        sh.red_sum[0][warp] = sum;
        sh.red_sum[1][warp] = sumsq;
        sh.red_sum[2][warp] = gsq;
        sh.red_sum[3][warp] = usq;
        sh.red_min[warp] = mn;
        sh.red_max[warp] = mx;
    }
    __syncthreads();  // also orders every histogram atomic before the reads below

    if (threadIdx.x == 0) {
        double t[4] = {0, 0, 0, 0};
        float tmn = INFINITY, tmx = -INFINITY;
        for (int w = 0; w < kStatWarps; w++) {
            for (int k = 0; k < 4; k++) t[k] += sh.red_sum[k][w];
            tmn = fminf(tmn, sh.red_min[w]);
            tmx = fmaxf(tmx, sh.red_max[w]);
        }
        out.sum = t[0];
        out.sumsq = t[1];
        out.grad_sumsq = t[2];
        out.update_sumsq = t[3];
        out.min = tmn;
        out.max = tmx;
        out.count = count;
    }
    for (int k = threadIdx.x; k < kStatBins; k += blockDim.x) {
        unsigned int h = 0;
        for (int w = 0; w < kStatWarps; w++) h += sh.hist[w][k];
        out.hist[k] = h;
    }
}

}  // namespace nanogpt::cuda

namespace nanogpt {

// Scratch of the statistics pass, grown on demand (created by init_stats, param_stats.cu).
struct CudaBackend::StatsState {
    cuda::StatsRecord* chunk_stats = nullptr;  // one record per (slab, chunk)
    size_t chunk_capacity = 0;
    cuda::StatsRecord* slab_stats = nullptr;  // one record per slab
    cuda::SlabConfig* slab_config = nullptr;
    cuda::StatsRecord* slab_stats_host = nullptr;  // pinned
    cuda::SlabConfig* slab_config_host = nullptr;  // pinned
    int slab_capacity = 0;
};

}  // namespace nanogpt
