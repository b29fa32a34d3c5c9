// compute_type.cuh: how each Precision runs a cuBLAS matrix product.
//
// compute_type(p): the compute type for products whose operands are fp32 buffers. attention.cu
// uses it for every precision; matmul.cu only for fp32 and tf32.
//   Measured on an H200 (CUDA 13): with fp32 operands, CUBLAS_COMPUTE_32F_FAST_16BF gave results
//   and speed identical to FAST_TF32, i.e. cuBLAS chose TF32 tensor cores (its documentation
//   allows either). So for attention "bf16" is, in practice, tf32.
//
// product_types(p): operand type and compute type of the linear layers (matmul.cu). In bf16 mode
// the operands are real bf16 copies (bf16_convert.cuh) multiplied with fp32 accumulation
// (CUBLAS_COMPUTE_32F), fp32 C/D: the products round their inputs to bf16, nothing else does.
#pragma once
#include <cublas_v2.h>

#include "kernels/cuda/cuda_backend.h"

namespace nanogpt::cuda {

inline cublasComputeType_t compute_type(Precision p) {
    switch (p) {
        case Precision::fp32: return CUBLAS_COMPUTE_32F;             // plain fp32 FMA
        case Precision::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;   // tensor cores, tf32 inputs
        case Precision::bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;   // see above: tf32 in practice
    }
    return CUBLAS_COMPUTE_32F;
}

struct ProductTypes {
    cudaDataType_t operands;      // type of A and B as cuBLAS reads them (C and D stay fp32)
    cublasComputeType_t compute;
};

inline ProductTypes product_types(Precision p) {
    if (p == Precision::bf16) return {CUDA_R_16BF, CUBLAS_COMPUTE_32F};  // bf16 in, fp32 accumulate
    return {CUDA_R_32F, compute_type(p)};
}

}  // namespace nanogpt::cuda
