// test_cuda_kernels_b.cpp: parity of the CUDA encoder, LayerNorm, element-wise, sum_squares and
// AdamW ops with the CPU backend (fp32 throughout, so per-tensor relative error < 1e-5).
//
// Shapes are deliberately awkward: n not a multiple of 4, C not a multiple of 32, buffers at an
// odd float offset (the scalar path of the float4 kernels). Every backward starts from random
// non-zero gradients, so an op that overwrote instead of adding would fail.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "tests/kernels/cuda_test_support.h"

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

constexpr double kTol = 1e-5;

std::vector<float> positive_vec(size_t n, uint64_t seed) {
    std::vector<float> v = random_vec(n, seed, 0.01f);
    for (float& x : v) x = x * x;  // second moments are never negative
    return v;
}

TEST(CudaKernelsB, EncoderForwardMatchesCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    const int B = 3, T = 17, C = 50, V = 37;
    auto tokens = random_tokens((size_t)B * T, V, 1);
    auto wte = random_vec((size_t)V * C, 2), wpe = random_vec((size_t)T * C, 3);
    std::vector<float> ref((size_t)B * T * C);
    cpu.encoder_forward(ref.data(), tokens.data(), wte.data(), wpe.data(), B, T, C);

    Buf out(gpu, random_vec(ref.size(), 4)), g_wte(gpu, wte), g_wpe(gpu, wpe);
    IntBuf g_tok(gpu, tokens);
    gpu.encoder_forward(out.p(), g_tok.p(), g_wte.p(), g_wpe.p(), B, T, C);
    EXPECT_LT(rel_err(out.get(), ref), kTol);
}

// A vocabulary of 5 tokens over 4 x 9 positions: every dwte row receives many updates.
TEST(CudaKernelsB, EncoderBackwardAccumulatesRepeatedTokens) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    const int B = 4, T = 9, C = 70, V = 5;
    auto tokens = random_tokens((size_t)B * T, V, 11);
    auto dout = random_vec((size_t)B * T * C, 12);
    auto dwte = random_vec((size_t)V * C, 13), dwpe = random_vec((size_t)T * C, 14);

    Buf g_dwte(gpu, dwte), g_dwpe(gpu, dwpe), g_dout(gpu, dout);
    IntBuf g_tok(gpu, tokens);
    cpu.encoder_backward(dwte.data(), dwpe.data(), dout.data(), tokens.data(), B, T, C);
    gpu.encoder_backward(g_dwte.p(), g_dwpe.p(), g_dout.p(), g_tok.p(), B, T, C);
    EXPECT_LT(rel_err(g_dwte.get(), dwte), kTol);
    EXPECT_LT(rel_err(g_dwpe.get(), dwpe), kTol);
}

struct Shape {
    int N, C;
};
// C = 100 and 33: not multiples of 32; N = 100 > 32 row groups in the parameter gradient.
const Shape kLayerNormShapes[] = {{37, 100}, {100, 33}, {4, 768}, {3, 7}};

TEST(CudaKernelsB, LayerNormForwardMatchesCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    for (Shape s : kLayerNormShapes) {
        SCOPED_TRACE(testing::Message() << "N=" << s.N << " C=" << s.C);
        const size_t NC = (size_t)s.N * s.C;
        auto inp = random_vec(NC, 21, 2.0f);
        for (size_t i = 0; i < NC; i++) inp[i] += 0.5f;  // a non-zero mean to remove
        auto w = random_vec(s.C, 22), b = random_vec(s.C, 23);
        std::vector<float> out(NC), mean(s.N), rstd(s.N);
        cpu.layernorm_forward(out.data(), mean.data(), rstd.data(), inp.data(), w.data(), b.data(),
                              s.N, s.C);

        Buf g_out(gpu, random_vec(NC, 24)), g_mean(gpu, random_vec(s.N, 25)),
            g_rstd(gpu, random_vec(s.N, 26)), g_inp(gpu, inp), g_w(gpu, w), g_b(gpu, b);
        gpu.layernorm_forward(g_out.p(), g_mean.p(), g_rstd.p(), g_inp.p(), g_w.p(), g_b.p(), s.N,
                              s.C);
        EXPECT_LT(rel_err(g_out.get(), out), kTol);
        EXPECT_LT(rel_err(g_mean.get(), mean), kTol);
        EXPECT_LT(rel_err(g_rstd.get(), rstd), kTol);
    }
}

