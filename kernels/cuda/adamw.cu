// adamw.cu: AdamW on the GPU, the global gradient norm it is clipped by, and the dashboard's
// parameter statistics gathered in the same pass.
//
// Contract (as kernels/cpu/adamw.cpp):
//   - sum_squares: a deterministic two-pass reduction. A fixed grid (not tied to the device)
//     accumulates in double, one partial per block, then one block sums the partials in a
//     fixed order: the same input always gives the same bits.
//   - adamw_update: PyTorch's AdamW with the CPU's operation order. The arithmetic is written
//     with explicit round-to-nearest intrinsics so that the compiler cannot contract it into
//     FMAs differently in the plain and the statistics kernels: asking for statistics never
//     changes the update (bit-identical).
//   - statistics: the slabs are cut into chunks of kChunk elements, one block per chunk
//     (grid = chunks x slabs). Each block writes one partial record (double sums, min, max,
//     count, histogram from per-warp shared-memory counters); a second kernel merges each
//     slab's partials in order. The result lands in pinned memory and the host waits for it.
#include <cmath>
#include <cstddef>
#include <string>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

// Types shared by the kernels and OptimState (named namespace: OptimState holds them).
namespace adamw_detail {

constexpr int kBins = TensorStats::kBins;

struct SlabConfig {
    float lo, inv;  // bin = (p - lo) * inv, clamped to the edge bins, as on the CPU
    int want_hist;
};

// The statistics of one chunk, and after merging, of one slab.
struct StatsRecord {
    double sum, sumsq, grad_sumsq, update_sumsq;
    float min, max;
    unsigned long long count;
    unsigned int hist[kBins];
};

}  // namespace adamw_detail

using adamw_detail::kBins;
using adamw_detail::SlabConfig;
using adamw_detail::StatsRecord;

struct CudaBackend::OptimState {
    double* partials = nullptr;    // sum_squares: one double per block of the first pass
    double* total = nullptr;       // sum_squares: the result on the device
    double* total_host = nullptr;  // pinned
    // adamw_update statistics, grown on demand.
    StatsRecord* chunk_stats = nullptr;  // one record per (slab, chunk)
    size_t chunk_capacity = 0;
    StatsRecord* slab_stats = nullptr;  // one record per slab
    SlabConfig* slab_config = nullptr;
    StatsRecord* slab_stats_host = nullptr;  // pinned
    SlabConfig* slab_config_host = nullptr;  // pinned
    int slab_capacity = 0;
};

namespace {

constexpr int kSumBlocks = 1024;  // fixed: partials never depend on the device's SM count
constexpr int kSumThreads = 256;
constexpr int kStatThreads = 256;
constexpr int kStatWarps = kStatThreads / 32;
constexpr size_t kChunk = 8192;  // elements per block in the statistics pass
constexpr int kUpdateThreads = 256;
constexpr size_t kMaxUpdateBlocks = 1u << 16;

struct AdamWArgs {
    float lr, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, decay, grad_scale, c1, c2;
};

// One parameter: returns the updated value, writes the new moments. Operation order as in
// kernels/cpu/adamw.cpp; every operation rounded on its own (no FMA contraction).
__device__ __forceinline__ float adamw_one(float param, float grad, float& m, float& v,
                                           const AdamWArgs& a) {
    float g = __fmul_rn(grad, a.grad_scale);
    float mi = __fadd_rn(__fmul_rn(a.beta1, m), __fmul_rn(a.one_minus_beta1, g));
    float vi = __fadd_rn(__fmul_rn(a.beta2, v), __fmul_rn(__fmul_rn(a.one_minus_beta2, g), g));
    m = mi;
    v = vi;
    float p = __fmul_rn(param, a.decay);  // decoupled decay, before the step
    float step = __fdiv_rn(__fmul_rn(a.lr, __fdiv_rn(mi, a.c1)),
                           __fadd_rn(__fsqrt_rn(__fdiv_rn(vi, a.c2)), a.eps));
    return __fsub_rn(p, step);
}

__global__ void adamw_kernel(float* param, const float* grad, float* m, float* v, size_t n,
                             AdamWArgs a) {
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        float mi = m[i], vi = v[i];
        param[i] = adamw_one(param[i], grad[i], mi, vi, a);
        m[i] = mi;
        v[i] = vi;
    }
}

// The CPU's bin formula: fb <= 0 -> first bin, fb >= kBins - 1 -> last bin, else floor(fb).
__device__ __forceinline__ int bin_of(float p, float lo, float inv) {
    float fb = __fmul_rn(__fsub_rn(p, lo), inv);
    if (fb <= 0.0f) return 0;
    if (fb >= (float)(kBins - 1)) return kBins - 1;
    if (fb != fb) return 0;  // NaN: keep the index in range
    return (int)fb;
}

