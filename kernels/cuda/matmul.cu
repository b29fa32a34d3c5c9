// matmul.cu: Linear layers on the GPU: out(N,OC) = inp(N,C) @ weight(OC,C)^T + bias(OC).
//
// Forward goes through cuBLASLt with the bias added in the epilogue (one pass over out);
// backward through cuBLAS GEMMs that accumulate (beta = 1) and a GEMV against a vector of ones
// for the bias gradient (dbias += dout^T @ 1), all on the backend's stream. Every buffer the
// caller sees is fp32; the precision picks how the products run (compute_type.cuh):
//   fp32, tf32 - the fp32 operands go straight to cuBLAS with that compute type;
//   bf16 - each product's operands are first converted (round to nearest even) into bf16
//          scratch kept here (bf16_convert.cuh), then multiplied as bf16 A/B with fp32 C/D and
//          fp32 accumulation. The bias and its gradient stay fp32 (the GEMV reads the fp32 dout).
// The weight is converted again on every call: small next to the activations, and caching it
// per optimizer step would need a hook from the optimizer. The scratch grows to the largest
// operands seen (for the LM head, dout's N x Vp in bf16) and is kept: cudaMalloc'ed, so
// 256-byte aligned, which the cuBLASLt alignment hints below read off the pointers themselves.
//
// Row-major <-> column-major: cuBLAS is column-major, and a row-major (R, K) matrix with
// leading dimension K is, byte for byte, the column-major (K, R) matrix: its transpose. So
// each row-major product X = A @ B is computed as the column-major X^T = B^T @ A^T, and the
// comment above each call spells out which stored matrix plays which role.
#include <algorithm>
#include <cstdint>

#include "common/error.h"
#include "kernels/cuda/bf16_convert.cuh"
#include "kernels/cuda/compute_type.cuh"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

namespace {

constexpr size_t kWorkspaceBytes = 32u << 20;  // 32 MiB, enough for cuBLASLt's split-K paths

// The largest power of two (up to 256) dividing the address: cuBLASLt's heuristic assumes
// 256-byte aligned matrices unless told otherwise, and our weights are views into one slab.
uint32_t alignment_of(const void* p) {
    uintptr_t a = reinterpret_cast<uintptr_t>(p);
    if (a == 0) return 256;
    uintptr_t low = a & (~a + 1);  // lowest set bit
    return (uint32_t)std::min<uintptr_t>(low, 256);
}

__global__ void fill_kernel(float* x, size_t n, float value) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = value;
}

// out(N,OC) row i = bias, for the rare case where the epilogue cannot take the bias.
__global__ void broadcast_bias_kernel(float* out, const float* bias, int N, int OC) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < (size_t)N * OC) out[i] = bias[i % OC];
}

unsigned blocks_for(size_t n, unsigned threads) { return (unsigned)((n + threads - 1) / threads); }

// One operand of a product as cuBLAS reads it: the fp32 buffer itself, or in bf16 mode its
// bf16 copy of n elements, converted into `scratch` on the stream.
struct Operand {
    const void* p;
    cudaDataType_t type;
};
Operand operand(const cuda::ProductTypes& types, cuda::Bf16Scratch& scratch, const float* x,
                size_t n, cudaStream_t stream) {
    if (types.operands == CUDA_R_16BF) return {scratch.convert(x, n, stream), CUDA_R_16BF};
    return {x, CUDA_R_32F};
}

// RAII holders so that a failing call in the middle of matmul_forward leaks nothing.
struct LtDesc {
    cublasLtMatmulDesc_t d = nullptr;
    ~LtDesc() { if (d) cublasLtMatmulDescDestroy(d); }
};
struct LtLayout {
    cublasLtMatrixLayout_t l = nullptr;
    ~LtLayout() { if (l) cublasLtMatrixLayoutDestroy(l); }
};
struct LtPref {
    cublasLtMatmulPreference_t p = nullptr;
    ~LtPref() { if (p) cublasLtMatmulPreferenceDestroy(p); }
};

}  // namespace

struct CudaBackend::MatmulState {
    cublasHandle_t blas = nullptr;
    cublasLtHandle_t lt = nullptr;
    void* workspace = nullptr;
    float* ones = nullptr;  // N ones for the bias gradient, grown on demand
    size_t ones_n = 0;
    // bf16 mode: bf16 copies of the operands of the product being run (grow-only).
    cuda::Bf16Scratch weight_bf16, inp_bf16, dout_bf16;
};