TEST(CudaKernelsB, LayerNormBackwardAccumulatesLikeCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    for (Shape s : kLayerNormShapes) {
        SCOPED_TRACE(testing::Message() << "N=" << s.N << " C=" << s.C);
        const size_t NC = (size_t)s.N * s.C;
        auto inp = random_vec(NC, 31, 2.0f);
        auto w = random_vec(s.C, 32), b = random_vec(s.C, 33), dout = random_vec(NC, 34);
        std::vector<float> out(NC), mean(s.N), rstd(s.N);
        cpu.layernorm_forward(out.data(), mean.data(), rstd.data(), inp.data(), w.data(), b.data(),
                              s.N, s.C);
        auto dinp = random_vec(NC, 35), dw = random_vec(s.C, 36), db = random_vec(s.C, 37);

        Buf g_dinp(gpu, dinp), g_dw(gpu, dw), g_db(gpu, db), g_dout(gpu, dout), g_inp(gpu, inp),
            g_w(gpu, w), g_mean(gpu, mean), g_rstd(gpu, rstd);
        cpu.layernorm_backward(dinp.data(), dw.data(), db.data(), dout.data(), inp.data(),
                               w.data(), mean.data(), rstd.data(), s.N, s.C);
        gpu.layernorm_backward(g_dinp.p(), g_dw.p(), g_db.p(), g_dout.p(), g_inp.p(), g_w.p(),
                               g_mean.p(), g_rstd.p(), s.N, s.C);
        EXPECT_LT(rel_err(g_dinp.get(), dinp), kTol);
        EXPECT_LT(rel_err(g_dw.get(), dw), kTol);
        EXPECT_LT(rel_err(g_db.get(), db), kTol);
    }
}

// Element-wise ops run at offset 0 (float4 path plus a 3-element tail) and at offset 1 (the
// pointers are not 16-byte aligned: scalar path). Elements before the offset must stay as is.
constexpr size_t kN = 1003;
const size_t kOffsets[] = {0, 1};

TEST(CudaKernelsB, GeluForwardAndBackwardMatchCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    for (size_t off : kOffsets) {
        SCOPED_TRACE(testing::Message() << "offset " << off);
        const size_t len = kN + off;
        auto inp = random_vec(len, 41, 3.0f), out = random_vec(len, 42);
        auto dout = random_vec(len, 43), dinp = random_vec(len, 44);
        Buf g_inp(gpu, inp), g_out(gpu, out), g_dout(gpu, dout), g_dinp(gpu, dinp);

        cpu.gelu_forward(out.data() + off, inp.data() + off, kN);
        gpu.gelu_forward(g_out.p() + off, g_inp.p() + off, kN);
        EXPECT_LT(rel_err(g_out.get(), out), kTol);

        cpu.gelu_backward(dinp.data() + off, inp.data() + off, dout.data() + off, kN);
        gpu.gelu_backward(g_dinp.p() + off, g_inp.p() + off, g_dout.p() + off, kN);
        EXPECT_LT(rel_err(g_dinp.get(), dinp), kTol);
    }
}

TEST(CudaKernelsB, ResidualMatchesCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    for (size_t off : kOffsets) {
        SCOPED_TRACE(testing::Message() << "offset " << off);
        const size_t len = kN + off;
        auto a = random_vec(len, 51), b = random_vec(len, 52), out = random_vec(len, 53);
        Buf g_a(gpu, a), g_b(gpu, b), g_out(gpu, out);
        cpu.residual_forward(out.data() + off, a.data() + off, b.data() + off, kN);
        gpu.residual_forward(g_out.p() + off, g_a.p() + off, g_b.p() + off, kN);
        EXPECT_LT(rel_err(g_out.get(), out), kTol);
    }
}

