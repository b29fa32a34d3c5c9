// attention.cu: causal multi-head self-attention on a packed qkv(B,T,3C) buffer, on the GPU.
//
// Same contract as kernels/cpu/attention.cpp: att(B,NH,T,T) receives the softmax
// probabilities before dropout (zeros above the diagonal), out(B,T,C) the heads side by side;
// the dropout mask of element i of att is dropout_keep(seed, i, p), i = ((b*NH + h)*T + t)*T + t2,
// regenerated in backward. Backward adds into dqkv.
//
// The products run as cuBLAS strided-batched GEMMs over the B*NH (batch, head) pairs on
// head-major copies q, k, v (B,NH,T,hs) made by permute kernels into scratch owned here and
// grown on demand; the full T x T products are computed and the causal mask is applied by the
// softmax kernels (one warp per row), which write zeros above the diagonal.
//
// Row-major <-> column-major: a row-major (R, K) matrix with leading dimension K is the
// column-major (K, R) matrix, its transpose. Each row-major product X = A @ B is computed as the
// column-major X^T = B^T @ A^T; the comment above each call says which operand is which.
#include <cmath>
#include <cstdint>

#include "common/error.h"
#include "common/counter_rng.h"
#include "kernels/cuda/compute_type.cuh"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace nanogpt {

namespace {

using cuda::warp_max;
using cuda::warp_sum;

constexpr int kThreads = 256;
constexpr int kWarpsPerBlock = kThreads / 32;

unsigned blocks_for(size_t n, unsigned threads) { return (unsigned)((n + threads - 1) / threads); }

// Element idx of a head-major (B,NH,T,hs) tensor sits at this offset of a row-major (B,T,row)
// tensor whose row holds the heads side by side (row = C for out, 3C for qkv).
__device__ __forceinline__ size_t row_major_offset(size_t idx, int T, int NH, int hs, size_t row) {
    int i = (int)(idx % hs);
    size_t r = idx / hs;
    int t = (int)(r % T);
    r /= T;
    int h = (int)(r % NH);
    size_t b = r / NH;
    return (b * T + t) * row + (size_t)h * hs + i;
}

// qkv(B,T,3C) -> q, k, v (B,NH,T,hs).
__global__ void split_qkv_kernel(float* q, float* k, float* v, const float* qkv, int B, int T,
                                 int NH, int hs) {
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (size_t)B * NH * T * hs) return;
    const size_t C = (size_t)NH * hs;
    size_t src = row_major_offset(idx, T, NH, hs, 3 * C);
    q[idx] = qkv[src];
    k[idx] = qkv[src + C];
    v[idx] = qkv[src + 2 * C];
}

// dqkv(B,T,3C) += dq, dk, dv (B,NH,T,hs); each dqkv element has exactly one writer.
__global__ void add_qkv_grad_kernel(float* dqkv, const float* dq, const float* dk, const float* dv,
                                    int B, int T, int NH, int hs) {
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (size_t)B * NH * T * hs) return;
    const size_t C = (size_t)NH * hs;
    size_t dst = row_major_offset(idx, T, NH, hs, 3 * C);
    dqkv[dst] += dq[idx];
    dqkv[dst + C] += dk[idx];
    dqkv[dst + 2 * C] += dv[idx];
}

// y (B,NH,T,hs) -> out (B,T,C).
__global__ void merge_heads_kernel(float* out, const float* y, int B, int T, int NH, int hs) {
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (size_t)B * NH * T * hs) return;
    out[row_major_offset(idx, T, NH, hs, (size_t)NH * hs)] = y[idx];
}

// dout (B,T,C) -> dy (B,NH,T,hs).
__global__ void split_heads_kernel(float* dy, const float* dout, int B, int T, int NH, int hs) {
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (size_t)B * NH * T * hs) return;
    dy[idx] = dout[row_major_offset(idx, T, NH, hs, (size_t)NH * hs)];
}

// In place on the pre-softmax scores att (rows = B*NH*T rows of T): row r is query t = r % T,
// which sees keys 0..t. One warp per row; the whole warp leaves together when r >= rows, so the
// shuffles always have all 32 lanes.
__global__ void causal_softmax_kernel(float* att, int rows, int T) {
    int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    int t = row % T;
    float* x = att + (size_t)row * T;
    float maxv = -INFINITY;
    for (int t2 = lane; t2 <= t; t2 += 32) maxv = fmaxf(maxv, x[t2]);
    maxv = warp_max(maxv);
    float sum = 0.0f;
    for (int t2 = lane; t2 <= t; t2 += 32) sum += expf(x[t2] - maxv);
    sum = warp_sum(sum);
    float inv = 1.0f / sum;
    // Each lane rewrites exactly the elements it read above.
    for (int t2 = lane; t2 < T; t2 += 32) x[t2] = t2 <= t ? expf(x[t2] - maxv) * inv : 0.0f;
}

