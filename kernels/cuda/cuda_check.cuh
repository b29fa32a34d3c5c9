// cuda_check.cuh: error checks for every CUDA runtime call, cuBLAS call and kernel launch.
// A failure throws nanogpt::Error naming the call, file and line; nothing fails silently.
#pragma once
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "common/error.h"

namespace nanogpt::cuda {

[[noreturn]] inline void fail(const std::string& what, const char* file, int line) {
    throw Error(what + " at " + file + ":" + std::to_string(line),
                "check that the GPU has enough free memory and that the driver supports CUDA 13");
}

}  // namespace nanogpt::cuda

#define CUDA_CHECK(call)                                                                    \
    do {                                                                                    \
        cudaError_t err_ = (call);                                                          \
        if (err_ != cudaSuccess)                                                            \
            ::nanogpt::cuda::fail(std::string(#call) + ": " + cudaGetErrorString(err_),     \
                                  __FILE__, __LINE__);                                      \
    } while (0)

#define CUBLAS_CHECK(call)                                                                  \
    do {                                                                                    \
        cublasStatus_t st_ = (call);                                                        \
        if (st_ != CUBLAS_STATUS_SUCCESS)                                                   \
            ::nanogpt::cuda::fail(std::string(#call) + ": cuBLAS status " +                 \
                                      std::to_string((int)st_) + " (" +                     \
                                      cublasGetStatusString(st_) + ")",                     \
                                  __FILE__, __LINE__);                                      \
    } while (0)

// After every kernel launch: launch-configuration errors surface here, at their launch.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())
