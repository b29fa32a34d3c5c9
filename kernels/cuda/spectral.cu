// spectral.cu: CudaBackend::power_iteration, the top singular value of a weight matrix for the
// dashboard's spectra (contract in backend.h; the CPU reference is kernels/cpu/spectral.cpp).
//
// Each iteration is two cuBLAS GEMVs and two norms on the backend's stream. The handle runs in
// device pointer mode, so the norms (and alpha, beta) stay on the GPU and a small kernel divides
// by them: the whole loop is queued without a host round trip, and the host waits once, for
// sigma. The handle is this file's own (matmul.cu's is set up for its products), created on the
// first call: a run that never asks for spectra never pays for it.
//
// Row-major W (rows, cols) is, byte for byte, the column-major (cols, rows) matrix A = W^T with
// leading dimension cols: W v = A^T v (CUBLAS_OP_T), W^T u = A u (CUBLAS_OP_N).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

struct CudaBackend::SpectralState {
    cublasHandle_t handle = nullptr;
    float* scalars = nullptr;     // device: [0] = 1 (alpha), [1] = 0 (beta), [2] |W v|, [3] |W^T u|
    float* sigma_host = nullptr;  // pinned
};

namespace {

// x /= *norm; x is left alone when the norm is 0 (W v = 0), as on the CPU.
__global__ void divide_by_kernel(float* x, int n, const float* norm) {
    const float s = *norm;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && s > 0.0f) x[i] /= s;
}

// u was 0 (W v = 0): v becomes 0 too, the CPU's "restart it" signal.
__global__ void zero_if_kernel(float* x, int n, const float* norm) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && *norm == 0.0f) x[i] = 0.0f;
}

unsigned blocks_of(int n) { return (unsigned)((n + 255) / 256); }

}  // namespace

void CudaBackend::init_spectral() {
    spectral_ = new SpectralState();
    try {
        CUBLAS_CHECK(cublasCreate(&spectral_->handle));
        CUBLAS_CHECK(cublasSetStream(spectral_->handle, stream_));
        CUBLAS_CHECK(cublasSetPointerMode(spectral_->handle, CUBLAS_POINTER_MODE_DEVICE));
        CUDA_CHECK(cudaMalloc(&spectral_->scalars, 4 * sizeof(float)));
        const float init[4] = {1.0f, 0.0f, 0.0f, 0.0f};
        CUDA_CHECK(cudaMemcpy(spectral_->scalars, init, sizeof(init), cudaMemcpyHostToDevice));
        CUDA_CHECK(cudaMallocHost(&spectral_->sigma_host, sizeof(float)));
    } catch (...) {
        free_spectral();
        throw;
    }
}

// No CUDA_CHECK here: this runs from the destructor, which must not throw.
void CudaBackend::free_spectral() {
    if (!spectral_) return;
    if (spectral_->handle) (void)cublasDestroy(spectral_->handle);
    (void)cudaFree(spectral_->scalars);
    (void)cudaFreeHost(spectral_->sigma_host);
    delete spectral_;
    spectral_ = nullptr;
}

float CudaBackend::power_iteration(const float* W, int rows, int cols, float* v, float* u, int iters) {
    if (rows <= 0 || cols <= 0 || iters <= 0) return 0.0f;
    if (!spectral_) init_spectral();
    SpectralState& st = *spectral_;
    const float* one = st.scalars;
    const float* zero = st.scalars + 1;
    float* norm_u = st.scalars + 2;
    float* norm_v = st.scalars + 3;
    for (int it = 0; it < iters; it++) {
        // u = W v, normalised
        CUBLAS_CHECK(cublasSgemv(st.handle, CUBLAS_OP_T, cols, rows, one, W, cols, v, 1, zero, u, 1));
        CUBLAS_CHECK(cublasSnrm2(st.handle, rows, u, 1, norm_u));
        divide_by_kernel<<<blocks_of(rows), 256, 0, stream_>>>(u, rows, norm_u);
        CUDA_CHECK_LAUNCH();
        // v = W^T u: its norm is the estimate of sigma; normalised
        CUBLAS_CHECK(cublasSgemv(st.handle, CUBLAS_OP_N, cols, rows, one, W, cols, u, 1, zero, v, 1));
        zero_if_kernel<<<blocks_of(cols), 256, 0, stream_>>>(v, cols, norm_u);
        CUDA_CHECK_LAUNCH();
        CUBLAS_CHECK(cublasSnrm2(st.handle, cols, v, 1, norm_v));
        divide_by_kernel<<<blocks_of(cols), 256, 0, stream_>>>(v, cols, norm_v);
        CUDA_CHECK_LAUNCH();
    }
    CUDA_CHECK(cudaMemcpyAsync(st.sigma_host, norm_v, sizeof(float), cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
    return *st.sigma_host;
}

}  // namespace nanogpt
