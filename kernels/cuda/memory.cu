// memory.cu: the CudaBackend's life cycle and its buffers.
//
// The constructor selects the device, creates the one stream every operation is queued on and
// lets each part (matmul, attention, global norm, statistics, sampling) create its private state; the
// destructor undoes that in reverse and never throws. Buffers come from cudaMalloc and are
// zeroed on the stream, so they are ready for any later operation on it. to_device/to_host
// return only once the copy has landed (the host array may be reused at once).
#include <algorithm>
#include <string>

#include "common/error.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

int cuda_device_count() {
    int n = 0;
    // No driver, no device or a driver too old all report an error here: that means "none".
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();  // clear it so that it does not surface at a later check
        return 0;
    }
    return n;
}

CudaBackend::CudaBackend(Precision precision, int device) : precision_(precision), device_(device) {
    int count = cuda_device_count();
    if (device < 0 || device >= count)
        throw Error("CUDA device " + std::to_string(device) + " is not available (" +
                        std::to_string(count) + " device(s) found)",
                    count == 0 ? "this machine has no usable NVIDIA GPU or driver; use --device cpu"
                               : "pick a device index below the number of devices");
    try {
        CUDA_CHECK(cudaSetDevice(device));
        cudaDeviceProp prop{};
        CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
        device_name_ = prop.name;
        int clock_khz = 0;  // CUDA 13 dropped cudaDeviceProp::clockRate; the attribute remains
        CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
        sm_clock_mhz_ = clock_khz / 1000;
        CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        init_matmul();
        init_attention();
        init_norm();
        init_stats();
        init_sample();
    } catch (...) {
        // The destructor does not run for a half-built object: undo what was built here.
        if (sample_) free_sample();
        if (stats_) free_stats();
        if (norm_) free_norm();
        if (attention_) free_attention();
        if (matmul_) free_matmul();
        if (stream_) cudaStreamDestroy(stream_);
        throw;
    }
}

CudaBackend::~CudaBackend() {
    // Errors here cannot be reported (a destructor must not throw) and the process may be
    // unwinding from an earlier CUDA failure: every step is attempted, failures are ignored.
    if (stream_) (void)cudaStreamSynchronize(stream_);
    try { if (spectral_) free_spectral(); } catch (...) {}
    try { if (sample_) free_sample(); } catch (...) {}
    try { if (stats_) free_stats(); } catch (...) {}
    try { if (norm_) free_norm(); } catch (...) {}
    try { if (attention_) free_attention(); } catch (...) {}
    try { if (matmul_) free_matmul(); } catch (...) {}
    if (stream_) (void)cudaStreamDestroy(stream_);
    (void)cudaGetLastError();
}

// One allocation path for floats and ints: at least one element, so every buffer has its own
// address, and zeroed on the stream (cudaMalloc gives no guarantee of contents).
static void* device_zeroed(size_t bytes, cudaStream_t stream) {
    void* p = nullptr;
    bytes = std::max<size_t>(bytes, sizeof(float));
    cudaError_t err = cudaMalloc(&p, bytes);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        throw Error("cannot allocate " + std::to_string(bytes >> 20) + " MiB on the GPU (" +
                        cudaGetErrorString(err) + ")",
                    "reduce the batch size or the sequence length, or use a smaller model");
    }
    CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, stream));
    return p;
}

float* CudaBackend::alloc(size_t n) {
    return static_cast<float*>(device_zeroed(n * sizeof(float), stream_));
}

int* CudaBackend::alloc_ints(size_t n) {
    return static_cast<int*>(device_zeroed(n * sizeof(int), stream_));
}

void CudaBackend::release(void* p) {
    if (p) CUDA_CHECK(cudaFree(p));  // cudaFree waits for work still using p
}

void CudaBackend::to_device(void* dst, const void* src, size_t bytes) {
    if (bytes == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::to_host(void* dst, const void* src, size_t bytes) {
    if (bytes == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy(float* dst, const float* src, size_t n) {
    if (n == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice, stream_));
}

void CudaBackend::zero(float* p, size_t n) {
    if (n == 0) return;
    CUDA_CHECK(cudaMemsetAsync(p, 0, n * sizeof(float), stream_));
}

void CudaBackend::synchronize() { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

}  // namespace nanogpt
