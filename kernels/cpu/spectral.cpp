// spectral.cpp: power_iteration on the CPU, the top singular value of a weight matrix for the
// dashboard's spectra (contract in backend.h). Two OpenBLAS matrix-vector products per
// iteration; the norms in double. Runs on the training thread, in the optimizer's snapshot pass
// (trainer/optimizer.cpp), like every other BLAS call of the CPU backend.
#include <cblas.h>

#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

namespace {
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
        cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0f, W, cols, v, 1, 0.0f, u, 1);  // u = W v
        if (normalise(u, rows) == 0.0f) {  // W v = 0: no direction to follow
            for (int j = 0; j < cols; j++) v[j] = 0.0f;
            return 0.0f;
        }
        cblas_sgemv(CblasRowMajor, CblasTrans, rows, cols, 1.0f, W, cols, u, 1, 0.0f, v, 1);  // v = W^T u
        sigma = normalise(v, cols);
    }
    return sigma;
}

}  // namespace nanogpt
