// bf16_convert.cu: the fp32 -> bf16 conversion kernels and the grow-only scratch buffer
// declared in bf16_convert.cuh.
#include <cstdint>
#include <string>

#include "common/error.h"
#include "kernels/cuda/bf16_convert.cuh"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt::cuda {

namespace {

constexpr unsigned kThreads = 256;

__device__ __forceinline__ uint32_t pack(__nv_bfloat16 first, __nv_bfloat16 second) {
    return (uint32_t)__bfloat16_as_ushort(first) | ((uint32_t)__bfloat16_as_ushort(second) << 16);
}

// Thread i converts floats [4i, 4i+4) with one 16-byte load and one 8-byte store; the thread
// just past the last full group converts the 0-3 leftover floats one by one.
__global__ void f32_to_bf16_vec4_kernel(__nv_bfloat16* __restrict__ dst,
                                        const float* __restrict__ src, size_t n) {
    const size_t groups = n / 4;
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < groups) {
        const float4 v = reinterpret_cast<const float4*>(src)[i];
        uint2 packed;  // little-endian: the lower address holds the low 16 bits
        packed.x = pack(__float2bfloat16_rn(v.x), __float2bfloat16_rn(v.y));
        packed.y = pack(__float2bfloat16_rn(v.z), __float2bfloat16_rn(v.w));
        reinterpret_cast<uint2*>(dst)[i] = packed;
    } else if (i == groups) {
        for (size_t j = groups * 4; j < n; j++) dst[j] = __float2bfloat16_rn(src[j]);
    }
}

// Any alignment: one element per thread.
__global__ void f32_to_bf16_kernel(__nv_bfloat16* __restrict__ dst, const float* __restrict__ src,
                                   size_t n) {
    const size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) dst[i] = __float2bfloat16_rn(src[i]);
}

bool aligned_to(const void* p, uintptr_t bytes) {
    return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

unsigned blocks_for(size_t threads) { return (unsigned)((threads + kThreads - 1) / kThreads); }

}  // namespace

void convert_f32_to_bf16(__nv_bfloat16* dst, const float* src, size_t n, cudaStream_t stream) {
    if (n == 0) return;
    if (aligned_to(src, 16) && aligned_to(dst, 8)) {
        f32_to_bf16_vec4_kernel<<<blocks_for(n / 4 + 1), kThreads, 0, stream>>>(dst, src, n);
    } else {
        f32_to_bf16_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dst, src, n);
    }
    CUDA_CHECK_LAUNCH();
}

Bf16Scratch::~Bf16Scratch() {
    if (p_) cudaFree(p_);  // destructor: no throwing; the owner synchronised before tearing down
}

__nv_bfloat16* Bf16Scratch::reserve(size_t n, cudaStream_t stream) {
    if (n <= n_) return p_;
    if (p_) {
        CUDA_CHECK(cudaStreamSynchronize(stream));  // the old buffer may still be read there
        CUDA_CHECK(cudaFree(p_));
        p_ = nullptr;
        n_ = 0;
    }
    CUDA_CHECK(cudaMalloc(&p_, n * sizeof(__nv_bfloat16)));
    if (!aligned_to(p_, 256))
        throw Error("bf16 scratch: cudaMalloc returned memory not 256-byte aligned",
                    "the matrix-product alignment hints assume it; report this CUDA runtime");
    n_ = n;
    return p_;
}

const __nv_bfloat16* Bf16Scratch::convert(const float* src, size_t n, cudaStream_t stream) {
    __nv_bfloat16* dst = reserve(n, stream);
    convert_f32_to_bf16(dst, src, n, stream);
    return dst;
}

}  // namespace nanogpt::cuda
