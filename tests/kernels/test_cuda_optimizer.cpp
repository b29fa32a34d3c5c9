// test_cuda_optimizer.cpp: the CUDA optimizer's checks that are more than "matches the CPU"
// (the AdamW update itself is a row of test_backend_ops.cpp):
//   - global_norm.cu: sum_squares gives the same bits twice, agrees with an exact double sum to
//     1e-9 and with the CPU's (float blocks) to 1e-5;
//   - param_stats.cu: asking adamw_update for TensorStats leaves the update bit-identical, the
//     statistics are exact for the values the GPU wrote (count, min, max, histogram to the
//     count; sums to 1e-6) and agree with the CPU's within bin-edge rounding.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tests/kernels/cuda_test_support.h"

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

constexpr double kTol = 1e-5;

TEST(CudaGlobalNorm, SumSquaresIsExactAndRepeatable) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    for (size_t n : {size_t(1000003), size_t(5)}) {
        SCOPED_TRACE(testing::Message() << "n=" << n);
        auto x = random_vec(n, 71, 0.1f);
        double ref = 0;
        for (float v : x) ref += (double)v * v;
        Buf g_x(gpu, x);
        double first = gpu.sum_squares(g_x.p(), n), second = gpu.sum_squares(g_x.p(), n);
        EXPECT_EQ(first, second) << "sum_squares varies run to run";
        EXPECT_NEAR(first, ref, 1e-9 * ref);  // double accumulation: far below float rounding
        EXPECT_NEAR(first, cpu.sum_squares(x.data(), n), kTol * ref);
    }
    Buf empty(gpu, 1);
    EXPECT_EQ(gpu.sum_squares(empty.p(), 0), 0.0);
}

struct AdamWHyper {
    float lr = 1e-2f, beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f, wd = 0.1f, grad_scale = 0.7f;
};

// The CPU's bin formula (kernels/cpu/param_stats.cpp), for the reference histograms.
int cpu_bin(float p, const TensorStats& s) {
    const float width = (s.hist_hi - s.hist_lo) / TensorStats::kBins;
    const float inv = width > 0 ? 1.0f / width : 0.0f;
    float fb = (p - s.hist_lo) * inv;
    return fb <= 0.0f ? 0 : fb >= (float)(TensorStats::kBins - 1) ? TensorStats::kBins - 1 : (int)fb;
}

std::vector<TensorStats> fresh_stats(int slabs) {
    std::vector<TensorStats> st(slabs);
    for (int s = 0; s < slabs; s++) {
        st[s].hist_lo = -0.4f;  // parameters have sd 0.5: many land in the edge bins
        st[s].hist_hi = 0.4f;
    }
    if (slabs > 1) {
        st[1].hist_lo = -1.5f;  // each slab has its own edges
        st[1].hist_hi = 1.0f;
    }
    if (slabs > 2) st[2].want_hist = false;
    return st;
}