__device__ __forceinline__ double warp_sum(double v) {
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    return v;
}
__device__ __forceinline__ float warp_min(float v) {
    for (int off = 16; off > 0; off >>= 1) v = fminf(v, __shfl_xor_sync(0xffffffffu, v, off));
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
    for (int off = 16; off > 0; off >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
    return v;
}

// Grid (chunks, slabs), block kStatThreads. Block (x, s) updates elements
// [i0 + x * kChunk, min(i0 + (x + 1) * kChunk, i1)) of slab s = [i0, i1) and writes its
// statistics into partial[s * chunks + x] (an empty chunk writes an empty record).
__global__ void adamw_stats_kernel(float* param, const float* grad, float* m, float* v, size_t n,
                                   int slabs, AdamWArgs a, const SlabConfig* config,
                                   StatsRecord* partial) {
    __shared__ unsigned int hist[kStatWarps][kBins];  // per warp: less contention per counter
    __shared__ double red_sum[4][kStatWarps];
    __shared__ float red_min[kStatWarps], red_max[kStatWarps];
    const int s = blockIdx.y;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const SlabConfig cfg = config[s];
    for (int k = threadIdx.x; k < kStatWarps * kBins; k += blockDim.x) (&hist[0][0])[k] = 0;
    __syncthreads();

    const size_t i0 = n * (size_t)s / slabs, i1 = n * (size_t)(s + 1) / slabs;  // as the CPU
    const size_t c0 = i0 + (size_t)blockIdx.x * kChunk;
    const size_t c1 = c0 >= i1 ? c0 : (c0 + kChunk < i1 ? c0 + kChunk : i1);
    double sum = 0, sumsq = 0, gsq = 0, usq = 0;
    float mn = INFINITY, mx = -INFINITY;
    for (size_t i = c0 + threadIdx.x; i < c1; i += blockDim.x) {
        float raw = grad[i], old = param[i], mi = m[i], vi = v[i];
        float p = adamw_one(old, raw, mi, vi, a);
        param[i] = p;
        m[i] = mi;
        v[i] = vi;
        float d = __fsub_rn(p, old);
        sum += p;
        sumsq += (double)p * p;
        gsq += (double)raw * raw;
        usq += (double)d * d;
        mn = fminf(mn, p);
        mx = fmaxf(mx, p);
        if (cfg.want_hist) atomicAdd(&hist[warp][bin_of(p, cfg.lo, cfg.inv)], 1u);
    }
    sum = warp_sum(sum);
    sumsq = warp_sum(sumsq);
    gsq = warp_sum(gsq);
    usq = warp_sum(usq);
    mn = warp_min(mn);
    mx = warp_max(mx);
    if (lane == 0) {
        red_sum[0][warp] = sum;
        red_sum[1][warp] = sumsq;
        red_sum[2][warp] = gsq;
        red_sum[3][warp] = usq;
        red_min[warp] = mn;
        red_max[warp] = mx;
    }
    __syncthreads();  // also orders every histogram atomic before the reads below

    StatsRecord& out = partial[(size_t)s * gridDim.x + blockIdx.x];
    if (threadIdx.x == 0) {
        double t[4] = {0, 0, 0, 0};
        float tmn = INFINITY, tmx = -INFINITY;
        for (int w = 0; w < kStatWarps; w++) {
            for (int k = 0; k < 4; k++) t[k] += red_sum[k][w];
            tmn = fminf(tmn, red_min[w]);
            tmx = fmaxf(tmx, red_max[w]);
        }
        out.sum = t[0];
        out.sumsq = t[1];
        out.grad_sumsq = t[2];
        out.update_sumsq = t[3];
        out.min = tmn;
        out.max = tmx;
        out.count = c1 - c0;
    }
    for (int k = threadIdx.x; k < kBins; k += blockDim.x) {
        unsigned int h = 0;
        for (int w = 0; w < kStatWarps; w++) h += hist[w][k];
        out.hist[k] = h;
    }
}

// Grid slabs, block kBins: slab s's chunk records merged in chunk order.
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

// Block sum of one double per thread, in a fixed order; the result is valid in thread 0.
__device__ double block_sum(double v) {
    __shared__ double per_warp[kSumThreads / 32];
    v = warp_sum(v);
    if (threadIdx.x % 32 == 0) per_warp[threadIdx.x / 32] = v;
    __syncthreads();
    double total = 0;
    if (threadIdx.x == 0)
        for (int w = 0; w < kSumThreads / 32; w++) total += per_warp[w];
    return total;
}

// Pass 1, grid kSumBlocks: each thread a fixed grid-stride share, in double.
__global__ void sum_squares_partial_kernel(const float* x, size_t n, double* partials) {
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    double acc = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        double xi = x[i];
        acc += xi * xi;  // exact: a float's square fits in a double
    }
    double total = block_sum(acc);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// Pass 2, one block: the partials in a fixed order.
__global__ void sum_squares_final_kernel(const double* partials, int count, double* result) {
    double acc = 0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) acc += partials[i];
    double total = block_sum(acc);
    if (threadIdx.x == 0) *result = total;
}