void CudaBackend::init_matmul() {
    matmul_ = new MatmulState();
    CUBLAS_CHECK(cublasCreate(&matmul_->blas));
    CUBLAS_CHECK(cublasSetStream(matmul_->blas, stream_));
    // Tensor cores only through the compute type we pass: never behind our back in fp32.
    CUBLAS_CHECK(cublasSetMathMode(matmul_->blas, CUBLAS_DEFAULT_MATH));
    CUBLAS_CHECK(cublasLtCreate(&matmul_->lt));
    CUDA_CHECK(cudaMalloc(&matmul_->workspace, kWorkspaceBytes));
}

void CudaBackend::free_matmul() {
    if (!matmul_) return;
    if (matmul_->ones) cudaFree(matmul_->ones);
    if (matmul_->workspace) cudaFree(matmul_->workspace);
    if (matmul_->lt) cublasLtDestroy(matmul_->lt);
    if (matmul_->blas) cublasDestroy(matmul_->blas);
    delete matmul_;
    matmul_ = nullptr;
}

void CudaBackend::matmul_forward(float* out, const float* inp, const float* weight,
                                 const float* bias, int N, int C, int OC) {
    if (N <= 0 || OC <= 0) return;
    if (C <= 0) throw Error("matmul_forward: C must be positive (got " + std::to_string(C) + ")");
    const cuda::ProductTypes types = cuda::product_types(precision_);
    const cublasComputeType_t compute = types.compute;
    const int64_t m = OC, n = N, k = C;
    // In bf16 mode A and B below are the bf16 copies (same shapes and leading dimensions).
    const Operand A = operand(types, matmul_->weight_bf16, weight, (size_t)OC * C, stream_);
    const Operand B = operand(types, matmul_->inp_bf16, inp, (size_t)N * C, stream_);

    // Row-major out(N,OC) = inp(N,C) @ weight(OC,C)^T, seen column-major:
    //   out^T (OC x N, ld OC) = weight' (OC x C) @ inp^T (C x N), where
    //   A = weight stored row-major (OC,C) = column-major (C x OC, ld C): op(A) = T gives OC x C;
    //   B = inp stored row-major (N,C)     = column-major (C x N, ld C):  op(B) = N;
    //   D = out stored row-major (N,OC)    = column-major (OC x N, ld OC).
    // The BIAS epilogue adds a vector of length rows(D) = OC to every column of D, i.e. bias[j]
    // to out[i][j] for every row i. The bias is fp32: cuBLASLt's bias type defaults to D's type.
    auto run = [&](bool fused_bias, float beta) -> bool {
        LtDesc desc;
        CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc.d, compute, CUDA_R_32F));
        cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.d, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.d, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
        cublasLtEpilogue_t epi = fused_bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.d, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)));
        if (fused_bias)
            CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.d, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                        &bias, sizeof(bias)));
        LtLayout a, b, d;
        CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a.l, A.type, k, m, k));  // weight: C x OC
        CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b.l, B.type, k, n, k));  // inp:    C x N
        CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d.l, CUDA_R_32F, m, n, m));  // out:    OC x N
        LtPref pref;
        CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref.p));
        uint64_t ws = kWorkspaceBytes;
        CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
            pref.p, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
        // Read off the pointers actually passed: the bf16 scratch is 256-byte aligned.
        uint32_t al_a = alignment_of(A.p), al_b = alignment_of(B.p), al_d = alignment_of(out);
        CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
            pref.p, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al_a, sizeof(al_a)));
        CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
            pref.p, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al_b, sizeof(al_b)));
        CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
            pref.p, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al_d, sizeof(al_d)));
        CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
            pref.p, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al_d, sizeof(al_d)));
        cublasLtMatmulHeuristicResult_t result{};
        int found = 0;
        cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(matmul_->lt, desc.d, a.l, b.l, d.l, d.l,
                                                           pref.p, 1, &result, &found);
        if (st == CUBLAS_STATUS_NOT_SUPPORTED || found == 0) return false;
        CUBLAS_CHECK(st);
        const float alpha = 1.0f;
        // C = D = out, in place: read only when beta = 1 (bias broadcast there first).
        CUBLAS_CHECK(cublasLtMatmul(matmul_->lt, desc.d, &alpha, A.p, a.l, B.p, b.l, &beta,
                                    out, d.l, out, d.l, &result.algo, matmul_->workspace,
                                    kWorkspaceBytes, stream_));
        return true;
    };

    if (run(bias != nullptr, 0.0f)) return;
    if (bias) {
        // No algorithm takes this bias pointer in its epilogue (alignment): start from the
        // broadcast bias and accumulate the product onto it instead, as the CPU does.
        size_t total = (size_t)N * OC;
        broadcast_bias_kernel<<<blocks_for(total, 256), 256, 0, stream_>>>(out, bias, N, OC);
        CUDA_CHECK_LAUNCH();
    }
    const float beta = bias ? 1.0f : 0.0f;
    if (run(false, beta)) return;
    // cuBLASLt offers nothing for this shape/alignment: plain cuBLAS, same operands as above
    // (A = weight, op T, C x OC ld C; B = inp, op N, C x N ld C; out OC x N ld OC).
    const float alpha = 1.0f;
    CUBLAS_CHECK(cublasGemmEx(matmul_->blas, CUBLAS_OP_T, CUBLAS_OP_N, OC, N, C, &alpha, A.p,
                              A.type, C, B.p, B.type, C, &beta, out, CUDA_R_32F, OC, compute,
                              CUBLAS_GEMM_DEFAULT));
}

