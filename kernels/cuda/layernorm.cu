// layernorm.cu: LayerNorm over the last dimension on the GPU (eps 1e-5, biased variance).
//
// Contract (as kernels/cpu/layernorm.cpp): forward writes out(N,C), mean(N), rstd(N); backward
// ADDS into dinp, dweight and dbias. Every reduction runs in a fixed order, so results are
// deterministic run to run:
//   - forward and the dinp part of backward: one warp per row, lane-strided sums reduced by
//     warp shuffles;
//   - dweight/dbias: one block per slice of 32 columns, 32 row groups summed in order through
//     shared memory, then added once into the parameter gradient (no atomics, no scratch).
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace nanogpt {

namespace {

using cuda::warp_sum;

constexpr int kWarpsPerBlock = 8;  // rows per block in the row kernels
constexpr float kEps = 1e-5f;

__global__ void layernorm_forward_kernel(float* out, float* mean, float* rstd, const float* inp,
                                         const float* weight, const float* bias, int N, int C) {
    int lane = threadIdx.x % 32;
    int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
    if (row >= N) return;  // the whole warp leaves together: shuffles below stay full-warp
    const float* x = inp + (size_t)row * C;
    float s = 0.0f;
    for (int c = lane; c < C; c += 32) s += x[c];
    float m = warp_sum(s) / C;
    float v = 0.0f;
    for (int c = lane; c < C; c += 32) {
        float d = x[c] - m;
        v += d * d;
    }
    float var = warp_sum(v) / C;
    float r = 1.0f / sqrtf(var + kEps);
    float* o = out + (size_t)row * C;
    for (int c = lane; c < C; c += 32) o[c] = (x[c] - m) * r * weight[c] + bias[c];
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// dinp += (dnorm - mean(dnorm) - norm * mean(dnorm * norm)) * rstd, dnorm = weight * dout.
__global__ void layernorm_backward_dinp_kernel(float* dinp, const float* dout, const float* inp,
                                               const float* weight, const float* mean,
                                               const float* rstd, int N, int C) {
    int lane = threadIdx.x % 32;
    int row = blockIdx.x * kWarpsPerBlock + threadIdx.x / 32;
    if (row >= N) return;
    const float* d = dout + (size_t)row * C;
    const float* x = inp + (size_t)row * C;
    float m = mean[row], r = rstd[row];
    float dn_sum = 0.0f, dn_norm_sum = 0.0f;
    for (int c = lane; c < C; c += 32) {
        float norm = (x[c] - m) * r;
        float dn = weight[c] * d[c];
        dn_sum += dn;
        dn_norm_sum += dn * norm;
    }
    float dn_mean = warp_sum(dn_sum) / C;
    float dn_norm_mean = warp_sum(dn_norm_sum) / C;
    float* di = dinp + (size_t)row * C;
    for (int c = lane; c < C; c += 32) {
        float norm = (x[c] - m) * r;
        float dn = weight[c] * d[c];
        di[c] += (dn - dn_mean - norm * dn_norm_mean) * r;
    }
}

// Block (32, 32): threadIdx.x picks the column inside the block's 32-column slice,
// threadIdx.y the row group (rows y, y + 32, ...). Row groups are then summed in order.
__global__ void layernorm_backward_params_kernel(float* dweight, float* dbias, const float* dout,
                                                 const float* inp, const float* mean,
                                                 const float* rstd, int N, int C) {
    __shared__ float sw[32][33];  // [row group][column], padded against bank conflicts
    __shared__ float sb[32][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    float dw = 0.0f, db = 0.0f;
    if (c < C) {
        for (int i = threadIdx.y; i < N; i += 32) {
            size_t at = (size_t)i * C + c;
            float d = dout[at];
            dw += (inp[at] - mean[i]) * rstd[i] * d;
            db += d;
        }
    }
    sw[threadIdx.y][threadIdx.x] = dw;
    sb[threadIdx.y][threadIdx.x] = db;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        float w = 0.0f, b = 0.0f;
        for (int y = 0; y < 32; y++) {
            w += sw[y][threadIdx.x];
            b += sb[y][threadIdx.x];
        }
        dweight[c] += w;
        dbias[c] += b;
    }
}

unsigned row_blocks(int N) { return (unsigned)((N + kWarpsPerBlock - 1) / kWarpsPerBlock); }

}  // namespace

void CudaBackend::layernorm_forward(float* out, float* mean, float* rstd, const float* inp,
                                    const float* weight, const float* bias, int N, int C) {
    if (N <= 0 || C <= 0) return;
    layernorm_forward_kernel<<<row_blocks(N), kWarpsPerBlock * 32, 0, stream_>>>(
        out, mean, rstd, inp, weight, bias, N, C);
    CUDA_CHECK_LAUNCH();
}

void CudaBackend::layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                                     const float* inp, const float* weight, const float* mean,
                                     const float* rstd, int N, int C) {
    if (N <= 0 || C <= 0) return;
    layernorm_backward_dinp_kernel<<<row_blocks(N), kWarpsPerBlock * 32, 0, stream_>>>(
        dinp, dout, inp, weight, mean, rstd, N, C);
    CUDA_CHECK_LAUNCH();
    layernorm_backward_params_kernel<<<(unsigned)((C + 31) / 32), dim3(32, 32), 0, stream_>>>(
        dweight, dbias, dout, inp, mean, rstd, N, C);
    CUDA_CHECK_LAUNCH();
}

}  // namespace nanogpt
