// pointwise.cu: element-wise layers on the GPU: GELU (tanh form), residual add, dropout.
//
// Contract (as kernels/cpu/pointwise.cpp): the same formulas, gelu_backward ADDS into dinp,
// dropout scales kept elements by 1 / (1 - p) with the counter-based mask of counter_rng.h
// (element index as counter), so masks are bit-identical to the CPU's.
//
// Every op is a functor with one(i) for element i and vec(q) for the four elements 4q..4q+3.
// When every pointer is 16-byte aligned the kernel runs vec over n / 4 float4s and one over
// the 0-3 element tail; otherwise (a sub-buffer at an odd offset) one over everything.
#include <cstdint>

#include "common/counter_rng.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

namespace {

constexpr int kThreads = 256;
constexpr unsigned kMaxBlocks = 1u << 16;  // grid-stride loops cover the rest
constexpr float kGeluScale = 0.7978845608028654f;  // sqrt(2 / pi)

__device__ __forceinline__ float4 load4(const float* p, size_t q) {
    return reinterpret_cast<const float4*>(p)[q];
}
__device__ __forceinline__ void store4(float* p, size_t q, float4 v) {
    reinterpret_cast<float4*>(p)[q] = v;
}

__device__ __forceinline__ float gelu(float x) {
    float u = kGeluScale * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + tanhf(u));
}

__device__ __forceinline__ float gelu_grad(float x) {
    float u = kGeluScale * (x + 0.044715f * x * x * x);
    float th = tanhf(u);
    float sech2 = 1.0f - th * th;
    float du = kGeluScale * (1.0f + 3.0f * 0.044715f * x * x);
    return 0.5f * (1.0f + th) + 0.5f * x * sech2 * du;
}

struct GeluForward {
    float* out;
    const float* inp;
    __device__ void one(size_t i) const { out[i] = gelu(inp[i]); }
    __device__ void vec(size_t q) const {
        float4 x = load4(inp, q);
        store4(out, q, make_float4(gelu(x.x), gelu(x.y), gelu(x.z), gelu(x.w)));
    }
};

struct GeluBackward {
    float* dinp;
    const float* inp;
    const float* dout;
    __device__ void one(size_t i) const { dinp[i] += gelu_grad(inp[i]) * dout[i]; }
    __device__ void vec(size_t q) const {
        float4 x = load4(inp, q), d = load4(dout, q), g = load4(dinp, q);
        g.x += gelu_grad(x.x) * d.x;
        g.y += gelu_grad(x.y) * d.y;
        g.z += gelu_grad(x.z) * d.z;
        g.w += gelu_grad(x.w) * d.w;
        store4(dinp, q, g);
    }
};

struct Residual {
    float* out;
    const float* a;
    const float* b;
    __device__ void one(size_t i) const { out[i] = a[i] + b[i]; }
    __device__ void vec(size_t q) const {
        float4 x = load4(a, q), y = load4(b, q);
        store4(out, q, make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w));
    }
};

struct DropoutMask {
    float* x;
    uint64_t seed;
    uint64_t offset;   // Dropout::offset: element i is element offset + i of the whole batch
    float p;
    float keep_scale;  // 1 / (1 - p), computed on the host exactly as the CPU does
    __device__ float apply(float v, size_t i) const {
        return dropout_keep(seed, offset + i, p) ? v * keep_scale : 0.0f;
    }
    __device__ void one(size_t i) const { x[i] = apply(x[i], i); }
    __device__ void vec(size_t q) const {
        float4 v = load4(x, q);
        size_t i = 4 * q;
        store4(x, q, make_float4(apply(v.x, i), apply(v.y, i + 1), apply(v.z, i + 2),
                                 apply(v.w, i + 3)));
    }
};

// Elements [0, 4 * n4) through vec, [4 * n4, n) through one.
template <class Op>
__global__ void pointwise_kernel(Op op, size_t n4, size_t n) {
    const size_t stride = (size_t)gridDim.x * blockDim.x;
    const size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    for (size_t q = tid; q < n4; q += stride) op.vec(q);
    for (size_t i = 4 * n4 + tid; i < n; i += stride) op.one(i);
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

template <class Op>
void launch_pointwise(const Op& op, size_t n, bool all_aligned, cudaStream_t stream) {
    if (n == 0) return;
    size_t n4 = all_aligned ? n / 4 : 0;
    size_t items = n4 > 0 ? n4 : n;  // the tail (< 4 elements) rides on the first threads
    size_t blocks = (items + kThreads - 1) / kThreads;
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    pointwise_kernel<Op><<<(unsigned)blocks, kThreads, 0, stream>>>(op, n4, n);
    CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::gelu_forward(float* out, const float* inp, size_t n) {
    launch_pointwise(GeluForward{out, inp}, n, aligned16(out) && aligned16(inp), stream_);
}

void CudaBackend::gelu_backward(float* dinp, const float* inp, const float* dout, size_t n) {
    launch_pointwise(GeluBackward{dinp, inp, dout}, n,
                     aligned16(dinp) && aligned16(inp) && aligned16(dout), stream_);
}

void CudaBackend::residual_forward(float* out, const float* a, const float* b, size_t n) {
    launch_pointwise(Residual{out, a, b}, n, aligned16(out) && aligned16(a) && aligned16(b),
                     stream_);
}

void CudaBackend::dropout_forward(float* x, size_t n, Dropout drop) {
    if (!drop.active()) return;
    const float keep_scale = 1.0f / (1.0f - drop.p);
    launch_pointwise(DropoutMask{x, drop.seed, drop.offset, drop.p, keep_scale}, n, aligned16(x), stream_);
}

// The mask and scale of the forward pass applied to the gradient: the same function.
void CudaBackend::dropout_backward(float* dx, size_t n, Dropout drop) {
    dropout_forward(dx, n, drop);
}

}  // namespace nanogpt
