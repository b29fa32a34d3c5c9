// adamw.cpp: AdamW as PyTorch defines it, and the global gradient norm it is clipped by.
#include <algorithm>
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

namespace {
struct AdamWArgs {
    float lr, beta1, beta2, eps, weight_decay, grad_scale, c1, c2;
};

inline float adamw_one(float& param, float grad, float& m, float& v, const AdamWArgs& a) {
    float g = grad * a.grad_scale;
    float mi = a.beta1 * m + (1.0f - a.beta1) * g;
    float vi = a.beta2 * v + (1.0f - a.beta2) * g * g;
    m = mi;
    v = vi;
    float p = param * (1.0f - a.lr * a.weight_decay);  // decoupled decay, before the step
    float updated = p - a.lr * (mi / a.c1) / (std::sqrt(vi / a.c2) + a.eps);
    float delta = updated - param;
    param = updated;
    return delta;
}

// The same update, also accumulating TensorStats. The slabs are cut into blocks, all blocks of
// all slabs run in one parallel loop (one OpenMP region, not one per slab), each into its own
// partial, and the partials are merged in order: the statistics do not depend on the thread
// count either.
void adamw_with_stats(float* param, const float* grad, float* m, float* v, size_t n,
                      const AdamWArgs& a, TensorStats* stats, int slabs) {
    constexpr size_t kBlock = 16384;
    struct Work { int slab; size_t i0, i1; };
    std::vector<Work> work;
    for (int s = 0; s < slabs; s++) {
        size_t i0 = n * s / slabs, i1 = n * (s + 1) / slabs;
        for (size_t j = i0; j < i1; j += kBlock) work.push_back({s, j, std::min(i1, j + kBlock)});
    }
    std::vector<TensorStats> part(work.size());
#pragma omp parallel for schedule(static)
    for (size_t w = 0; w < work.size(); w++) {
        const Work& wk = work[w];
        const TensorStats& out = stats[wk.slab];
        const float lo = out.hist_lo, width = (out.hist_hi - out.hist_lo) / TensorStats::kBins;
        const float inv = width > 0 ? 1.0f / width : 0.0f;
        TensorStats& ps = part[w];
        ps.count = wk.i1 - wk.i0;
        // Two loops over the block (it stays in cache): the update with its sums, which
        // vectorises, then the histogram, counted into four interleaved sub-histograms so that
        // runs of equal bins do not serialise on one counter.
        float sum = 0, sumsq = 0, gsq = 0, usq = 0, mn = INFINITY, mx = -INFINITY;
#pragma omp simd reduction(+ : sum, sumsq, gsq, usq) reduction(min : mn) reduction(max : mx)
        for (size_t i = wk.i0; i < wk.i1; i++) {
            float raw = grad[i];
            float d = adamw_one(param[i], raw, m[i], v[i], a);
            float p = param[i];
            sum += p;
            sumsq += p * p;
            gsq += raw * raw;
            usq += d * d;
            mn = std::min(mn, p);
            mx = std::max(mx, p);
        }
        ps.sum = sum; ps.sumsq = sumsq; ps.grad_sumsq = gsq; ps.update_sumsq = usq;
        ps.min = mn; ps.max = mx;
        if (!out.want_hist) continue;
        uint32_t sub[4][TensorStats::kBins] = {};
        size_t i = wk.i0;
        auto bin_of = [&](float p) {
            float fb = (p - lo) * inv;
            return fb <= 0.0f ? 0 : fb >= (float)(TensorStats::kBins - 1) ? TensorStats::kBins - 1 : (int)fb;
        };
        for (; i + 4 <= wk.i1; i += 4) {
            sub[0][bin_of(param[i])]++;
            sub[1][bin_of(param[i + 1])]++;
            sub[2][bin_of(param[i + 2])]++;
            sub[3][bin_of(param[i + 3])]++;
        }
        for (; i < wk.i1; i++) sub[0][bin_of(param[i])]++;
        for (int k = 0; k < TensorStats::kBins; k++) ps.hist[k] = sub[0][k] + sub[1][k] + sub[2][k] + sub[3][k];
    }
    for (int s = 0; s < slabs; s++) {
        TensorStats& out = stats[s];
        out.sum = out.sumsq = out.grad_sumsq = out.update_sumsq = 0;
        out.count = 0;
        out.min = INFINITY;
        out.max = -INFINITY;
        for (int k = 0; k < TensorStats::kBins; k++) out.hist[k] = 0;
    }
    for (size_t w = 0; w < work.size(); w++) {
        TensorStats& out = stats[work[w].slab];
        const TensorStats& ps = part[w];
        out.sum += ps.sum; out.sumsq += ps.sumsq;
        out.grad_sumsq += ps.grad_sumsq; out.update_sumsq += ps.update_sumsq;
        out.count += ps.count;
        out.min = std::min(out.min, ps.min);
        out.max = std::max(out.max, ps.max);
        for (int k = 0; k < TensorStats::kBins; k++) out.hist[k] += ps.hist[k];
    }
}
}  // namespace

void CpuBackend::adamw_update(float* param, const float* grad, float* m, float* v, size_t n,
                              float lr, float beta1, float beta2, float eps, float weight_decay,
                              float grad_scale, int t, TensorStats* stats, int slabs) {
    const AdamWArgs a{lr, beta1, beta2, eps, weight_decay, grad_scale,
                      1.0f - std::pow(beta1, (float)t), 1.0f - std::pow(beta2, (float)t)};
    if (stats) {
        adamw_with_stats(param, grad, m, v, n, a, stats, slabs);
        return;
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) adamw_one(param[i], grad[i], m[i], v[i], a);
}

}  // namespace nanogpt
