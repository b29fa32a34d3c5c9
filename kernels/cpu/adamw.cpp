// adamw.cpp: AdamW as PyTorch defines it, with the dashboard's statistics gathered in the same
// pass when asked (the one dashboard-shaped slot of backend.h; see TensorStats there). The
// global gradient norm the update is clipped by is global_norm.cpp; the statistics' blocks,
// histogram and merge are param_stats.cpp.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/param_stats.h"

namespace nanogpt {

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

// The same update, also accumulating TensorStats. All blocks of all slabs (cpu::stats_blocks)
// run in one parallel loop (one OpenMP region, not one per slab), each into its own partial,
// merged in order afterwards: the statistics do not depend on the thread count either.
void adamw_with_stats(float* param, const float* grad, float* m, float* v, size_t n,
                      const AdamWArgs& a, TensorStats* stats, int slabs) {
    const std::vector<cpu::StatsBlock> blocks = cpu::stats_blocks(n, slabs);
    std::vector<TensorStats> part(blocks.size());
#pragma omp parallel for schedule(static)
    for (size_t w = 0; w < blocks.size(); w++) {
        const cpu::StatsBlock& wk = blocks[w];
        TensorStats& ps = part[w];
        ps.count = wk.i1 - wk.i0;
        // Two loops over the block (it stays in cache): the update with its sums, which
        // vectorises, then the histogram.
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
        const TensorStats& out = stats[wk.slab];
        if (out.want_hist) cpu::count_histogram(param, wk.i0, wk.i1, out, ps.hist);
    }
    cpu::merge_block_stats(stats, slabs, blocks, part);
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