// The dropout mask's factor for element i of att: 1/(1-p) kept, 0 dropped.
// i counts from the start of the whole batch's att (Dropout::offset added by the caller).
__device__ __forceinline__ float mask_factor(uint64_t seed, uint64_t i, float p, float keep_scale) {
    return dropout_keep(seed, i, p) ? keep_scale : 0.0f;
}

// dropped[i] = att[i] * mask(i), over all n = B*NH*T*T elements.
__global__ void apply_dropout_kernel(float* dropped, const float* att, size_t n, uint64_t seed,
                                     uint64_t offset, float p, float keep_scale) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) dropped[i] = att[i] * mask_factor(seed, offset + i, p, keep_scale);
}

// In place on d: on entry d = dL/d(dropout(att)) (full rows, from dy @ v^T), on exit
// dL/d(scores) for the scaled product q @ k^T: dpre = att * (da - sum(att * da)) * scale with
// da = d * mask, and zeros above the diagonal (the next GEMMs read whole rows).
__global__ void causal_softmax_backward_kernel(float* d, const float* att, int rows, int T,
                                               float scale, bool dropout, uint64_t seed,
                                               uint64_t offset, float p, float keep_scale) {
    int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
    int lane = threadIdx.x % 32;
    if (row >= rows) return;
    int t = row % T;
    const size_t base = (size_t)row * T;
    const float* a = att + base;
    float* g = d + base;
    float s = 0.0f;
    for (int t2 = lane; t2 <= t; t2 += 32) {
        float da = dropout ? g[t2] * mask_factor(seed, offset + base + t2, p, keep_scale) : g[t2];
        s += a[t2] * da;
    }
    s = warp_sum(s);
    for (int t2 = lane; t2 < T; t2 += 32) {
        float out = 0.0f;
        if (t2 <= t) {
            float da = dropout ? g[t2] * mask_factor(seed, offset + base + t2, p, keep_scale) : g[t2];
            out = a[t2] * (da - s) * scale;
        }
        g[t2] = out;
    }
}

// Grows a device buffer to hold at least n floats (contents not kept).
void ensure(float*& p, size_t& cap, size_t n) {
    if (n <= cap) return;
    if (p) CUDA_CHECK(cudaFree(p));  // cudaFree waits for the work still reading p
    p = nullptr;
    cap = 0;
    CUDA_CHECK(cudaMalloc(&p, n * sizeof(float)));
    cap = n;
}

void check_shape(const char* op, int C, int NH) {
    if (NH <= 0 || C % NH != 0)
        throw Error(std::string(op) + ": C=" + std::to_string(C) + " is not a multiple of NH=" +
                    std::to_string(NH));
}

}  // namespace

struct CudaBackend::AttentionState {
    cublasHandle_t blas = nullptr;
    float* heads = nullptr;   // q, k, v (B,NH,T,hs) one after the other
    size_t heads_cap = 0;
    float* grads = nullptr;   // dq, dk, dv (B,NH,T,hs)
    size_t grads_cap = 0;
    float* y = nullptr;       // forward: attention output per head; backward: dout per head
    size_t y_cap = 0;
    float* dropped = nullptr; // forward with dropout: dropout(att) (B,NH,T,T)
    size_t dropped_cap = 0;
};

void CudaBackend::init_attention() {
    attention_ = new AttentionState();
    CUBLAS_CHECK(cublasCreate(&attention_->blas));
    CUBLAS_CHECK(cublasSetStream(attention_->blas, stream_));
    CUBLAS_CHECK(cublasSetMathMode(attention_->blas, CUBLAS_DEFAULT_MATH));
}

void CudaBackend::free_attention() {
    if (!attention_) return;
    if (attention_->dropped) cudaFree(attention_->dropped);
    if (attention_->y) cudaFree(attention_->y);
    if (attention_->grads) cudaFree(attention_->grads);
    if (attention_->heads) cudaFree(attention_->heads);
    if (attention_->blas) cublasDestroy(attention_->blas);
    delete attention_;
    attention_ = nullptr;
}

