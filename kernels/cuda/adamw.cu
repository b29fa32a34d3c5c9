// adamw.cu: AdamW on the GPU, with the dashboard's parameter statistics gathered in the same
// pass when asked (the one dashboard-shaped slot of backend.h; see TensorStats there).
//
// Contract (as kernels/cpu/adamw.cpp):
//   - adamw_update: PyTorch's AdamW with the CPU's operation order. The arithmetic is written
//     with explicit round-to-nearest intrinsics so that the compiler cannot contract it into
//     FMAs differently in the plain and the statistics kernels: asking for statistics never
//     changes the update (bit-identical).
//   - statistics (stats != null): adamw_stats_kernel updates one chunk per block and gathers
//     that chunk's statistics of the new values on the way (param_stats.cuh: accumulators,
//     bins, the block's reduction); param_stats.cu merges each slab's chunks in order and the
//     host waits for the result.
// The global gradient norm the update is clipped by is global_norm.cu.
#include <cmath>
#include <cstddef>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/param_stats.cuh"

namespace nanogpt {

using cuda::SlabConfig;
using cuda::StatsRecord;

namespace {

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

// Grid (chunks, slabs), block kStatThreads. Block (x, s) updates chunk x of slab s
// (stats_chunk_range) and writes its statistics into partial[s * chunks + x] (an empty chunk
// writes an empty record).
__global__ void adamw_stats_kernel(float* param, const float* grad, float* m, float* v, size_t n,
                                   int slabs, AdamWArgs a, const SlabConfig* config,
                                   StatsRecord* partial) {
    __shared__ cuda::BlockStats sh;
    const int s = blockIdx.y;
    const SlabConfig cfg = config[s];
    cuda::clear_block_stats(sh);

    size_t c0, c1;
    cuda::stats_chunk_range(n, slabs, s, blockIdx.x, c0, c1);
    cuda::StatsAccumulator acc;
    for (size_t i = c0 + threadIdx.x; i < c1; i += blockDim.x) {
        float raw = grad[i], old = param[i], mi = m[i], vi = v[i];
        float p = adamw_one(old, raw, mi, vi, a);
        param[i] = p;
        m[i] = mi;
        v[i] = vi;
        acc.add(p, raw, __fsub_rn(p, old));
        if (cfg.want_hist) cuda::count_bin(sh, p, cfg);
    }
    cuda::write_block_stats(sh, acc, c1 - c0, partial[(size_t)s * gridDim.x + blockIdx.x]);
}

}  // namespace

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
    const int chunks = begin_stats(stats, n, slabs);
    adamw_stats_kernel<<<dim3((unsigned)chunks, (unsigned)slabs), cuda::kStatThreads, 0, stream_>>>(
        param, grad, m, v, n, slabs, a, stats_->slab_config, stats_->chunk_stats);
    CUDA_CHECK_LAUNCH();
    finish_stats(stats, slabs, chunks);
}

}  // namespace nanogpt
