// memory.cpp: CpuBackend buffers are 64-byte aligned host memory (AVX-512 loads).
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

CpuBackend::CpuBackend() = default;

static void* aligned_zeroed(size_t bytes) {
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded ? rounded : 64);
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    return p;
}

float* CpuBackend::alloc(size_t n) { return static_cast<float*>(aligned_zeroed(n * sizeof(float))); }
int* CpuBackend::alloc_ints(size_t n) { return static_cast<int*>(aligned_zeroed(n * sizeof(int))); }
void CpuBackend::release(void* p) { std::free(p); }
void CpuBackend::to_device(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::to_host(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::copy(float* dst, const float* src, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void CpuBackend::zero(float* p, size_t n) { std::memset(p, 0, n * sizeof(float)); }

}  // namespace nanogpt
