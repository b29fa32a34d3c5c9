// encoder.cu: token + position embedding on the GPU, forward and backward.
//
// Contract (as kernels/cpu/encoder.cpp): out(B,T,C) = wte[tokens] + wpe[t]; backward adds
// dout into the rows of dwte picked by the tokens and, summed over the batch, into dwpe.
// dwpe is deterministic (each float owned by one thread, b ascending as on the CPU); dwte
// uses float atomics because one token may occur at many (b, t), so its summation order, and
// with it the last bits of dwte, may vary run to run.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"

namespace nanogpt {

namespace {

constexpr int kThreads = 256;

// One thread per output float.
__global__ void encoder_forward_kernel(float* out, const int* tokens, const float* wte,
                                       const float* wpe, int T, int C, size_t total) {
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= total) return;
    size_t row = idx / C;  // b * T + t
    int c = (int)(idx % C);
    int t = (int)(row % T);
    out[idx] = wte[(size_t)tokens[row] * C + c] + wpe[(size_t)t * C + c];
}

// One thread per (t, c): walks the batch, adds each dout into the token's dwte row
// (atomically: other threads may hit the same row) and sums the batch into dwpe (owned).
__global__ void encoder_backward_kernel(float* dwte, float* dwpe, const float* dout,
                                        const int* tokens, int B, int T, int C) {
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (size_t)T * C) return;
    int t = (int)(idx / C);
    int c = (int)(idx % C);
    float acc = dwpe[idx];  // idx == t * C + c
    for (int b = 0; b < B; b++) {
        size_t row = (size_t)b * T + t;
        float d = dout[row * C + c];
        atomicAdd(&dwte[(size_t)tokens[row] * C + c], d);
        acc += d;
    }
    dwpe[idx] = acc;
}

unsigned blocks_for(size_t n) { return (unsigned)((n + kThreads - 1) / kThreads); }

}  // namespace

void CudaBackend::encoder_forward(float* out, const int* tokens, const float* wte,
                                  const float* wpe, int B, int T, int C) {
    size_t total = (size_t)B * T * C;
    if (total == 0) return;
    encoder_forward_kernel<<<blocks_for(total), kThreads, 0, stream_>>>(out, tokens, wte, wpe, T,
                                                                        C, total);
    CUDA_CHECK_LAUNCH();
}

void CudaBackend::encoder_backward(float* dwte, float* dwpe, const float* dout,
                                   const int* tokens, int B, int T, int C) {
    size_t total = (size_t)T * C;
    if (total == 0 || B == 0) return;
    encoder_backward_kernel<<<blocks_for(total), kThreads, 0, stream_>>>(dwte, dwpe, dout,
                                                                         tokens, B, T, C);
    CUDA_CHECK_LAUNCH();
}

}  // namespace nanogpt
