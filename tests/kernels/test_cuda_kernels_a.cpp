// test_cuda_kernels_a.cpp: the CUDA backend's memory, matmul, attention and cross-entropy
// against the CPU reference on random inputs.
//
// Each op runs on both backends from the same inputs; outputs the op overwrites are poisoned
// with NaN first (an element left unwritten fails the comparison), and gradients start from
// random non-zero values (a "+=" done as "=" fails it). Tolerance is rel_err (max abs error
// over max abs reference) per precision of the matrix products. Without a GPU these tests
// skip, except the ones that check that having no GPU is handled cleanly.
#include <cstring>
#include <limits>
#include <string>

#include "common/error.h"
#include "tests/kernels/cuda_test_support.h"

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

const Precision kPrecisions[] = {Precision::fp32, Precision::tf32, Precision::bf16};

double tolerance(Precision p) {
    switch (p) {
        case Precision::fp32: return 1e-5;
        case Precision::tf32: return 2e-3;
        case Precision::bf16: return 1e-2;
    }
    return 0;
}

std::vector<float> nan_vec(size_t n) {
    return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN());
}

#define EXPECT_CLOSE(got, ref, tol) \
    EXPECT_LT(rel_err(got, ref), tol) << #got " vs " #ref

// ---------------------------------------------------------------- no GPU needed

TEST(CudaNoGpu, DeviceCountIsZeroOrMoreAndNeverThrows) {
    int n = -1;
    EXPECT_NO_THROW(n = cuda_device_count());
    EXPECT_GE(n, 0);
    EXPECT_EQ(n, cuda_device_count());  // a failed first query leaves no sticky error behind
}

TEST(CudaNoGpu, MissingDeviceIsAClearError) {
    // Device index == count never exists: with no GPU that is device 0.
    const int n = cuda_device_count();
    try {
        CudaBackend be(Precision::fp32, n);
        FAIL() << "constructing a backend on a missing device must throw";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not available"), std::string::npos) << e.what();
        EXPECT_FALSE(e.hint().empty());
    }
    EXPECT_THROW(CudaBackend(Precision::bf16, -1), Error);
}

TEST(CudaNoGpu, PrecisionNamesRoundTrip) {
    for (Precision p : kPrecisions) EXPECT_EQ(p, parse_precision(precision_name(p)));
    EXPECT_STREQ("bf16", precision_name(Precision::bf16));
    EXPECT_THROW(parse_precision("fp16"), Error);
    EXPECT_THROW(parse_precision(""), Error);
}

// ---------------------------------------------------------------- memory

TEST(CudaMemory, BuffersStartZeroAndRoundTrip) {
    SKIP_WITHOUT_GPU();
    CudaBackend be(Precision::fp32);
    Buf a(be, 1000);
    EXPECT_EQ(a.get(), std::vector<float>(1000, 0.0f));
    auto h = random_vec(1000, 1);
    a.set(h);
    EXPECT_EQ(a.get(), h);
    Buf b(be, 1000);
    be.copy(b.p(), a.p(), 1000);
    EXPECT_EQ(b.get(), h);
    be.zero(b.p() + 10, 990);
    auto z = b.get();
    EXPECT_EQ(std::vector<float>(h.begin(), h.begin() + 10), std::vector<float>(z.begin(), z.begin() + 10));
    EXPECT_EQ(std::vector<float>(990, 0.0f), std::vector<float>(z.begin() + 10, z.end()));

    int* ints = be.alloc_ints(7);
    std::vector<int> back(7, -1);
    be.to_host(back.data(), ints, 7 * sizeof(int));
    EXPECT_EQ(back, std::vector<int>(7, 0));
    be.release(ints);
    be.synchronize();
    EXPECT_FALSE(be.device_name().empty());
    EXPECT_GT(be.sm_clock_mhz(), 0);
}

// ---------------------------------------------------------------- matmul

struct MatmulShape {
    int N, C, OC;
};
const MatmulShape kMatmulShapes[] = {{1, 1, 1}, {37, 24, 53}, {64, 128, 96}, {130, 77, 200}};

TEST(CudaMatmul, ForwardMatchesCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    for (Precision prec : kPrecisions) {
        CudaBackend gpu(prec);
        for (auto [N, C, OC] : kMatmulShapes) {
            for (bool with_bias : {true, false}) {
                SCOPED_TRACE(std::string(precision_name(prec)) + " N=" + std::to_string(N) +
                             " C=" + std::to_string(C) + " OC=" + std::to_string(OC) +
                             (with_bias ? " bias" : " no bias"));
                auto inp = random_vec((size_t)N * C, 10);
                auto w = random_vec((size_t)OC * C, 11);
                auto bias = random_vec(OC, 12);
                std::vector<float> ref((size_t)N * OC);
                cpu.matmul_forward(ref.data(), inp.data(), w.data(), with_bias ? bias.data() : nullptr,
                                   N, C, OC);
                Buf d_inp(gpu, inp), d_w(gpu, w), d_bias(gpu, bias), d_out(gpu, nan_vec(ref.size()));
                gpu.matmul_forward(d_out.p(), d_inp.p(), d_w.p(), with_bias ? d_bias.p() : nullptr, N,
                                   C, OC);
                EXPECT_CLOSE(d_out.get(), ref, tolerance(prec));
            }
        }
    }
}

