// encoder.cpp: token + position embedding, forward and backward.
#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

void CpuBackend::encoder_forward(float* out, const int* tokens, const float* wte, const float* wpe,
                                 int B, int T, int C) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < T; t++) {
            float* o = out + ((size_t)b * T + t) * C;
            const float* we = wte + (size_t)tokens[b * T + t] * C;
            const float* pe = wpe + (size_t)t * C;
            for (int c = 0; c < C; c++) o[c] = we[c] + pe[c];
        }
    }
}

// The same token can occur at many positions, so rows of dwte receive several updates.
// Parallelising over channel slices keeps each float owned by one thread: no atomics, and
// the summation order (b, t ascending) is fixed, hence deterministic.
void CpuBackend::encoder_backward(float* dwte, float* dwpe, const float* dout, const int* tokens,
                                  int B, int T, int C) {
    constexpr int kSlice = 64;
    int slices = (C + kSlice - 1) / kSlice;
#pragma omp parallel for schedule(static)
    for (int s = 0; s < slices; s++) {
        int c0 = s * kSlice, c1 = c0 + kSlice < C ? c0 + kSlice : C;
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                const float* d = dout + ((size_t)b * T + t) * C;
                float* dw = dwte + (size_t)tokens[b * T + t] * C;
                float* dp = dwpe + (size_t)t * C;
                for (int c = c0; c < c1; c++) {
                    dw[c] += d[c];
                    dp[c] += d[c];
                }
            }
        }
    }
}

}  // namespace nanogpt
