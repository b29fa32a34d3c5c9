// adamw.cpp: AdamW as PyTorch defines it, and the global gradient norm it is clipped by.
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

// Fixed-size blocks summed in parallel, then the block sums in order: the result does not
// depend on the thread count.
double CpuBackend::sum_squares(const float* x, size_t n) {
    constexpr size_t kBlock = 8192;
    size_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<double> partial(blocks);
#pragma omp parallel for schedule(static)
    for (size_t bi = 0; bi < blocks; bi++) {
        size_t i0 = bi * kBlock, i1 = i0 + kBlock < n ? i0 + kBlock : n;
        float acc = 0.0f;  // a block of 8k float squares is accurate enough in float
        for (size_t i = i0; i < i1; i++) acc += x[i] * x[i];
        partial[bi] = acc;
    }
    double total = 0.0;
    for (double p : partial) total += p;
    return total;
}

void CpuBackend::adamw_update(float* param, const float* grad, float* m, float* v, size_t n,
                              float lr, float beta1, float beta2, float eps, float weight_decay,
                              float grad_scale, int t) {
    const float c1 = 1.0f - std::pow(beta1, (float)t);
    const float c2 = 1.0f - std::pow(beta2, (float)t);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = grad[i] * grad_scale;
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float p = param[i] * (1.0f - lr * weight_decay);  // decoupled decay, before the step
        param[i] = p - lr * (mi / c1) / (std::sqrt(vi / c2) + eps);
    }
}

}  // namespace nanogpt
