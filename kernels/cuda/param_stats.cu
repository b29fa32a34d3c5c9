// param_stats.cu: the host side of the dashboard's TensorStats on the GPU (the pieces of the
// pass are in param_stats.cuh, the pass itself in adamw.cu).
//
// begin_stats grows the scratch and uploads each slab's bin edges (computed exactly as the CPU
// computes them); adamw_update then runs its statistics kernel; finish_stats merges each slab's
// chunk records in chunk order (merge_stats_kernel), copies the slab records into pinned memory
// and waits for them: the caller reads TensorStats on return.
#include <string>

#include "common/error.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/param_stats.cuh"

namespace nanogpt {

using cuda::kStatBins;
using cuda::SlabConfig;
using cuda::StatsRecord;

namespace {

// Grid slabs, block kStatBins: slab s's chunk records merged in chunk order.
__global__ void merge_stats_kernel(const StatsRecord* partial, int chunks, StatsRecord* merged) {
    const StatsRecord* ps = partial + (size_t)blockIdx.x * chunks;
    StatsRecord& out = merged[blockIdx.x];
    const int k = threadIdx.x;
    unsigned int h = 0;
    for (int j = 0; j < chunks; j++) h += ps[j].hist[k];
    out.hist[k] = h;
    if (k == 0) {
        double sum = 0, sumsq = 0, gsq = 0, usq = 0;
        float mn = INFINITY, mx = -INFINITY;
        unsigned long long count = 0;
        for (int j = 0; j < chunks; j++) {
            sum += ps[j].sum;
            sumsq += ps[j].sumsq;
            gsq += ps[j].grad_sumsq;
            usq += ps[j].update_sumsq;
            mn = fminf(mn, ps[j].min);
            mx = fmaxf(mx, ps[j].max);
            count += ps[j].count;
        }
        out.sum = sum;
        out.sumsq = sumsq;
        out.grad_sumsq = gsq;
        out.update_sumsq = usq;
        out.min = mn;
        out.max = mx;
        out.count = count;
    }
}

}  // namespace

void CudaBackend::init_stats() { stats_ = new StatsState(); }

// No CUDA_CHECK here: this runs from the destructor, which must not throw.
void CudaBackend::free_stats() {
    if (!stats_) return;
    (void)cudaFree(stats_->chunk_stats);
    (void)cudaFree(stats_->slab_stats);
    (void)cudaFree(stats_->slab_config);
    (void)cudaFreeHost(stats_->slab_stats_host);
    (void)cudaFreeHost(stats_->slab_config_host);
    delete stats_;
    stats_ = nullptr;
}

int CudaBackend::begin_stats(const TensorStats* stats, size_t n, int slabs) {
    if (slabs < 1 || slabs > 65535)
        throw Error("adamw_update: " + std::to_string(slabs) + " slabs requested",
                    "statistics are gathered for 1 to 65535 slabs per tensor");
    const size_t max_len = (n + slabs - 1) / slabs;  // no slab is longer
    const size_t chunks_per_slab = max_len == 0 ? 1 : (max_len + cuda::kStatChunk - 1) / cuda::kStatChunk;
    if (chunks_per_slab > 0x7fffffffu)
        throw Error("adamw_update: tensor of " + std::to_string(n) + " values is too large");
    const int chunks = (int)chunks_per_slab;

    // Grow the scratch (the previous call synchronised, so nothing still uses it).
    StatsState& st = *stats_;
    const size_t records = (size_t)chunks * slabs;
    if (records > st.chunk_capacity) {
        const size_t cap = records > 2 * st.chunk_capacity ? records : 2 * st.chunk_capacity;
        (void)cudaFree(st.chunk_stats);
        st.chunk_stats = nullptr;
        st.chunk_capacity = 0;
        CUDA_CHECK(cudaMalloc(&st.chunk_stats, cap * sizeof(StatsRecord)));
        st.chunk_capacity = cap;
    }
    if (slabs > st.slab_capacity) {
        (void)cudaFree(st.slab_stats);
        (void)cudaFree(st.slab_config);
        (void)cudaFreeHost(st.slab_stats_host);
        (void)cudaFreeHost(st.slab_config_host);
        st.slab_stats = nullptr;
        st.slab_config = nullptr;
        st.slab_stats_host = nullptr;
        st.slab_config_host = nullptr;
        st.slab_capacity = 0;
        CUDA_CHECK(cudaMalloc(&st.slab_stats, slabs * sizeof(StatsRecord)));
        CUDA_CHECK(cudaMalloc(&st.slab_config, slabs * sizeof(SlabConfig)));
        CUDA_CHECK(cudaMallocHost(&st.slab_stats_host, slabs * sizeof(StatsRecord)));
        CUDA_CHECK(cudaMallocHost(&st.slab_config_host, slabs * sizeof(SlabConfig)));
        st.slab_capacity = slabs;
    }

    // Bin edges exactly as the CPU computes them.
    for (int s = 0; s < slabs; s++) {
        const float lo = stats[s].hist_lo;
        const float width = (stats[s].hist_hi - stats[s].hist_lo) / TensorStats::kBins;
        const float inv = width > 0 ? 1.0f / width : 0.0f;
        st.slab_config_host[s] = SlabConfig{lo, inv, stats[s].want_hist ? 1 : 0};
    }
    CUDA_CHECK(cudaMemcpyAsync(st.slab_config, st.slab_config_host, slabs * sizeof(SlabConfig),
                               cudaMemcpyHostToDevice, stream_));
    return chunks;
}

void CudaBackend::finish_stats(TensorStats* stats, int slabs, int chunks) {
    StatsState& st = *stats_;
    merge_stats_kernel<<<(unsigned)slabs, kStatBins, 0, stream_>>>(st.chunk_stats, chunks,
                                                                   st.slab_stats);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaMemcpyAsync(st.slab_stats_host, st.slab_stats, slabs * sizeof(StatsRecord),
                               cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));

    for (int s = 0; s < slabs; s++) {
        const StatsRecord& r = st.slab_stats_host[s];
        TensorStats& out = stats[s];
        out.sum = r.sum;
        out.sumsq = r.sumsq;
        out.grad_sumsq = r.grad_sumsq;
        out.update_sumsq = r.update_sumsq;
        out.min = r.min;
        out.max = r.max;
        out.count = r.count;
        for (int k = 0; k < kStatBins; k++) out.hist[k] = r.hist[k];  // all 0 without want_hist
    }
}

}  // namespace nanogpt