// Weights are views into one parameter slab, so pointers may be only 4-byte aligned.
TEST(CudaMatmul, ForwardAcceptsUnalignedPointers) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    const int N = 33, C = 40, OC = 72;
    auto inp = random_vec((size_t)N * C, 20);
    auto w = random_vec((size_t)OC * C, 21);
    auto bias = random_vec(OC, 22);
    std::vector<float> ref((size_t)N * OC);
    cpu.matmul_forward(ref.data(), inp.data(), w.data(), bias.data(), N, C, OC);
    for (Precision prec : kPrecisions) {
        SCOPED_TRACE(precision_name(prec));
        CudaBackend gpu(prec);
        // One buffer holding every operand at odd float offsets.
        const size_t o_inp = 1, o_w = o_inp + inp.size() + 1, o_b = o_w + w.size() + 3,
                     o_out = o_b + bias.size() + 1, total = o_out + ref.size() + 1;
        std::vector<float> slab = nan_vec(total);
        std::copy(inp.begin(), inp.end(), slab.begin() + o_inp);
        std::copy(w.begin(), w.end(), slab.begin() + o_w);
        std::copy(bias.begin(), bias.end(), slab.begin() + o_b);
        Buf d(gpu, slab);
        gpu.matmul_forward(d.p() + o_out, d.p() + o_inp, d.p() + o_w, d.p() + o_b, N, C, OC);
        auto got = d.get();
        EXPECT_CLOSE(std::vector<float>(got.begin() + o_out, got.begin() + o_out + ref.size()), ref,
                     tolerance(prec));
    }
}

TEST(CudaMatmul, BackwardAccumulatesLikeCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    for (Precision prec : kPrecisions) {
        CudaBackend gpu(prec);
        for (auto [N, C, OC] : kMatmulShapes) {
            for (bool with_bias : {true, false}) {
                SCOPED_TRACE(std::string(precision_name(prec)) + " N=" + std::to_string(N) +
                             " C=" + std::to_string(C) + " OC=" + std::to_string(OC) +
                             (with_bias ? " bias" : " no bias"));
                auto inp = random_vec((size_t)N * C, 30);
                auto w = random_vec((size_t)OC * C, 31);
                auto dout = random_vec((size_t)N * OC, 32);
                auto dinp = random_vec(inp.size(), 33);  // earlier gradients: must be added to
                auto dw = random_vec(w.size(), 34);
                auto db = random_vec(OC, 35);
                Buf g_inp(gpu, inp), g_w(gpu, w), g_dout(gpu, dout), g_dinp(gpu, dinp),
                    g_dw(gpu, dw), g_db(gpu, db);
                gpu.matmul_backward(g_dinp.p(), g_dw.p(), with_bias ? g_db.p() : nullptr,
                                    g_dout.p(), g_inp.p(), g_w.p(), N, C, OC);
                cpu.matmul_backward(dinp.data(), dw.data(), with_bias ? db.data() : nullptr,
                                    dout.data(), inp.data(), w.data(), N, C, OC);
                EXPECT_CLOSE(g_dinp.get(), dinp, tolerance(prec));
                EXPECT_CLOSE(g_dw.get(), dw, tolerance(prec));
                // The bias gradient is an fp32 sum in every precision.
                EXPECT_CLOSE(g_db.get(), db, 1e-5);  // untouched when with_bias is false
            }
        }
    }
}

// ---------------------------------------------------------------- attention

struct AttentionShape {
    int B, T, C, NH;
};
const AttentionShape kAttentionShapes[] = {
    {2, 1, 16, 2},    // T = 1: one key per query
    {2, 37, 48, 4},   // T odd, hs = 12
    {1, 64, 64, 1},   // one head
    {3, 100, 96, 3},  // T > 64, not a power of two, hs = 32
};

