// compute_type.cuh: the cuBLAS compute type of each Precision, shared by matmul.cu and
// attention.cu so that every matrix product of a run uses the same arithmetic.
// Buffers stay fp32 in every mode; only the products' inputs are rounded inside cuBLAS.
//
// Measured on an H200 (CUDA 13): with fp32 operands, CUBLAS_COMPUTE_32F_FAST_16BF gave results
// and speed identical to FAST_TF32, i.e. cuBLAS chose TF32 tensor cores (its documentation
// allows either). Real bf16 products would need bf16 copies of the operands.
#pragma once
#include <cublas_v2.h>

#include "kernels/cuda/cuda_backend.h"

namespace nanogpt::cuda {

inline cublasComputeType_t compute_type(Precision p) {
    switch (p) {
        case Precision::fp32: return CUBLAS_COMPUTE_32F;             // plain fp32 FMA
        case Precision::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;   // tensor cores, tf32 inputs
        case Precision::bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;   // tensor cores, bf16 inputs
    }
    return CUBLAS_COMPUTE_32F;
}

}  // namespace nanogpt::cuda
