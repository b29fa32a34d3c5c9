// pointwise.cpp: element-wise layers: GELU (tanh form, as GPT-2), residual add, dropout.
#include <cmath>

#include "common/counter_rng.h"
#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

namespace {
constexpr float kGeluScale = 0.7978845608028654f;  // sqrt(2 / pi)
}

void CpuBackend::gelu_forward(float* out, const float* inp, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float u = kGeluScale * (x + 0.044715f * x * x * x);
        out[i] = 0.5f * x * (1.0f + std::tanh(u));
    }
}

void CpuBackend::gelu_backward(float* dinp, const float* inp, const float* dout, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float u = kGeluScale * (x + 0.044715f * x * x * x);
        float th = std::tanh(u);
        float sech2 = 1.0f - th * th;
        float du = kGeluScale * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] += (0.5f * (1.0f + th) + 0.5f * x * sech2 * du) * dout[i];
    }
}

void CpuBackend::residual_forward(float* out, const float* a, const float* b, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

void CpuBackend::dropout_forward(float* x, size_t n, Dropout drop) {
    if (!drop.active()) return;
    const float keep_scale = 1.0f / (1.0f - drop.p);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        x[i] = dropout_keep(drop.seed, drop.offset + i, drop.p) ? x[i] * keep_scale : 0.0f;
}

// The mask and scale of the forward pass applied to the gradient: the same function.
void CpuBackend::dropout_backward(float* dx, size_t n, Dropout drop) { dropout_forward(dx, n, drop); }

}  // namespace nanogpt