void CudaBackend::matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                                  const float* inp, const float* weight, int N, int C, int OC) {
    if (N <= 0 || OC <= 0 || C <= 0) return;
    const cuda::ProductTypes types = cuda::product_types(precision_);
    const cublasComputeType_t compute = types.compute;
    const float one = 1.0f;
    // In bf16 mode W, G and X are the bf16 copies of weight, dout and inp (same layouts); the
    // gradients they accumulate into stay fp32 (C type CUDA_R_32F, beta = 1).
    const Operand W = operand(types, matmul_->weight_bf16, weight, (size_t)OC * C, stream_);
    const Operand G = operand(types, matmul_->dout_bf16, dout, (size_t)N * OC, stream_);
    const Operand X = operand(types, matmul_->inp_bf16, inp, (size_t)N * C, stream_);

    // dinp(N,C) += dout(N,OC) @ weight(OC,C), seen column-major:
    //   dinp^T (C x N, ld C) += weight^T (C x OC) @ dout^T (OC x N), where
    //   A = weight stored row-major (OC,C) = column-major (C x OC, ld C) = weight^T: op N;
    //   B = dout stored row-major (N,OC)   = column-major (OC x N, ld OC) = dout^T: op N.
    //   m = C, n = N, k = OC.
    CUBLAS_CHECK(cublasGemmEx(matmul_->blas, CUBLAS_OP_N, CUBLAS_OP_N, C, N, OC, &one, W.p,
                              W.type, C, G.p, G.type, OC, &one, dinp, CUDA_R_32F, C, compute,
                              CUBLAS_GEMM_DEFAULT));

    // dweight(OC,C) += dout(N,OC)^T @ inp(N,C), seen column-major:
    //   dweight^T (C x OC, ld C) += inp^T (C x N) @ dout (N x OC), where
    //   A = inp stored row-major (N,C)   = column-major (C x N, ld C) = inp^T: op N;
    //   B = dout stored row-major (N,OC) = column-major (OC x N, ld OC) = dout^T: op T gives dout.
    //   m = C, n = OC, k = N.
    CUBLAS_CHECK(cublasGemmEx(matmul_->blas, CUBLAS_OP_N, CUBLAS_OP_T, C, OC, N, &one, X.p,
                              X.type, C, G.p, G.type, OC, &one, dweight, CUDA_R_32F, C, compute,
                              CUBLAS_GEMM_DEFAULT));

    if (dbias) {
        if (matmul_->ones_n < (size_t)N) {
            if (matmul_->ones) CUDA_CHECK(cudaFree(matmul_->ones));  // waits for its last use
            matmul_->ones = nullptr;
            matmul_->ones_n = 0;
            CUDA_CHECK(cudaMalloc(&matmul_->ones, (size_t)N * sizeof(float)));
            fill_kernel<<<blocks_for(N, 256), 256, 0, stream_>>>(matmul_->ones, N, 1.0f);
            CUDA_CHECK_LAUNCH();
            matmul_->ones_n = N;
        }
        // dbias(OC) += sum over rows of dout(N,OC) = dout^T @ ones(N), seen column-major:
        //   A = dout stored row-major (N,OC) = column-major (OC x N, ld OC) = dout^T: op N,
        //   so y (OC) += A (OC x N) @ x (N), all in fp32 whatever the precision.
        CUBLAS_CHECK(cublasSgemv(matmul_->blas, CUBLAS_OP_N, OC, N, &one, dout, OC, matmul_->ones,
                                 1, &one, dbias, 1));
    }
}

}  // namespace nanogpt
