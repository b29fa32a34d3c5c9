// test_cpu_kernels.cpp: CPU backend ops that the PyTorch check cannot see on its own:
// results independent of the thread count, and dropout masks.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "common/counter_rng.h"
#include "kernels/cpu/cpu_backend.h"

using namespace nanogpt;

namespace {

std::vector<float> random_vec(size_t n, uint64_t seed, float scale = 1.0f) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) v[i] = (uniform_at(seed, i) - 0.5f) * 2.0f * scale;
    return v;
}

// Runs f with 1 thread and with 4 threads; the outputs must be bit-identical.
void expect_thread_independent(const std::function<std::vector<float>()>& f) {
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    std::vector<float> one = f();
    omp_set_num_threads(4);
    std::vector<float> four = f();
    omp_set_num_threads(saved);
    ASSERT_EQ(one.size(), four.size());
    EXPECT_EQ(0, std::memcmp(one.data(), four.data(), one.size() * sizeof(float)));
}

TEST(CpuKernels, BackwardReductionsDoNotDependOnThreadCount) {
    CpuBackend be;
    const int B = 3, T = 17, C = 96, NH = 4, V = 50;
    std::vector<int> tokens(B * T);
    for (int i = 0; i < B * T; i++) tokens[i] = (i * 11) % V;
    auto dout = random_vec((size_t)B * T * C, 1);
    auto inp = random_vec((size_t)B * T * C, 2);
    expect_thread_independent([&] {
        std::vector<float> dwte((size_t)V * C), dwpe((size_t)T * C);
        be.encoder_backward(dwte.data(), dwpe.data(), dout.data(), tokens.data(), B, T, C);
        dwte.insert(dwte.end(), dwpe.begin(), dwpe.end());
        return dwte;
    });
    expect_thread_independent([&] {
        std::vector<float> w = random_vec(C, 3), mean(B * T), rstd(B * T), out(inp.size());
        std::vector<float> b(C, 0.1f), dinp(inp.size()), dw(C), db(C);
        be.layernorm_forward(out.data(), mean.data(), rstd.data(), inp.data(), w.data(), b.data(), B * T, C);
        be.layernorm_backward(dinp.data(), dw.data(), db.data(), dout.data(), inp.data(), w.data(),
                              mean.data(), rstd.data(), B * T, C);
        dinp.insert(dinp.end(), dw.begin(), dw.end());
        dinp.insert(dinp.end(), db.begin(), db.end());
        return dinp;
    });
    expect_thread_independent([&] {
        auto qkv = random_vec((size_t)B * T * 3 * C, 4);
        std::vector<float> out((size_t)B * T * C), att((size_t)B * NH * T * T);
        std::vector<float> dqkv(qkv.size()), scratch(att.size());
        Dropout d{0.2f, 77};
        be.attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH, d);
        be.attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(), att.data(), B, T,
                              C, NH, d);
        out.insert(out.end(), dqkv.begin(), dqkv.end());
        return out;
    });
    expect_thread_independent([&] {
        auto x = random_vec(100000, 5);
        return std::vector<float>{(float)be.sum_squares(x.data(), x.size())};
    });
}

TEST(CpuKernels, AttentionIsCausalAndRowsSumToOne) {
    CpuBackend be;
    const int B = 1, T = 9, C = 8, NH = 2;
    auto qkv = random_vec((size_t)B * T * 3 * C, 9, 3.0f);
    std::vector<float> out((size_t)B * T * C), att((size_t)B * NH * T * T);
    be.attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH, Dropout{});
    for (int h = 0; h < NH; h++)
        for (int t = 0; t < T; t++) {
            double sum = 0.0;
            for (int t2 = 0; t2 < T; t2++) {
                float a = att[((size_t)h * T + t) * T + t2];
                if (t2 > t) {
                    EXPECT_EQ(a, 0.0f) << "future position " << t2 << " seen from " << t;
                }
                sum += a;
            }
            EXPECT_NEAR(sum, 1.0, 1e-5);
        }
    // Changing a future token's key and value must not change earlier outputs.
    auto qkv2 = qkv;
    for (int c = C; c < 3 * C; c++) qkv2[(size_t)(T - 1) * 3 * C + c] += 5.0f;
    std::vector<float> out2(out.size());
    be.attention_forward(out2.data(), att.data(), qkv2.data(), B, T, C, NH, Dropout{});
    EXPECT_EQ(0, std::memcmp(out.data(), out2.data(), (size_t)(T - 1) * C * sizeof(float)));
}