void check_adamw_statistics(size_t n, int slabs) {
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    const AdamWHyper h;
    const int t = 3;
    auto p0 = random_vec(n, 101, 0.5f), g = random_vec(n, 102, 0.05f);
    auto m0 = random_vec(n, 103, 0.01f), v0 = positive_vec(n, 104);

    // The same update with and without statistics: bit-identical parameters and moments.
    Buf pa(gpu, p0), ma(gpu, m0), va(gpu, v0), pb(gpu, p0), mb(gpu, m0), vb(gpu, v0), gg(gpu, g);
    std::vector<TensorStats> st = fresh_stats(slabs);
    gpu.adamw_update(pa.p(), gg.p(), ma.p(), va.p(), n, h.lr, h.beta1, h.beta2, h.eps, h.wd,
                     h.grad_scale, t, nullptr, 1);
    gpu.adamw_update(pb.p(), gg.p(), mb.p(), vb.p(), n, h.lr, h.beta1, h.beta2, h.eps, h.wd,
                     h.grad_scale, t, st.data(), slabs);
    auto p_plain = pa.get(), p = pb.get(), m_plain = ma.get(), m = mb.get(), v_plain = va.get(),
         v = vb.get();
    EXPECT_EQ(0, std::memcmp(p_plain.data(), p.data(), n * sizeof(float))) << "stats changed params";
    EXPECT_EQ(0, std::memcmp(m_plain.data(), m.data(), n * sizeof(float))) << "stats changed m";
    EXPECT_EQ(0, std::memcmp(v_plain.data(), v.data(), n * sizeof(float))) << "stats changed v";

    // The CPU's statistics on the same inputs.
    std::vector<float> pc = p0, mc = m0, vc = v0;
    std::vector<TensorStats> sc = fresh_stats(slabs);
    cpu.adamw_update(pc.data(), g.data(), mc.data(), vc.data(), n, h.lr, h.beta1, h.beta2, h.eps,
                     h.wd, h.grad_scale, t, sc.data(), slabs);
    EXPECT_LT(rel_error(p, pc), kTol);

    for (int s = 0; s < slabs; s++) {
        SCOPED_TRACE(testing::Message() << "slab " << s << " of " << slabs);
        const size_t i0 = n * s / slabs, i1 = n * (s + 1) / slabs;
        // Exact reference from the GPU's own updated values.
        double sum = 0, abs_sum = 0, sumsq = 0, gsq = 0, usq = 0;
        float mn = INFINITY, mx = -INFINITY;
        uint32_t hist[TensorStats::kBins] = {};
        for (size_t i = i0; i < i1; i++) {
            float d = p[i] - p0[i];
            sum += p[i];
            abs_sum += std::fabs(p[i]);
            sumsq += (double)p[i] * p[i];
            gsq += (double)g[i] * g[i];
            usq += (double)d * d;
            mn = std::min(mn, p[i]);
            mx = std::max(mx, p[i]);
            hist[cpu_bin(p[i], st[s])]++;
        }
        const TensorStats& r = st[s];
        EXPECT_EQ(r.count, i1 - i0);
        EXPECT_EQ(r.min, mn);
        EXPECT_EQ(r.max, mx);
        EXPECT_NEAR(r.sum, sum, 1e-6 * abs_sum);  // relative to the magnitude: sum cancels
        EXPECT_NEAR(r.sumsq, sumsq, 1e-6 * sumsq);
        EXPECT_NEAR(r.grad_sumsq, gsq, 1e-6 * gsq);
        EXPECT_NEAR(r.update_sumsq, usq, 1e-6 * usq);
        EXPECT_EQ(r.hist_lo, sc[s].hist_lo) << "caller's edges overwritten";
        EXPECT_EQ(r.hist_hi, sc[s].hist_hi) << "caller's edges overwritten";
        uint64_t total = 0;
        for (int k = 0; k < TensorStats::kBins; k++) {
            total += r.hist[k];
            // Same values, same float formula: the same bins.
            if (r.want_hist) {
                EXPECT_EQ(r.hist[k], hist[k]) << "bin " << k;
            }
        }
        EXPECT_EQ(total, r.want_hist ? i1 - i0 : 0u);

        // Against the CPU backend: its parameters may differ by an ulp (it is compiled with FMA
        // contraction), so a value within an ulp of a bin edge may land one bin over, and an
        // ulp on the parameter is a large relative change of the small update (new - old).
        const TensorStats& c = sc[s];
        EXPECT_EQ(r.count, c.count);
        EXPECT_NEAR(r.min, c.min, 1e-6 * std::fabs(c.min));
        EXPECT_NEAR(r.max, c.max, 1e-6 * std::fabs(c.max));
        EXPECT_NEAR(r.sum, c.sum, 1e-5 * abs_sum);
        EXPECT_NEAR(r.sumsq, c.sumsq, 1e-5 * c.sumsq);
        EXPECT_NEAR(r.grad_sumsq, c.grad_sumsq, 1e-5 * c.grad_sumsq);
        EXPECT_NEAR(r.update_sumsq, c.update_sumsq, 1e-3 * c.update_sumsq);
        uint64_t moved = 0;
        for (int k = 0; k < TensorStats::kBins; k++)
            moved += (uint64_t)std::llabs((long long)r.hist[k] - (long long)c.hist[k]);
        EXPECT_LE(moved, 8u) << "histogram differs from the CPU's beyond bin-edge rounding";
    }
}

// 100003 / 3: several 8192-element chunks per slab and a ragged last chunk.
TEST(CudaParamStats, AdamWStatisticsAreExactAndDoNotChangeTheUpdate) {
    SKIP_WITHOUT_GPU();
    check_adamw_statistics(100003, 3);
}

// Slabs that are exact multiples of the chunk, one slab, and slabs shorter than a chunk.
TEST(CudaParamStats, AdamWStatisticsOnOtherSlabings) {
    SKIP_WITHOUT_GPU();
    check_adamw_statistics(4 * 8192, 4);
    check_adamw_statistics(20001, 1);
    check_adamw_statistics(7, 3);
}

}  // namespace
