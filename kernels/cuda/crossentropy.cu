// crossentropy.cu: softmax + cross-entropy over the vocabulary fused with its backward (llm.c's
// fused classifier), on the GPU. Same contract as kernels/cpu/crossentropy.cpp: row i of the
// (N,Vp) logits gives losses[i] = logsumexp(row[0..V)) - row[target]; when dloss != 0 the row is
// overwritten by (softmax - onehot(target)) * dloss on [0,V) and zeros on the padding [V,Vp).
// One block per row; the probabilities are never stored.
//
// A target outside [0,V) has no defined loss: it yields NaN (and no one-hot term) instead of a
// read outside the row.
#include <cmath>

#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/reduce.cuh"

namespace nanogpt {

namespace {

constexpr int kThreads = 512;

__global__ void crossentropy_kernel(float* logits, float* losses, const int* targets, int V,
                                    int Vp, float dloss) {
    __shared__ float shared[32];
    float* row = logits + (size_t)blockIdx.x * Vp;
    const int target = targets[blockIdx.x];
    const bool valid = target >= 0 && target < V;

    float maxv = -INFINITY;
    for (int j = threadIdx.x; j < V; j += blockDim.x) maxv = fmaxf(maxv, row[j]);
    maxv = cuda::block_reduce(maxv, shared, cuda::Max{});

    float sum = 0.0f;
    for (int j = threadIdx.x; j < V; j += blockDim.x) sum += expf(row[j] - maxv);
    sum = cuda::block_reduce(sum, shared, cuda::Sum{});

    // Every thread has read its elements (the reductions above synchronised): row[target] is
    // still the logit here, and thread 0 alone writes the loss.
    if (threadIdx.x == 0)
        losses[blockIdx.x] = valid ? logf(sum) - (row[target] - maxv) : NAN;
    __syncthreads();  // the read of row[target] happens before any thread overwrites it

    if (dloss != 0.0f) {
        const float inv = 1.0f / sum;
        for (int j = threadIdx.x; j < Vp; j += blockDim.x) {
            float g = 0.0f;
            if (j < V) {
                g = expf(row[j] - maxv) * inv * dloss;
                if (j == target) g -= dloss;
            }
            row[j] = g;
        }
    }
}

}  // namespace

void CudaBackend::crossentropy_forward_backward(float* logits, float* losses, const int* targets,
                                                int N, int V, int Vp, float dloss) {
    if (N <= 0) return;
    crossentropy_kernel<<<N, kThreads, 0, stream_>>>(logits, losses, targets, V, Vp, dloss);
    CUDA_CHECK_LAUNCH();
}

}  // namespace nanogpt