// Frees without throwing (used on teardown paths, where a throw would terminate).
void free_device(void* p) { (void)cudaFree(p); }
void free_pinned(void* p) { (void)cudaFreeHost(p); }

}  // namespace

void CudaBackend::init_optim() {
    optim_ = new OptimState();
    try {
        CUDA_CHECK(cudaMalloc(&optim_->partials, kSumBlocks * sizeof(double)));
        CUDA_CHECK(cudaMalloc(&optim_->total, sizeof(double)));
        CUDA_CHECK(cudaMallocHost(&optim_->total_host, sizeof(double)));
    } catch (...) {
        free_optim();
        throw;
    }
}

// No CUDA_CHECK here: this runs from the destructor, which must not throw.
void CudaBackend::free_optim() {
    if (!optim_) return;
    free_device(optim_->partials);
    free_device(optim_->total);
    free_pinned(optim_->total_host);
    free_device(optim_->chunk_stats);
    free_device(optim_->slab_stats);
    free_device(optim_->slab_config);
    free_pinned(optim_->slab_stats_host);
    free_pinned(optim_->slab_config_host);
    delete optim_;
    optim_ = nullptr;
}

double CudaBackend::sum_squares(const float* x, size_t n) {
    if (n == 0) return 0.0;
    sum_squares_partial_kernel<<<kSumBlocks, kSumThreads, 0, stream_>>>(x, n, optim_->partials);
    CUDA_CHECK_LAUNCH();
    sum_squares_final_kernel<<<1, kSumThreads, 0, stream_>>>(optim_->partials, kSumBlocks,
                                                              optim_->total);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaMemcpyAsync(optim_->total_host, optim_->total, sizeof(double),
                               cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return *optim_->total_host;
}

void CudaBackend::adamw_update(float* param, const float* grad, float* m, float* v, size_t n,
                               float lr, float beta1, float beta2, float eps, float weight_decay,
                               float grad_scale, int t, TensorStats* stats, int slabs) {
    const AdamWArgs a{lr,
                      beta1,
                      beta2,
                      1.0f - beta1,
                      1.0f - beta2,
                      eps,
                      1.0f - lr * weight_decay,
                      grad_scale,
                      1.0f - std::pow(beta1, (float)t),
                      1.0f - std::pow(beta2, (float)t)};
    if (!stats) {
        if (n == 0) return;
        size_t blocks = (n + kUpdateThreads - 1) / kUpdateThreads;
        if (blocks > kMaxUpdateBlocks) blocks = kMaxUpdateBlocks;
        adamw_kernel<<<(unsigned)blocks, kUpdateThreads, 0, stream_>>>(param, grad, m, v, n, a);
        CUDA_CHECK_LAUNCH();
        return;
    }
    if (slabs < 1 || slabs > 65535)
        throw Error("adamw_update: " + std::to_string(slabs) + " slabs requested",
                    "statistics are gathered for 1 to 65535 slabs per tensor");
    const size_t max_len = (n + slabs - 1) / slabs;  // no slab is longer
    const size_t chunks_per_slab = max_len == 0 ? 1 : (max_len + kChunk - 1) / kChunk;
    if (chunks_per_slab > 0x7fffffffu)
        throw Error("adamw_update: tensor of " + std::to_string(n) + " values is too large");
    const int chunks = (int)chunks_per_slab;

    // Grow the scratch (the previous call synchronised, so nothing still uses it).
    OptimState& st = *optim_;
    const size_t records = (size_t)chunks * slabs;
    if (records > st.chunk_capacity) {
        const size_t cap = records > 2 * st.chunk_capacity ? records : 2 * st.chunk_capacity;
        free_device(st.chunk_stats);
        st.chunk_stats = nullptr;
        st.chunk_capacity = 0;
        CUDA_CHECK(cudaMalloc(&st.chunk_stats, cap * sizeof(StatsRecord)));
        st.chunk_capacity = cap;
    }
    if (slabs > st.slab_capacity) {
        free_device(st.slab_stats);
        free_device(st.slab_config);
        free_pinned(st.slab_stats_host);
        free_pinned(st.slab_config_host);
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
    adamw_stats_kernel<<<dim3((unsigned)chunks, (unsigned)slabs), kStatThreads, 0, stream_>>>(
        param, grad, m, v, n, slabs, a, st.slab_config, st.chunk_stats);
    CUDA_CHECK_LAUNCH();
    merge_stats_kernel<<<(unsigned)slabs, kBins, 0, stream_>>>(st.chunk_stats, chunks,
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
        for (int k = 0; k < kBins; k++) out.hist[k] = r.hist[k];  // all 0 without want_hist
    }
}

}  // namespace nanogpt
