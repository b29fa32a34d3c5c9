// bf16_convert.cuh: fp32 -> bf16 copies of matrix-product operands, on a stream.
//
// The CUDA backend keeps every buffer in fp32; bf16 mode converts a product's operands into
// bf16 scratch just before the product (see matmul.cu). Rounding is to nearest, ties to even
// (__float2bfloat16_rn), so a result is the exact bf16 neighbour of each input; NaN stays NaN,
// values beyond bf16's range become +-inf as in any bf16 cast.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace nanogpt::cuda {

// dst[i] = bf16(src[i]) for i < n, queued on `stream` (nothing when n == 0). Vectorised (four
// floats per thread) when src is 16-byte and dst 8-byte aligned, element by element otherwise,
// so any pointer into a parameter slab is accepted. The launch is checked (throws Error).
void convert_f32_to_bf16(__nv_bfloat16* dst, const float* src, size_t n, cudaStream_t stream);

// A grow-only device buffer of bf16 scratch. cudaMalloc returns 256-byte aligned memory, the
// alignment cuBLASLt's heuristic assumes by default; reserve() checks it. Growing first waits
// for `stream` so that no queued product still reads the old buffer.
class Bf16Scratch {
public:
    Bf16Scratch() = default;
    ~Bf16Scratch();
    Bf16Scratch(const Bf16Scratch&) = delete;
    Bf16Scratch& operator=(const Bf16Scratch&) = delete;

    // A buffer of at least n elements (kept for later calls).
    __nv_bfloat16* reserve(size_t n, cudaStream_t stream);
    // reserve(n) then convert_f32_to_bf16 into it: the bf16 copy of src.
    const __nv_bfloat16* convert(const float* src, size_t n, cudaStream_t stream);
    size_t capacity() const { return n_; }

private:
    __nv_bfloat16* p_ = nullptr;
    size_t n_ = 0;
};

}  // namespace nanogpt::cuda
