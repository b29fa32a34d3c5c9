// reduce.cuh: the warp and block reductions every kernel shares (layernorm.cu, attention.cu,
// crossentropy.cu, adamw.cu, global_norm.cu, and the kernel lab in bench/kernels/).
//
// Determinism: a warp reduction is the xor butterfly with offsets 16, 8, 4, 2, 1, so every lane
// ends with the same value, combined in the same order on every run. block_reduce then combines
// the per-warp values in warp order (0, 1, 2, ...) in every thread. Kernels that must give the
// same bits run to run (all of ours) rely on both orders: do not change them.
//
// Contract: every lane of the warp calls a warp reduction (full mask); every thread of the
// block calls block_reduce, and blockDim.x is a multiple of 32.
#pragma once
#include <cuda_runtime.h>

namespace nanogpt::cuda {

constexpr unsigned kFullMask = 0xffffffffu;

// op(v, the value of the lane `offset` away), for offsets 16 down to 1.
template <typename T, typename Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
    for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(kFullMask, v, offset));
    return v;  // every lane holds the result
}

struct Sum {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct Max {
    __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct Min {
    __device__ __forceinline__ float operator()(float a, float b) const { return fminf(a, b); }
};

__device__ __forceinline__ float warp_sum(float v) { return warp_reduce(v, Sum{}); }
__device__ __forceinline__ double warp_sum(double v) { return warp_reduce(v, Sum{}); }
__device__ __forceinline__ float warp_max(float v) { return warp_reduce(v, Max{}); }
__device__ __forceinline__ float warp_min(float v) { return warp_reduce(v, Min{}); }

// Reduces one value per thread over the block; every thread gets the result. `shared` holds
// one slot per warp (blockDim.x / 32 of them); the trailing __syncthreads lets the caller
// reuse it at once.
template <typename T, typename Op>
__device__ T block_reduce(T x, T* shared, Op op) {
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    x = warp_reduce(x, op);
    if (lane == 0) shared[warp] = x;
    __syncthreads();
    T r = shared[0];
    for (int w = 1; w < warps; w++) r = op(r, shared[w]);  // same order in every thread
    __syncthreads();
    return r;
}

}  // namespace nanogpt::cuda