namespace {

// One strided-batched fp32 GEMM over `batch` (batch, head) pairs, column-major arguments.
void batched_gemm(cublasHandle_t h, cublasComputeType_t compute, cublasOperation_t ta,
                  cublasOperation_t tb, int m, int n, int k, float alpha, const float* A, int lda,
                  long long sA, const float* B, int ldb, long long sB, float* C, int ldc,
                  long long sC, int batch) {
    const float beta = 0.0f;
    CUBLAS_CHECK(cublasGemmStridedBatchedEx(h, ta, tb, m, n, k, &alpha, A, CUDA_R_32F, lda, sA, B,
                                            CUDA_R_32F, ldb, sB, &beta, C, CUDA_R_32F, ldc, sC,
                                            batch, compute, CUBLAS_GEMM_DEFAULT));
}

}  // namespace

void CudaBackend::attention_forward(float* out, float* att, const float* qkv, int B, int T, int C,
                                    int NH, Dropout drop) {
    check_shape("attention_forward", C, NH);
    if (B <= 0 || T <= 0 || C <= 0) return;
    const int hs = C / NH;
    const int BH = B * NH;
    const size_t head_n = (size_t)B * T * C;          // one of q, k, v, y
    const size_t att_n = (size_t)BH * T * T;
    const long long sH = (long long)T * hs, sA = (long long)T * T;  // per-pair strides
    const float scale = 1.0f / std::sqrt((float)hs);
    const cublasComputeType_t compute = cuda::compute_type(precision_);
    AttentionState& s = *attention_;

    ensure(s.heads, s.heads_cap, 3 * head_n);
    ensure(s.y, s.y_cap, head_n);
    float* q = s.heads;
    float* k = s.heads + head_n;
    float* v = s.heads + 2 * head_n;

    split_qkv_kernel<<<blocks_for(head_n, kThreads), kThreads, 0, stream_>>>(q, k, v, qkv, B, T, NH, hs);
    CUDA_CHECK_LAUNCH();

    // att (T,T) = scale * q (T,hs) @ k^T, per pair. Column-major: att^T (T x T, ld T) = k @ q^T:
    //   A = k stored row-major (T,hs) = column-major (hs x T, ld hs) = k^T: op T gives k (T x hs);
    //   B = q stored likewise = q^T (hs x T, ld hs): op N.   m = T, n = T, k = hs.
    batched_gemm(s.blas, compute, CUBLAS_OP_T, CUBLAS_OP_N, T, T, hs, scale, k, hs, sH, q, hs, sH,
                 att, T, sA, BH);

    const int rows = BH * T;
    causal_softmax_kernel<<<blocks_for(rows, kWarpsPerBlock), kThreads, 0, stream_>>>(att, rows, T);
    CUDA_CHECK_LAUNCH();

    const float* probs = att;  // what multiplies v: att, or dropout(att)
    if (drop.active()) {
        ensure(s.dropped, s.dropped_cap, att_n);
        apply_dropout_kernel<<<blocks_for(att_n, kThreads), kThreads, 0, stream_>>>(
            s.dropped, att, att_n, drop.seed, drop.offset, drop.p, 1.0f / (1.0f - drop.p));
        CUDA_CHECK_LAUNCH();
        probs = s.dropped;
    }

    // y (T,hs) = probs (T,T) @ v (T,hs), per pair. Column-major: y^T (hs x T, ld hs) = v^T @ probs^T:
    //   A = v stored row-major (T,hs) = column-major (hs x T, ld hs) = v^T: op N;
    //   B = probs stored row-major (T,T) = column-major probs^T (T x T, ld T): op N.
    //   m = hs, n = T, k = T.
    batched_gemm(s.blas, compute, CUBLAS_OP_N, CUBLAS_OP_N, hs, T, T, 1.0f, v, hs, sH, probs, T,
                 sA, s.y, hs, sH, BH);

    merge_heads_kernel<<<blocks_for(head_n, kThreads), kThreads, 0, stream_>>>(out, s.y, B, T, NH, hs);
    CUDA_CHECK_LAUNCH();
}

