// layernorm.cpp: LayerNorm over the last dimension (eps 1e-5, biased variance, as PyTorch).
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

void CpuBackend::layernorm_forward(float* out, float* mean, float* rstd, const float* inp,
                                   const float* weight, const float* bias, int N, int C) {
    const float eps = 1e-5f;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float* x = inp + (size_t)i * C;
        float m = 0.0f;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        float var = 0.0f;
        for (int c = 0; c < C; c++) {
            float d = x[c] - m;
            var += d * d;
        }
        var /= C;
        float s = 1.0f / std::sqrt(var + eps);
        float* o = out + (size_t)i * C;
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * s * weight[c] + bias[c];
        mean[i] = m;
        rstd[i] = s;
    }
}

// dinp needs a per-row reduction, dweight/dbias a per-column one. Two passes, each owning
// its outputs: rows in parallel for dinp, then column slices in parallel for the parameters.
void CpuBackend::layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                                    const float* inp, const float* weight, const float* mean,
                                    const float* rstd, int N, int C) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float* d = dout + (size_t)i * C;
        const float* x = inp + (size_t)i * C;
        float m = mean[i], s = rstd[i];
        float dnorm_mean = 0.0f, dnorm_norm_mean = 0.0f;
        for (int c = 0; c < C; c++) {
            float norm = (x[c] - m) * s;
            float dn = weight[c] * d[c];
            dnorm_mean += dn;
            dnorm_norm_mean += dn * norm;
        }
        dnorm_mean /= C;
        dnorm_norm_mean /= C;
        float* di = dinp + (size_t)i * C;
        for (int c = 0; c < C; c++) {
            float norm = (x[c] - m) * s;
            float dn = weight[c] * d[c];
            di[c] += (dn - dnorm_mean - norm * dnorm_norm_mean) * s;
        }
    }
    constexpr int kSlice = 64;
    int slices = (C + kSlice - 1) / kSlice;
#pragma omp parallel for schedule(static)
    for (int sl = 0; sl < slices; sl++) {
        int c0 = sl * kSlice, c1 = c0 + kSlice < C ? c0 + kSlice : C;
        float dw[kSlice] = {0}, db[kSlice] = {0};
        for (int i = 0; i < N; i++) {
            const float* d = dout + (size_t)i * C;
            const float* x = inp + (size_t)i * C;
            float m = mean[i], s = rstd[i];
            for (int c = c0; c < c1; c++) {
                dw[c - c0] += (x[c] - m) * s * d[c];
                db[c - c0] += d[c];
            }
        }
        for (int c = c0; c < c1; c++) {
            dweight[c] += dw[c - c0];
            dbias[c] += db[c - c0];
        }
    }
}

}  // namespace nanogpt