TEST(CudaAttention, ForwardAndBackwardMatchCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    for (Precision prec : kPrecisions) {
        CudaBackend gpu(prec);
        for (auto [B, T, C, NH] : kAttentionShapes) {
            for (Dropout drop : {Dropout{0.0f, 0}, Dropout{0.25f, 987654321}}) {
                SCOPED_TRACE(std::string(precision_name(prec)) + " B=" + std::to_string(B) +
                             " T=" + std::to_string(T) + " C=" + std::to_string(C) +
                             " NH=" + std::to_string(NH) + " p=" + std::to_string(drop.p));
                const size_t n_out = (size_t)B * T * C, n_att = (size_t)B * NH * T * T;
                auto qkv = random_vec(3 * n_out, 40);
                auto dout = random_vec(n_out, 41);
                auto dqkv = random_vec(3 * n_out, 42);  // earlier gradient: must be added to

                std::vector<float> out = nan_vec(n_out), att = nan_vec(n_att), scratch = nan_vec(n_att);
                Buf g_qkv(gpu, qkv), g_dout(gpu, dout), g_dqkv(gpu, dqkv), g_out(gpu, out),
                    g_att(gpu, att), g_scratch(gpu, scratch);
                cpu.attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH, drop);
                gpu.attention_forward(g_out.p(), g_att.p(), g_qkv.p(), B, T, C, NH, drop);
                auto got_att = g_att.get();
                EXPECT_CLOSE(g_out.get(), out, tolerance(prec));
                EXPECT_CLOSE(got_att, att, tolerance(prec));
                // Causal: exact zeros above the diagonal (not merely small values).
                size_t nonzero_future = 0;
                for (size_t row = 0; row < (size_t)B * NH * T; row++)
                    for (int t2 = (int)(row % T) + 1; t2 < T; t2++)
                        nonzero_future += got_att[row * T + t2] != 0.0f;
                EXPECT_EQ(0u, nonzero_future);

                cpu.attention_backward(dqkv.data(), scratch.data(), dout.data(), qkv.data(),
                                       att.data(), B, T, C, NH, drop);
                gpu.attention_backward(g_dqkv.p(), g_scratch.p(), g_dout.p(), g_qkv.p(), g_att.p(),
                                       B, T, C, NH, drop);
                EXPECT_CLOSE(g_dqkv.get(), dqkv, tolerance(prec));
            }
        }
    }
}

// Dropout must drop exactly the CPU's elements: with p = 0.5 a different mask would change
// the output by far more than any rounding, so fp32 at 1e-5 pins the mask down.
TEST(CudaAttention, DropoutMaskIsTheCpuMask) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    const int B = 2, T = 20, C = 32, NH = 2;
    const size_t n_out = (size_t)B * T * C, n_att = (size_t)B * NH * T * T;
    auto qkv = random_vec(3 * n_out, 50);
    Buf g_qkv(gpu, qkv), g_out(gpu, nan_vec(n_out)), g_att(gpu, nan_vec(n_att));
    for (uint64_t seed : {1ull, 2ull, 0xFFFFFFFFFFull}) {
        SCOPED_TRACE(seed);
        Dropout drop{0.5f, seed};
        std::vector<float> out(n_out), att(n_att);
        cpu.attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH, drop);
        gpu.attention_forward(g_out.p(), g_att.p(), g_qkv.p(), B, T, C, NH, drop);
        EXPECT_CLOSE(g_out.get(), out, 1e-5);
    }
}

// ---------------------------------------------------------------- cross-entropy

struct CeShape {
    int N, V, Vp;
};
const CeShape kCeShapes[] = {{1, 1, 1}, {7, 1000, 1024}, {5, 100, 100}, {3, 50257, 50304}};

TEST(CudaCrossEntropy, LossAndGradientMatchCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::bf16);  // the precision does not touch this fp32 kernel
    for (auto [N, V, Vp] : kCeShapes) {
        SCOPED_TRACE("N=" + std::to_string(N) + " V=" + std::to_string(V) + " Vp=" + std::to_string(Vp));
        auto logits = random_vec((size_t)N * Vp, 60, 3.0f);
        for (int i = 0; i < N; i++)  // padding holds garbage: it must be ignored, then zeroed
            for (int j = V; j < Vp; j++) logits[(size_t)i * Vp + j] = std::numeric_limits<float>::quiet_NaN();
        auto targets = random_tokens(N, V, 61);
        IntBuf g_targets(gpu, targets);

        // Loss only (dloss = 0): logits are left exactly as they were.
        {
            std::vector<float> losses = nan_vec(N), in = logits;
            cpu.crossentropy_forward_backward(in.data(), losses.data(), targets.data(), N, V, Vp, 0.0f);
            Buf g_logits(gpu, logits), g_losses(gpu, nan_vec(N));
            gpu.crossentropy_forward_backward(g_logits.p(), g_losses.p(), g_targets.p(), N, V, Vp, 0.0f);
            EXPECT_CLOSE(g_losses.get(), losses, 1e-5);
            auto after = g_logits.get();
            EXPECT_EQ(0, std::memcmp(after.data(), logits.data(), logits.size() * sizeof(float)));
        }
        // Loss and gradient in place, padding zeroed.
        {
            const float dloss = 1.0f / N;
            std::vector<float> losses = nan_vec(N), grad = logits;
            cpu.crossentropy_forward_backward(grad.data(), losses.data(), targets.data(), N, V, Vp, dloss);
            Buf g_logits(gpu, logits), g_losses(gpu, nan_vec(N));
            gpu.crossentropy_forward_backward(g_logits.p(), g_losses.p(), g_targets.p(), N, V, Vp, dloss);
            EXPECT_CLOSE(g_losses.get(), losses, 1e-5);
            auto got = g_logits.get();
            EXPECT_CLOSE(got, grad, 1e-5);
            for (int i = 0; i < N; i++)
                for (int j = V; j < Vp; j++) ASSERT_EQ(0.0f, got[(size_t)i * Vp + j]) << i << "," << j;
        }
    }
}

}  // namespace