// The mask is a pure function of (seed, index): the GPU must drop exactly the CPU's elements,
// and scale the kept ones by the same float, so the results are bit-identical.
TEST(CudaKernelsB, DropoutMasksAreBitIdenticalToCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    const Dropout drop{0.3f, 0x1234567ull};
    for (size_t off : kOffsets) {
        SCOPED_TRACE(testing::Message() << "offset " << off);
        const size_t len = kN + off;
        auto x = random_vec(len, 61), dx = random_vec(len, 62);
        Buf g_x(gpu, x), g_dx(gpu, dx);
        cpu.dropout_forward(x.data() + off, kN, drop);
        gpu.dropout_forward(g_x.p() + off, kN, drop);
        cpu.dropout_backward(dx.data() + off, kN, drop);
        gpu.dropout_backward(g_dx.p() + off, kN, drop);
        auto gx = g_x.get(), gdx = g_dx.get();
        EXPECT_EQ(0, std::memcmp(gx.data(), x.data(), len * sizeof(float)));
        EXPECT_EQ(0, std::memcmp(gdx.data(), dx.data(), len * sizeof(float)));
        size_t dropped = std::count(gx.begin() + off, gx.end(), 0.0f);
        EXPECT_GT(dropped, kN / 5);  // about 30%: the mask did something
        EXPECT_LT(dropped, kN / 2);
    }
    // Inactive dropout leaves the buffer alone.
    auto y = random_vec(kN, 63);
    Buf g_y(gpu, y);
    gpu.dropout_forward(g_y.p(), kN, Dropout{});
    auto gy = g_y.get();
    EXPECT_EQ(0, std::memcmp(gy.data(), y.data(), kN * sizeof(float)));
}

TEST(CudaKernelsB, SumSquaresIsExactAndRepeatable) {
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

TEST(CudaKernelsB, AdamWMatchesCpuOverSeveralSteps) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    const size_t n = 10007;
    const AdamWHyper h;
    auto p = random_vec(n, 81, 0.5f), m = random_vec(n, 82, 0.01f), v = positive_vec(n, 83);
    Buf g_p(gpu, p), g_m(gpu, m), g_v(gpu, v), g_g(gpu, n);
    for (int t = 1; t <= 5; t++) {
        auto g = random_vec(n, 90 + t, 0.05f);
        g_g.set(g);
        cpu.adamw_update(p.data(), g.data(), m.data(), v.data(), n, h.lr, h.beta1, h.beta2, h.eps,
                         h.wd, h.grad_scale, t, nullptr, 1);
        gpu.adamw_update(g_p.p(), g_g.p(), g_m.p(), g_v.p(), n, h.lr, h.beta1, h.beta2, h.eps,
                         h.wd, h.grad_scale, t, nullptr, 1);
    }
    EXPECT_LT(rel_err(g_p.get(), p), kTol);
    EXPECT_LT(rel_err(g_m.get(), m), kTol);
    EXPECT_LT(rel_err(g_v.get(), v), kTol);
}

// The CPU's bin formula (kernels/cpu/adamw.cpp), for the reference histograms.
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
    EXPECT_LT(rel_err(p, pc), kTol);

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
TEST(CudaKernelsB, AdamWStatisticsAreExactAndDoNotChangeTheUpdate) {
    SKIP_WITHOUT_GPU();
    check_adamw_statistics(100003, 3);
}

// Slabs that are exact multiples of the chunk, one slab, and slabs shorter than a chunk.
TEST(CudaKernelsB, AdamWStatisticsOnOtherSlabings) {
    SKIP_WITHOUT_GPU();
    check_adamw_statistics(4 * 8192, 4);
    check_adamw_statistics(20001, 1);
    check_adamw_statistics(7, 3);
}

}  // namespace
