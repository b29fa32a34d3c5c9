#include "viz/snapshot/projection.h"

#include <algorithm>
#include <cmath>

namespace nanogpt::viz::snapshot {

namespace {

// Orthonormalises the 3 columns of q (d x 3) in place (modified Gram-Schmidt).
void orthonormalise(std::vector<double>& q, int d) {
    for (int j = 0; j < 3; j++) {
        for (int k = 0; k < j; k++) {
            double dot = 0;
            for (int i = 0; i < d; i++) dot += q[i * 3 + j] * q[i * 3 + k];
            for (int i = 0; i < d; i++) q[i * 3 + j] -= dot * q[i * 3 + k];
        }
        double norm = 0;
        for (int i = 0; i < d; i++) norm += q[i * 3 + j] * q[i * 3 + j];
        norm = std::sqrt(norm);
        if (norm < 1e-30) {  // degenerate direction: restart it on an axis
            for (int i = 0; i < d; i++) q[i * 3 + j] = (i == j % d) ? 1.0 : 0.0;
            j--;
            continue;
        }
        for (int i = 0; i < d; i++) q[i * 3 + j] /= norm;
    }
}

bool invert3(const double m[9], double out[9]) {
    double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                 m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (std::fabs(det) < 1e-300) return false;
    double inv = 1.0 / det;
    out[0] = (m[4] * m[8] - m[5] * m[7]) * inv;
    out[1] = (m[2] * m[7] - m[1] * m[8]) * inv;
    out[2] = (m[1] * m[5] - m[2] * m[4]) * inv;
    out[3] = (m[5] * m[6] - m[3] * m[8]) * inv;
    out[4] = (m[0] * m[8] - m[2] * m[6]) * inv;
    out[5] = (m[2] * m[3] - m[0] * m[5]) * inv;
    out[6] = (m[3] * m[7] - m[4] * m[6]) * inv;
    out[7] = (m[1] * m[6] - m[0] * m[7]) * inv;
    out[8] = (m[0] * m[4] - m[1] * m[3]) * inv;
    return true;
}

}  // namespace

// R = polar factor of M = a^T b, by Newton's iteration R <- (R + R^-T) / 2, which converges
// to the nearest orthogonal matrix (rotation or reflection) for non-singular M.
void procrustes3(const std::vector<float>& a, const std::vector<float>& b, int n, double R[9]) {
    double m[9] = {0};
    for (int p = 0; p < n; p++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) m[i * 3 + j] += (double)a[p * 3 + i] * b[p * 3 + j];
    double scale = 0;
    for (double v : m) scale = std::max(scale, std::fabs(v));
    for (int i = 0; i < 9; i++) R[i] = scale > 0 ? m[i] / scale : (i % 4 == 0 ? 1.0 : 0.0);
    for (int it = 0; it < 50; it++) {
        double inv[9];
        if (!invert3(R, inv)) {  // singular: no meaningful alignment, keep the identity
            for (int i = 0; i < 9; i++) R[i] = (i % 4 == 0) ? 1.0 : 0.0;
            return;
        }
        double change = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double next = 0.5 * (R[i * 3 + j] + inv[j * 3 + i]);  // inverse transposed
                change = std::max(change, std::fabs(next - R[i * 3 + j]));
                R[i * 3 + j] = next;
            }
        if (change < 1e-12) break;
    }
}

std::vector<float> Projector::project(const std::vector<float>& x, int n, int d) {
    std::vector<float> out((size_t)n * 3, 0.0f);
    if (n == 0 || d == 0) return out;
    // Centre once; the iterations below then run over contiguous floats and vectorise.
    std::vector<double> mean(d, 0.0);
    for (int p = 0; p < n; p++)
        for (int i = 0; i < d; i++) mean[i] += x[(size_t)p * d + i];
    std::vector<float> xc((size_t)n * d);
    for (int p = 0; p < n; p++)
        for (int i = 0; i < d; i++) xc[(size_t)p * d + i] = (float)(x[(size_t)p * d + i] - mean[i] / n);

    const bool warm = (int)basis_.size() == d * 3 && prev_d_ == d;
    if (!warm) {  // a fixed, deterministic start
        basis_.assign((size_t)d * 3, 0.0);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < 3; j++) basis_[i * 3 + j] = std::sin(1.0 + i * 0.7 + j * 1.3);
        orthonormalise(basis_, d);
    }
    // The basis as three contiguous float columns, for the dot products.
    std::vector<float> cols((size_t)3 * d);
    auto load_cols = [&] {
        for (int i = 0; i < d; i++)
            for (int j = 0; j < 3; j++) cols[(size_t)j * d + i] = (float)basis_[i * 3 + j];
    };
    // proj(n x 3) = xc * basis
    std::vector<float> proj((size_t)n * 3);
    auto project_rows = [&] {
        const float *c0 = cols.data(), *c1 = c0 + d, *c2 = c1 + d;
        for (int p = 0; p < n; p++) {
            const float* row = &xc[(size_t)p * d];
            float a0 = 0, a1 = 0, a2 = 0;
#pragma omp simd reduction(+ : a0, a1, a2)
            for (int i = 0; i < d; i++) {
                a0 += row[i] * c0[i];
                a1 += row[i] * c1[i];
                a2 += row[i] * c2[i];
            }
            proj[p * 3] = a0; proj[p * 3 + 1] = a1; proj[p * 3 + 2] = a2;
        }
    };
    // Subspace iteration: basis <- orth(xc^T xc basis).
    std::vector<float> next((size_t)3 * d);
    const int iterations = warm ? 4 : 30;
    for (int it = 0; it < iterations; it++) {
        load_cols();
        project_rows();
        std::fill(next.begin(), next.end(), 0.0f);
        float *n0 = next.data(), *n1 = n0 + d, *n2 = n1 + d;
        for (int p = 0; p < n; p++) {
            const float* row = &xc[(size_t)p * d];
            const float q0 = proj[p * 3], q1 = proj[p * 3 + 1], q2 = proj[p * 3 + 2];
#pragma omp simd
            for (int i = 0; i < d; i++) {
                n0[i] += q0 * row[i];
                n1[i] += q1 * row[i];
                n2[i] += q2 * row[i];
            }
        }
        for (int i = 0; i < d; i++)
            for (int j = 0; j < 3; j++) basis_[i * 3 + j] = next[(size_t)j * d + i];
        orthonormalise(basis_, d);
    }
    load_cols();
    project_rows();
    out.assign(proj.begin(), proj.end());
    if (prev_n_ == n && prev_d_ == d && !previous_.empty()) {
        double R[9];
        procrustes3(out, previous_, n, R);
        for (int p = 0; p < n; p++) {
            float a0 = out[p * 3], a1 = out[p * 3 + 1], a2 = out[p * 3 + 2];
            for (int j = 0; j < 3; j++)
                out[p * 3 + j] = (float)(a0 * R[j] + a1 * R[3 + j] + a2 * R[6 + j]);
        }
        // Carry the turn into the basis too, so the next warm start agrees with this output.
        std::vector<double> turned((size_t)d * 3);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < 3; j++)
                turned[i * 3 + j] = basis_[i * 3] * R[j] + basis_[i * 3 + 1] * R[3 + j] +
                                    basis_[i * 3 + 2] * R[6 + j];
        basis_.swap(turned);
    }
    previous_ = out;
    prev_n_ = n;
    prev_d_ = d;
    return out;
}

}  // namespace nanogpt::viz::snapshot
