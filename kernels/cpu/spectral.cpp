// spectral.cpp: power_iteration on the CPU, the top singular value of a weight matrix for the
// dashboard's spectra (contract in backend.h). Runs on the training thread, in the optimizer's
// snapshot pass (trainer/optimizer.cpp).
//
// Two matrix-vector products per iteration, as plain loops rather than OpenBLAS's sgemv: on
// the char model's matrices (at most 65k values) a threaded sgemv spends its time waking
// threads (measured on the loaded 2-core box: +64 ms per snapshot for 18 matrices, against
// +1 ms single-threaded), so matrices under kParallelFrom values run on one thread and only
// larger ones (GPT-2's) split across the OpenMP team: rows for W v, column blocks for W^T u.
// Each output element is summed in one fixed order: the same bits on any thread count.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

namespace {

constexpr size_t kParallelFrom = 1u << 20;  // values of W
constexpr int kColumnBlock = 256;

// u = W v
void matvec(const float* W, int rows, int cols, const float* v, float* u) {
#pragma omp parallel for schedule(static) if ((size_t)rows * cols >= kParallelFrom)
    for (int r = 0; r < rows; r++) {
        const float* w = W + (size_t)r * cols;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int j = 0; j < cols; j++) acc += w[j] * v[j];
        u[r] = acc;
    }
}

// v = W^T u, a block of columns at a time (each column's sum runs over the rows in order).
void matvec_t(const float* W, int rows, int cols, const float* u, float* v) {
    const int blocks = (cols + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel for schedule(static) if ((size_t)rows * cols >= kParallelFrom)
    for (int b = 0; b < blocks; b++) {
        const int j0 = b * kColumnBlock, j1 = std::min(cols, j0 + kColumnBlock);
        float* vb = v + j0;
        for (int j = 0; j < j1 - j0; j++) vb[j] = 0.0f;
        for (int r = 0; r < rows; r++) {
            const float ur = u[r];
            const float* w = W + (size_t)r * cols + j0;
#pragma omp simd
            for (int j = 0; j < j1 - j0; j++) vb[j] += ur * w[j];
        }
    }
}

// x /= |x|; returns |x| (x left alone when it is 0).
float normalise(float* x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
    const float norm = (float)std::sqrt(s);
    if (norm > 0.0f)
        for (int i = 0; i < n; i++) x[i] /= norm;
    return norm;
}

}  // namespace

float CpuBackend::power_iteration(const float* W, int rows, int cols, float* v, float* u, int iters) {
    float sigma = 0.0f;
    for (int it = 0; it < iters; it++) {
        matvec(W, rows, cols, v, u);
        if (normalise(u, rows) == 0.0f) {  // W v = 0: no direction to follow
            for (int j = 0; j < cols; j++) v[j] = 0.0f;
            return 0.0f;
        }
        matvec_t(W, rows, cols, u, v);
        sigma = normalise(v, cols);
    }
    return sigma;
}

}  // namespace nanogpt
