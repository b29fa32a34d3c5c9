// attention.cpp: causal multi-head self-attention on a packed qkv(B,T,3C) buffer.
//
// Work is split over (batch, head) pairs: each pair owns its slice of out and of dqkv, so
// backward needs no atomics and sums in a fixed order. The probabilities att(B,NH,T,T) are
// stored before dropout; the dropout mask is regenerated from its seed in backward, with
// element index ((b*NH + h)*T + t)*T + t2.
#include <cmath>

#include "common/counter_rng.h"
#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

void CpuBackend::attention_forward(float* out, float* att, const float* qkv, int B, int T, int C,
                                   int NH, Dropout drop) {
    const int hs = C / NH;
    const size_t C3 = (size_t)3 * C;
    const float scale = 1.0f / std::sqrt((float)hs);
    const float keep_scale = drop.active() ? 1.0f / (1.0f - drop.p) : 1.0f;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < NH; h++) {
            const float* base = qkv + (size_t)b * T * C3 + (size_t)h * hs;
            for (int t = 0; t < T; t++) {
                const float* q = base + t * C3;
                size_t row_index = (((size_t)b * NH + h) * T + t) * T;
                float* a = att + row_index;
                float maxv = -INFINITY;
                for (int t2 = 0; t2 <= t; t2++) {
                    const float* k = base + t2 * C3 + C;
                    float dot = 0.0f;
                    for (int i = 0; i < hs; i++) dot += q[i] * k[i];
                    dot *= scale;
                    a[t2] = dot;
                    if (dot > maxv) maxv = dot;
                }
                float sum = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    float e = std::exp(a[t2] - maxv);
                    a[t2] = e;
                    sum += e;
                }
                float inv = 1.0f / sum;
                for (int t2 = 0; t2 <= t; t2++) a[t2] *= inv;
                for (int t2 = t + 1; t2 < T; t2++) a[t2] = 0.0f;

                float* o = out + ((size_t)b * T + t) * C + (size_t)h * hs;
                for (int i = 0; i < hs; i++) o[i] = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) {
                    float w = a[t2];
                    if (drop.active())
                        w = dropout_keep(drop.seed, drop.offset + row_index + t2, drop.p) ? w * keep_scale : 0.0f;
                    const float* v = base + t2 * C3 + 2 * C;
                    for (int i = 0; i < hs; i++) o[i] += w * v[i];
                }
            }
        }
    }
}

void CpuBackend::attention_backward(float* dqkv, float* scratch, const float* dout,
                                    const float* qkv, const float* att, int B, int T, int C,
                                    int NH, Dropout drop) {
    const int hs = C / NH;
    const size_t C3 = (size_t)3 * C;
    const float scale = 1.0f / std::sqrt((float)hs);
    const float keep_scale = drop.active() ? 1.0f / (1.0f - drop.p) : 1.0f;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < NH; h++) {
            const float* base = qkv + (size_t)b * T * C3 + (size_t)h * hs;
            float* dbase = dqkv + (size_t)b * T * C3 + (size_t)h * hs;
            for (int t = 0; t < T; t++) {
                size_t row_index = (((size_t)b * NH + h) * T + t) * T;
                const float* a = att + row_index;
                float* da = scratch + row_index;
                const float* d = dout + ((size_t)b * T + t) * C + (size_t)h * hs;
                // Through out = dropout(att) @ v: gradients of the probabilities and of v.
                for (int t2 = 0; t2 <= t; t2++) {
                    const float* v = base + t2 * C3 + 2 * C;
                    float* dv = dbase + t2 * C3 + 2 * C;
                    float m = 1.0f;
                    if (drop.active())
                        m = dropout_keep(drop.seed, drop.offset + row_index + t2, drop.p) ? keep_scale : 0.0f;
                    float w = a[t2] * m;
                    float dot = 0.0f;
                    for (int i = 0; i < hs; i++) {
                        dot += d[i] * v[i];
                        dv[i] += w * d[i];
                    }
                    da[t2] = dot * m;
                }
                // Through the softmax: dpre = att * (datt - sum(att * datt)).
                float s = 0.0f;
                for (int t2 = 0; t2 <= t; t2++) s += a[t2] * da[t2];
                const float* q = base + t * C3;
                float* dq = dbase + t * C3;
                for (int t2 = 0; t2 <= t; t2++) {
                    float dpre = a[t2] * (da[t2] - s) * scale;
                    const float* k = base + t2 * C3 + C;
                    float* dk = dbase + t2 * C3 + C;
                    for (int i = 0; i < hs; i++) {
                        dq[i] += dpre * k[i];
                        dk[i] += dpre * q[i];
                    }
                }
            }
        }
    }
}

}  // namespace nanogpt