void CudaBackend::attention_backward(float* dqkv, float* scratch, const float* dout,
                                     const float* qkv, const float* att, int B, int T, int C,
                                     int NH, Dropout drop) {
    check_shape("attention_backward", C, NH);
    if (B <= 0 || T <= 0 || C <= 0) return;
    const int hs = C / NH;
    const int BH = B * NH;
    const size_t head_n = (size_t)B * T * C;
    const size_t att_n = (size_t)BH * T * T;
    const long long sH = (long long)T * hs, sA = (long long)T * T;
    const float scale = 1.0f / std::sqrt((float)hs);
    const float keep_scale = drop.active() ? 1.0f / (1.0f - drop.p) : 1.0f;
    const cublasComputeType_t compute = cuda::compute_type(precision_);
    AttentionState& s = *attention_;

    // The forward's head copies may belong to another layer by now: rebuild them.
    ensure(s.heads, s.heads_cap, 3 * head_n);
    ensure(s.grads, s.grads_cap, 3 * head_n);
    ensure(s.y, s.y_cap, head_n);
    float* q = s.heads;
    float* k = s.heads + head_n;
    float* v = s.heads + 2 * head_n;
    float* dq = s.grads;
    float* dk = s.grads + head_n;
    float* dv = s.grads + 2 * head_n;
    float* dy = s.y;

    split_qkv_kernel<<<blocks_for(head_n, kThreads), kThreads, 0, stream_>>>(q, k, v, qkv, B, T, NH, hs);
    CUDA_CHECK_LAUNCH();
    split_heads_kernel<<<blocks_for(head_n, kThreads), kThreads, 0, stream_>>>(dy, dout, B, T, NH, hs);
    CUDA_CHECK_LAUNCH();

    // The probabilities that multiplied v in forward; with dropout they are rebuilt in scratch,
    // which is free until datt is written there below.
    const float* probs = att;
    if (drop.active()) {
        apply_dropout_kernel<<<blocks_for(att_n, kThreads), kThreads, 0, stream_>>>(
            scratch, att, att_n, drop.seed, drop.offset, drop.p, keep_scale);
        CUDA_CHECK_LAUNCH();
        probs = scratch;
    }

    // dv (T,hs) = probs^T (T,T) @ dy (T,hs), per pair. Column-major: dv^T (hs x T, ld hs) = dy^T @ probs:
    //   A = dy stored row-major (T,hs) = column-major dy^T (hs x T, ld hs): op N;
    //   B = probs stored row-major (T,T) = column-major probs^T (ld T): op T gives probs.
    //   m = hs, n = T, k = T.
    batched_gemm(s.blas, compute, CUBLAS_OP_N, CUBLAS_OP_T, hs, T, T, 1.0f, dy, hs, sH, probs, T,
                 sA, dv, hs, sH, BH);

    // datt (T,T) = dy (T,hs) @ v^T, per pair, into scratch. Column-major: datt^T (T x T, ld T) = v @ dy^T:
    //   A = v stored row-major (T,hs) = column-major v^T (hs x T, ld hs): op T gives v (T x hs);
    //   B = dy stored likewise = dy^T (hs x T, ld hs): op N.   m = T, n = T, k = hs.
    batched_gemm(s.blas, compute, CUBLAS_OP_T, CUBLAS_OP_N, T, T, hs, 1.0f, v, hs, sH, dy, hs, sH,
                 scratch, T, sA, BH);

    const int rows = BH * T;
    causal_softmax_backward_kernel<<<blocks_for(rows, kWarpsPerBlock), kThreads, 0, stream_>>>(
        scratch, att, rows, T, scale, drop.active(), drop.seed, drop.offset, drop.p, keep_scale);
    CUDA_CHECK_LAUNCH();
    const float* dpre = scratch;  // gradient of the scaled scores, zero above the diagonal

    // dq (T,hs) = dpre (T,T) @ k (T,hs), per pair. Column-major: dq^T (hs x T, ld hs) = k^T @ dpre^T:
    //   A = k stored row-major (T,hs) = column-major k^T (hs x T, ld hs): op N;
    //   B = dpre stored row-major (T,T) = column-major dpre^T (ld T): op N.   m = hs, n = T, k = T.
    batched_gemm(s.blas, compute, CUBLAS_OP_N, CUBLAS_OP_N, hs, T, T, 1.0f, k, hs, sH, dpre, T, sA,
                 dq, hs, sH, BH);

    // dk (T,hs) = dpre^T (T,T) @ q (T,hs), per pair. Column-major: dk^T (hs x T, ld hs) = q^T @ dpre:
    //   A = q stored row-major (T,hs) = column-major q^T (hs x T, ld hs): op N;
    //   B = dpre stored row-major = column-major dpre^T (ld T): op T gives dpre.  m = hs, n = T, k = T.
    batched_gemm(s.blas, compute, CUBLAS_OP_N, CUBLAS_OP_T, hs, T, T, 1.0f, q, hs, sH, dpre, T, sA,
                 dk, hs, sH, BH);

    add_qkv_grad_kernel<<<blocks_for(head_n, kThreads), kThreads, 0, stream_>>>(dqkv, dq, dk, dv, B,
                                                                                T, NH, hs);
    CUDA_CHECK_LAUNCH();
}

}  // namespace nanogpt
