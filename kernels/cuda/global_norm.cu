// global_norm.cu: sum_squares on the GPU, the squared global gradient norm AdamW is clipped by.
//
// Contract (as kernels/cpu/global_norm.cpp, backend.h): a deterministic two-pass reduction. A
// fixed grid (kSumBlocks x kSumThreads, not tied to the device's SM count) accumulates in
// double, each thread a fixed grid-stride share, one partial per block; then one block sums the
// partials in a fixed order: the same input always gives the same bits. The host waits for the
// result (the optimizer needs the number before it can scale the update).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace nanogpt {

struct CudaBackend::NormState {
    double* partials = nullptr;    // one double per block of the first pass
    double* total = nullptr;       // the result on the device
    double* total_host = nullptr;  // pinned
};

namespace {

constexpr int kSumBlocks = 1024;  // fixed: partials never depend on the device's SM count
constexpr int kSumThreads = 256;

// Block sum of one double per thread, warps in order (the value is the same in every thread).
__device__ double block_sum(double v) {
    __shared__ double per_warp[kSumThreads / 32];
    return cuda::block_reduce(v, per_warp, cuda::Sum{});
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

}  // namespace

void CudaBackend::init_norm() {
    norm_ = new NormState();
    try {
        CUDA_CHECK(cudaMalloc(&norm_->partials, kSumBlocks * sizeof(double)));
        CUDA_CHECK(cudaMalloc(&norm_->total, sizeof(double)));
        CUDA_CHECK(cudaMallocHost(&norm_->total_host, sizeof(double)));
    } catch (...) {
        free_norm();
        throw;
    }
}

// No CUDA_CHECK here: this runs from the destructor, which must not throw.
void CudaBackend::free_norm() {
    if (!norm_) return;
    (void)cudaFree(norm_->partials);
    (void)cudaFree(norm_->total);
    (void)cudaFreeHost(norm_->total_host);
    delete norm_;
    norm_ = nullptr;
}

double CudaBackend::sum_squares(const float* x, size_t n) {
    if (n == 0) return 0.0;
    sum_squares_partial_kernel<<<kSumBlocks, kSumThreads, 0, stream_>>>(x, n, norm_->partials);
    CUDA_CHECK_LAUNCH();
    sum_squares_final_kernel<<<1, kSumThreads, 0, stream_>>>(norm_->partials, kSumBlocks,
                                                              norm_->total);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaMemcpyAsync(norm_->total_host, norm_->total, sizeof(double),
                               cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return *norm_->total_host;
}

}  // namespace nanogpt