TEST(CpuKernels, DropoutKeepsTheRightFractionAndScales) {
    CpuBackend be;
    const size_t n = 200000;
    std::vector<float> x(n, 1.0f);
    be.dropout_forward(x.data(), n, Dropout{0.25f, 3});
    size_t kept = 0;
    for (float v : x) {
        if (v != 0.0f) {
            kept++;
            EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
        }
    }
    EXPECT_NEAR((double)kept / n, 0.75, 0.005);
    // Backward applies the same mask: where forward dropped, the gradient is zero.
    std::vector<float> g(n, 1.0f);
    be.dropout_backward(g.data(), n, Dropout{0.25f, 3});
    EXPECT_EQ(0, std::memcmp(g.data(), x.data(), n * sizeof(float)));
    // A different seed, a different mask.
    std::vector<float> y(n, 1.0f);
    be.dropout_forward(y.data(), n, Dropout{0.25f, 4});
    EXPECT_NE(0, std::memcmp(y.data(), x.data(), n * sizeof(float)));
}

TEST(CpuKernels, CrossEntropyIgnoresPaddingAndGivesSoftmaxGradient) {
    CpuBackend be;
    const int N = 2, V = 3, Vp = 4;
    std::vector<float> logits = {1, 2, 3, 100, 0, 0, 0, -100};  // padding column is huge
    std::vector<int> targets = {2, 0};
    std::vector<float> losses(N);
    be.crossentropy_forward_backward(logits.data(), losses.data(), targets.data(), N, V, Vp, 1.0f);
    double z = std::exp(1) + std::exp(2) + std::exp(3);
    EXPECT_NEAR(losses[0], std::log(z) - 3, 1e-6);
    EXPECT_NEAR(losses[1], std::log(3.0), 1e-6);
    EXPECT_NEAR(logits[2], std::exp(3) / z - 1, 1e-6);
    EXPECT_EQ(logits[3], 0.0f);
    EXPECT_EQ(logits[7], 0.0f);
    EXPECT_NEAR(logits[4], 1.0 / 3 - 1, 1e-6);
}

}  // namespace

namespace {

// The dashboard's statistics come out of the AdamW pass: they must be right, and asking for
// them must not change the update (a run with the dashboard on trains exactly as one without).
TEST(CpuKernels, AdamWStatisticsAreExactAndDoNotChangeTheUpdate) {
    CpuBackend be;
    const size_t n = 100003;  // not a multiple of the block size
    const int slabs = 3;
    auto p0 = random_vec(n, 31, 0.5f), g = random_vec(n, 32, 0.01f);
    std::vector<float> pa = p0, pb = p0, ma(n), va(n), mb(n), vb(n);
    std::vector<TensorStats> st(slabs);
    for (auto& s : st) { s.hist_lo = -0.4f; s.hist_hi = 0.4f; }
    st[2].want_hist = false;
    be.adamw_update(pa.data(), g.data(), ma.data(), va.data(), n, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, 3, nullptr, 1);
    be.adamw_update(pb.data(), g.data(), mb.data(), vb.data(), n, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.5f, 3, st.data(), slabs);
    EXPECT_EQ(0, std::memcmp(pa.data(), pb.data(), n * sizeof(float))) << "statistics changed the update";
    for (int s = 0; s < slabs; s++) {
        size_t i0 = n * s / slabs, i1 = n * (s + 1) / slabs;
        double sum = 0, sumsq = 0, gsq = 0, usq = 0;
        float mn = INFINITY, mx = -INFINITY;
        uint32_t hist[TensorStats::kBins] = {};
        for (size_t i = i0; i < i1; i++) {
            sum += pb[i];
            sumsq += (double)pb[i] * pb[i];
            gsq += (double)g[i] * g[i];
            usq += (double)(pb[i] - p0[i]) * (pb[i] - p0[i]);
            mn = std::min(mn, pb[i]);
            mx = std::max(mx, pb[i]);
            int bin = (int)std::floor((pb[i] + 0.4f) / 0.8f * TensorStats::kBins);
            hist[std::clamp(bin, 0, TensorStats::kBins - 1)]++;
        }
        EXPECT_EQ(st[s].count, i1 - i0);
        EXPECT_NEAR(st[s].sum, sum, 1e-3 * std::fabs(sumsq));
        EXPECT_NEAR(st[s].sumsq, sumsq, 1e-5 * sumsq);
        EXPECT_NEAR(st[s].grad_sumsq, gsq, 1e-5 * gsq);
        EXPECT_NEAR(st[s].update_sumsq, usq, 1e-3 * usq);
        EXPECT_EQ(st[s].min, mn);
        EXPECT_EQ(st[s].max, mx);
        uint64_t total = 0, off = 0;
        for (int k = 0; k < TensorStats::kBins; k++) {
            total += st[s].hist[k];
            off += (uint64_t)std::abs((int64_t)st[s].hist[k] - hist[k]);
        }
        if (s < 2) {
            EXPECT_EQ(total, i1 - i0);
            EXPECT_LE(off, 4u) << "histogram differs beyond bin-edge rounding";
        } else {
            EXPECT_EQ(total, 0u) << "histogram counted although not asked for";
        }
    }
}

}  // namespace
