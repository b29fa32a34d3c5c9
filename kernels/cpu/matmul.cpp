// matmul.cpp: Linear layers through OpenBLAS sgemm (row-major, weight stored (OC, C)).
#include <cblas.h>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

void CpuBackend::matmul_forward(float* out, const float* inp, const float* weight,
                                const float* bias, int N, int C, int OC) {
    // Start from the broadcast bias and let sgemm accumulate onto it (beta = 1): one pass
    // over out instead of a separate bias add.
    float beta = 0.0f;
    if (bias) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++) {
            float* o = out + (size_t)i * OC;
            for (int j = 0; j < OC; j++) o[j] = bias[j];
        }
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, inp, C, weight, C, beta,
                out, OC);
}

void CpuBackend::matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                                 const float* inp, const float* weight, int N, int C, int OC) {
    // dinp(N,C) += dout(N,OC) @ weight(OC,C)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, weight, C,
                1.0f, dinp, C);
    // dweight(OC,C) += dout^T(OC,N) @ inp(N,C)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f,
                dweight, C);
    if (dbias) {
        // Column sums; each thread owns a slice of columns, rows summed in order.
        constexpr int kSlice = 256;
        int slices = (OC + kSlice - 1) / kSlice;
#pragma omp parallel for schedule(static)
        for (int s = 0; s < slices; s++) {
            int j0 = s * kSlice, j1 = j0 + kSlice < OC ? j0 + kSlice : OC;
            float acc[kSlice] = {0};
            for (int i = 0; i < N; i++) {
                const float* d = dout + (size_t)i * OC;
                for (int j = j0; j < j1; j++) acc[j - j0] += d[j];
            }
            for (int j = j0; j < j1; j++) dbias[j] += acc[j - j0];
        }
    }
}

}  // namespace nanogpt
