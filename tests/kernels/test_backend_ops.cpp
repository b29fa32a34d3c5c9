// test_backend_ops.cpp: every Backend op on CUDA against the CPU reference, one table row per
// op and shape (harness: backend_ops.h). Each row runs at every precision it lists on one
// CudaBackend per precision (kept for the whole binary, so the scratch buffers grow and are
// reused as in training). Shapes are deliberately awkward: sizes not multiples of 4 or 32,
// T = 1, buffers at odd float offsets (the scalar paths of vectorised kernels and cuBLASLt's
// alignment), vocabularies with padding holding NaN.
//
// Built twice. In test_cuda_kernels (label gpu) every row is compared, CUDA against the CPU. In
// test_backend_ops (label unit, every build) each row runs on the CPU alone and must keep its
// own promises there (tensors marked unchanged are, the extra expectations hold): a table that
// asked for something the reference does not do would otherwise surface only on a GPU machine.
//
// Checks that are not "this tensor matches the CPU's" live beside the ops they concern:
// test_cuda_device.cpp (no GPU, memory), test_cuda_optimizer.cpp (sum_squares' determinism,
// AdamW statistics), test_cuda_bf16_matmul.cpp (exact bf16 rounding), test_cuda_gather.cpp.
#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "tests/kernels/backend_ops.h"
#include "tests/kernels/random_inputs.h"
#ifdef NANOGPT_HAS_CUDA
#include "tests/kernels/cuda_test_support.h"
#endif

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

const std::vector<Precision> kBf16Only = {Precision::bf16};
const std::vector<Precision> kFp32Only = {Precision::fp32};

std::string dims(std::initializer_list<std::pair<const char*, long long>> d) {
    std::string s;
    for (const auto& [k, v] : d) s += std::string(" ") + k + "=" + std::to_string(v);
    return s;
}

// ---------------------------------------------------------------- matmul

struct MatmulShape {
    int N, C, OC;
};
const MatmulShape kMatmulShapes[] = {{1, 1, 1}, {37, 24, 53}, {64, 128, 96}, {130, 77, 200}};
// Small odd sizes (C = 75 leaves bf16 conversion tails of 3), then GPT-2 124M's fc and qkv
// layers; run in bf16 mode, where the operands are converted into scratch.
const MatmulShape kBf16Shapes[] = {{37, 100, 50}, {512, 768, 3072}, {37, 75, 53}, {512, 768, 2304}};

OpCase matmul_forward_case(MatmulShape s, bool with_bias, uint64_t seed) {
    const auto [N, C, OC] = s;
    return {"matmul_forward" + dims({{"N", N}, {"C", C}, {"OC", OC}}) + (with_bias ? " bias" : " nobias"),
            [=] {
                return std::vector<Tensor>{floats("inp", random_vec((size_t)N * C, seed)),
                                           floats("w", random_vec((size_t)OC * C, seed + 1)),
                                           floats("bias", random_vec(OC, seed + 2)),
                                           floats("out", nan_vec((size_t)N * OC))};
            },
            [=](Backend& be, Bufs& b) {
                be.matmul_forward(b.f("out"), b.f("inp"), b.f("w"), with_bias ? b.f("bias") : nullptr, N, C, OC);
            },
            {{"out", Compare::close, kProducts}}};
}

OpCase matmul_backward_case(MatmulShape s, bool with_bias, uint64_t seed) {
    const auto [N, C, OC] = s;
    // The bias gradient is an fp32 sum in every precision; without a bias it is not touched.
    const Check dbias = with_bias ? Check{"db", Compare::close, kFp32} : Check{"db", Compare::unchanged};
    return {"matmul_backward" + dims({{"N", N}, {"C", C}, {"OC", OC}}) + (with_bias ? " bias" : " nobias"),
            [=] {
                return std::vector<Tensor>{floats("inp", random_vec((size_t)N * C, seed)),
                                           floats("w", random_vec((size_t)OC * C, seed + 1)),
                                           floats("dout", random_vec((size_t)N * OC, seed + 2)),
                                           floats("dinp", random_vec((size_t)N * C, seed + 3)),
                                           floats("dw", random_vec((size_t)OC * C, seed + 4)),
                                           floats("db", random_vec(OC, seed + 5))};
            },
            [=](Backend& be, Bufs& b) {
                be.matmul_backward(b.f("dinp"), b.f("dw"), with_bias ? b.f("db") : nullptr, b.f("dout"),
                                   b.f("inp"), b.f("w"), N, C, OC);
            },
            {{"dinp", Compare::close, kProducts}, {"dw", Compare::close, kProducts}, dbias}};
}

// Weights are views into one parameter slab, so pointers may be only 4-byte aligned: every
// operand at an odd float offset of one buffer; the gaps stay NaN and are not compared.
OpCase matmul_unaligned_case() {
    const int N = 33, C = 40, OC = 72;
    const size_t o_inp = 1, o_w = o_inp + (size_t)N * C + 1, o_b = o_w + (size_t)OC * C + 3,
                 o_out = o_b + OC + 1, total = o_out + (size_t)N * OC + 1;
    return {"matmul_forward unaligned" + dims({{"N", N}, {"C", C}, {"OC", OC}}),
            [=] {
                std::vector<float> slab = nan_vec(total);
                auto put = [&](size_t at, const std::vector<float>& v) { std::copy(v.begin(), v.end(), slab.begin() + at); };
                put(o_inp, random_vec((size_t)N * C, 20));
                put(o_w, random_vec((size_t)OC * C, 21));
                put(o_b, random_vec(OC, 22));
                return std::vector<Tensor>{floats("slab", slab)};
            },
            [=](Backend& be, Bufs& b) {
                float* s = b.f("slab");
                be.matmul_forward(s + o_out, s + o_inp, s + o_w, s + o_b, N, C, OC);
            },
            {{"slab", Compare::close, kProducts, o_out, o_out + (size_t)N * OC}}};
}

// A large product, then a small one, on the same backend: the bf16 scratch grows, then is
// reused for smaller operands.
OpCase matmul_scratch_reuse_case() {
    const MatmulShape big{512, 768, 3072}, small{37, 75, 53};
    return {"matmul_forward large then small",
            [=] {
                return std::vector<Tensor>{
                    floats("inp1", random_vec((size_t)big.N * big.C, 300)),
                    floats("w1", random_vec((size_t)big.OC * big.C, 301)),
                    floats("out1", nan_vec((size_t)big.N * big.OC)),
                    floats("inp2", random_vec((size_t)small.N * small.C, 302)),
                    floats("w2", random_vec((size_t)small.OC * small.C, 303)),
                    floats("out2", nan_vec((size_t)small.N * small.OC))};
            },
            [=](Backend& be, Bufs& b) {
                be.matmul_forward(b.f("out1"), b.f("inp1"), b.f("w1"), nullptr, big.N, big.C, big.OC);
                be.matmul_forward(b.f("out2"), b.f("inp2"), b.f("w2"), nullptr, small.N, small.C, small.OC);
            },
            {{"out1", Compare::close, kProducts}, {"out2", Compare::close, kProducts}},
            kBf16Only};
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

// Causal: exact zeros above the diagonal of att (not merely small values).
void expect_causal_zeros(const std::vector<float>& att, int rows, int T) {
    size_t nonzero_future = 0;
    for (size_t row = 0; row < (size_t)rows; row++)
        for (int t2 = (int)(row % T) + 1; t2 < T; t2++) nonzero_future += att[row * T + t2] != 0.0f;
    EXPECT_EQ(0u, nonzero_future) << "att has non-zero entries above the diagonal";
}

// Forward, then backward from the forward's own att, on each backend.
OpCase attention_case(AttentionShape s, Dropout drop) {
    const auto [B, T, C, NH] = s;
    const size_t n_out = (size_t)B * T * C, n_att = (size_t)B * NH * T * T;
    return {"attention" + dims({{"B", B}, {"T", T}, {"C", C}, {"NH", NH}}) +
                (drop.active() ? " dropout" : " nodropout"),
            [=] {
                return std::vector<Tensor>{floats("qkv", random_vec(3 * n_out, 40)),
                                           floats("dout", random_vec(n_out, 41)),
                                           floats("dqkv", random_vec(3 * n_out, 42)),
                                           floats("out", nan_vec(n_out)), floats("att", nan_vec(n_att)),
                                           floats("scratch", nan_vec(n_att))};
            },
            [=](Backend& be, Bufs& b) {
                be.attention_forward(b.f("out"), b.f("att"), b.f("qkv"), B, T, C, NH, drop);
                be.attention_backward(b.f("dqkv"), b.f("scratch"), b.f("dout"), b.f("qkv"), b.f("att"),
                                      B, T, C, NH, drop);
            },
            {{"out", Compare::close, kProducts},
             {"att", Compare::close, kProducts},
             {"dqkv", Compare::close, kProducts}},
            {std::begin(kAllPrecisions), std::end(kAllPrecisions)},
            [=](const Results& got) { expect_causal_zeros(got.at("att"), B * NH * T, T); }};
}

// Dropout must drop exactly the CPU's elements: with p = 0.5 a different mask would change the
// output by far more than any rounding, so fp32 at 1e-5 pins the mask down.
OpCase attention_mask_case(uint64_t seed) {
    const int B = 2, T = 20, C = 32, NH = 2;
    const size_t n_out = (size_t)B * T * C, n_att = (size_t)B * NH * T * T;
    const Dropout drop{0.5f, seed};
    return {"attention_forward dropout mask seed=" + std::to_string(seed),
            [=] {
                return std::vector<Tensor>{floats("qkv", random_vec(3 * n_out, 50)),
                                           floats("out", nan_vec(n_out)), floats("att", nan_vec(n_att))};
            },
            [=](Backend& be, Bufs& b) { be.attention_forward(b.f("out"), b.f("att"), b.f("qkv"), B, T, C, NH, drop); },
            {{"out", Compare::close, kFp32}},
            kFp32Only};
}

// ---------------------------------------------------------------- cross-entropy

struct CeShape {
    int N, V, Vp;
};
const CeShape kCeShapes[] = {{1, 1, 1}, {7, 1000, 1024}, {5, 100, 100}, {3, 50257, 50304}};

// dloss = 0: losses only, logits left exactly as they were; otherwise logits become the
// gradient in place, with exact zeros in the padding. The padding starts as NaN: it must be
// ignored, then overwritten.
OpCase crossentropy_case(CeShape s, bool with_grad) {
    const auto [N, V, Vp] = s;
    const float dloss = with_grad ? 1.0f / N : 0.0f;
    std::vector<Check> checks = {{"losses", Compare::close, kFp32}};
    checks.push_back(with_grad ? Check{"logits", Compare::close, kFp32} : Check{"logits", Compare::unchanged});
    return {"crossentropy" + dims({{"N", N}, {"V", V}, {"Vp", Vp}}) + (with_grad ? " grad" : " loss"),
            [=] {
                auto logits = random_vec((size_t)N * Vp, 60, 3.0f);
                for (int i = 0; i < N; i++)
                    for (int j = V; j < Vp; j++) logits[(size_t)i * Vp + j] = std::numeric_limits<float>::quiet_NaN();
                return std::vector<Tensor>{floats("logits", logits), floats("losses", nan_vec(N)),
                                           ints("targets", random_tokens(N, V, 61))};
            },
            [=](Backend& be, Bufs& b) {
                be.crossentropy_forward_backward(b.f("logits"), b.f("losses"), b.i("targets"), N, V, Vp, dloss);
            },
            checks,
            {std::begin(kAllPrecisions), std::end(kAllPrecisions)},
            [=](const Results& got) {
                if (!with_grad) return;
                const std::vector<float>& g = got.at("logits");
                size_t nonzero_padding = 0;
                for (int i = 0; i < N; i++)
                    for (int j = V; j < Vp; j++) nonzero_padding += g[(size_t)i * Vp + j] != 0.0f;
                EXPECT_EQ(0u, nonzero_padding) << "padding of the gradient is not exactly zero";
            }};
}

// ---------------------------------------------------------------- encoder

OpCase encoder_forward_case() {
    const int B = 3, T = 17, C = 50, V = 37;
    return {"encoder_forward" + dims({{"B", B}, {"T", T}, {"C", C}, {"V", V}}),
            [=] {
                return std::vector<Tensor>{ints("tokens", random_tokens((size_t)B * T, V, 1)),
                                           floats("wte", random_vec((size_t)V * C, 2)),
                                           floats("wpe", random_vec((size_t)T * C, 3)),
                                           floats("out", nan_vec((size_t)B * T * C))};
            },
            [=](Backend& be, Bufs& b) { be.encoder_forward(b.f("out"), b.i("tokens"), b.f("wte"), b.f("wpe"), B, T, C); },
            {{"out", Compare::close, kFp32}}};
}

// A vocabulary of 5 tokens over 4 x 9 positions: every dwte row receives many updates.
OpCase encoder_backward_case() {
    const int B = 4, T = 9, C = 70, V = 5;
    return {"encoder_backward repeated tokens" + dims({{"B", B}, {"T", T}, {"C", C}, {"V", V}}),
            [=] {
                return std::vector<Tensor>{ints("tokens", random_tokens((size_t)B * T, V, 11)),
                                           floats("dout", random_vec((size_t)B * T * C, 12)),
                                           floats("dwte", random_vec((size_t)V * C, 13)),
                                           floats("dwpe", random_vec((size_t)T * C, 14))};
            },
            [=](Backend& be, Bufs& b) { be.encoder_backward(b.f("dwte"), b.f("dwpe"), b.f("dout"), b.i("tokens"), B, T, C); },
            {{"dwte", Compare::close, kFp32}, {"dwpe", Compare::close, kFp32}}};
}

// ---------------------------------------------------------------- layernorm

struct LnShape {
    int N, C;
};
// C = 100 and 33: not multiples of 32; N = 100 > 32 row groups in the parameter gradient.
const LnShape kLayerNormShapes[] = {{37, 100}, {100, 33}, {4, 768}, {3, 7}};

OpCase layernorm_forward_case(LnShape s) {
    const auto [N, C] = s;
    return {"layernorm_forward" + dims({{"N", N}, {"C", C}}),
            [=] {
                auto inp = random_vec((size_t)N * C, 21, 2.0f);
                for (float& x : inp) x += 0.5f;  // a non-zero mean to remove
                return std::vector<Tensor>{floats("inp", inp), floats("w", random_vec(C, 22)),
                                           floats("b", random_vec(C, 23)),
                                           floats("out", nan_vec((size_t)N * C)),
                                           floats("mean", nan_vec(N)), floats("rstd", nan_vec(N))};
            },
            [=](Backend& be, Bufs& b) {
                be.layernorm_forward(b.f("out"), b.f("mean"), b.f("rstd"), b.f("inp"), b.f("w"), b.f("b"), N, C);
            },
            {{"out", Compare::close, kFp32}, {"mean", Compare::close, kFp32}, {"rstd", Compare::close, kFp32}}};
}

// mean and rstd come from the CPU's forward, the same on both backends.
OpCase layernorm_backward_case(LnShape s) {
    const auto [N, C] = s;
    return {"layernorm_backward" + dims({{"N", N}, {"C", C}}),
            [=] {
                const size_t NC = (size_t)N * C;
                auto inp = random_vec(NC, 31, 2.0f), w = random_vec(C, 32), bias = random_vec(C, 33);
                std::vector<float> out(NC), mean(N), rstd(N);
                CpuBackend().layernorm_forward(out.data(), mean.data(), rstd.data(), inp.data(), w.data(),
                                               bias.data(), N, C);
                return std::vector<Tensor>{floats("inp", inp), floats("w", w),
                                           floats("dout", random_vec(NC, 34)), floats("mean", mean),
                                           floats("rstd", rstd), floats("dinp", random_vec(NC, 35)),
                                           floats("dw", random_vec(C, 36)), floats("db", random_vec(C, 37))};
            },
            [=](Backend& be, Bufs& b) {
                be.layernorm_backward(b.f("dinp"), b.f("dw"), b.f("db"), b.f("dout"), b.f("inp"), b.f("w"),
                                      b.f("mean"), b.f("rstd"), N, C);
            },
            {{"dinp", Compare::close, kFp32}, {"dw", Compare::close, kFp32}, {"db", Compare::close, kFp32}}};
}

// ---------------------------------------------------------------- element-wise ops

// At offset 0 the float4 path plus a 3-element tail; at offset 1 the pointers are not 16-byte
// aligned (scalar path). Elements before the offset must stay as they are.
constexpr size_t kN = 1003;
const size_t kOffsets[] = {0, 1};

// `out` compared with the CPU's, and its first `off` elements untouched.
std::vector<Check> pointwise_checks(const std::string& out, size_t off, Compare how = Compare::close) {
    std::vector<Check> c = {{out, how, kFp32}};
    if (off > 0) c.push_back({out, Compare::unchanged, kFp32, 0, off});
    return c;
}

OpCase gelu_forward_case(size_t off) {
    return {"gelu_forward offset=" + std::to_string(off),
            [=] {
                return std::vector<Tensor>{floats("inp", random_vec(kN + off, 41, 3.0f)),
                                           floats("out", random_vec(kN + off, 42))};
            },
            [=](Backend& be, Bufs& b) { be.gelu_forward(b.f("out") + off, b.f("inp") + off, kN); },
            pointwise_checks("out", off)};
}

OpCase gelu_backward_case(size_t off) {
    return {"gelu_backward offset=" + std::to_string(off),
            [=] {
                return std::vector<Tensor>{floats("inp", random_vec(kN + off, 41, 3.0f)),
                                           floats("dout", random_vec(kN + off, 43)),
                                           floats("dinp", random_vec(kN + off, 44))};
            },
            [=](Backend& be, Bufs& b) { be.gelu_backward(b.f("dinp") + off, b.f("inp") + off, b.f("dout") + off, kN); },
            pointwise_checks("dinp", off)};
}

OpCase residual_case(size_t off) {
    return {"residual_forward offset=" + std::to_string(off),
            [=] {
                return std::vector<Tensor>{floats("a", random_vec(kN + off, 51)), floats("b", random_vec(kN + off, 52)),
                                           floats("out", random_vec(kN + off, 53))};
            },
            [=](Backend& be, Bufs& b) { be.residual_forward(b.f("out") + off, b.f("a") + off, b.f("b") + off, kN); },
            pointwise_checks("out", off)};
}

// The mask is a pure function of (seed, index): the GPU must drop exactly the CPU's elements and
// scale the kept ones by the same float, so the results are bit-identical.
const Dropout kDrop{0.3f, 0x1234567ull};

OpCase dropout_forward_case(size_t off) {
    return {"dropout_forward offset=" + std::to_string(off),
            [=] { return std::vector<Tensor>{floats("x", random_vec(kN + off, 61))}; },
            [=](Backend& be, Bufs& b) { be.dropout_forward(b.f("x") + off, kN, kDrop); },
            pointwise_checks("x", off, Compare::same_bits),
            {std::begin(kAllPrecisions), std::end(kAllPrecisions)},
            [=](const Results& got) {
                const std::vector<float>& x = got.at("x");
                const size_t dropped = std::count(x.begin() + off, x.end(), 0.0f);
                EXPECT_GT(dropped, kN / 5);  // about 30%: the mask did something
                EXPECT_LT(dropped, kN / 2);
            }};
}

OpCase dropout_backward_case(size_t off) {
    return {"dropout_backward offset=" + std::to_string(off),
            [=] { return std::vector<Tensor>{floats("dx", random_vec(kN + off, 62))}; },
            [=](Backend& be, Bufs& b) { be.dropout_backward(b.f("dx") + off, kN, kDrop); },
            pointwise_checks("dx", off, Compare::same_bits)};
}

// Inactive dropout leaves the buffer alone.
OpCase dropout_inactive_case() {
    return {"dropout_forward inactive",
            [] { return std::vector<Tensor>{floats("y", random_vec(kN, 63))}; },
            [](Backend& be, Bufs& b) { be.dropout_forward(b.f("y"), kN, Dropout{}); },
            {{"y", Compare::unchanged}}};
}

// ---------------------------------------------------------------- AdamW

// The gradient of step s: "g1", "g2", ... (built by appending: GCC 12 warns falsely on
// "g" + std::to_string(s)).
std::string grad_of_step(int s) {
    std::string name = "g";
    name += std::to_string(s);
    return name;
}

// Five steps, each with a new gradient: parameters and both moments.
OpCase adamw_case() {
    const size_t n = 10007;
    const int steps = 5;
    return {"adamw_update 5 steps n=" + std::to_string(n),
            [=] {
                std::vector<Tensor> t = {floats("p", random_vec(n, 81, 0.5f)), floats("m", random_vec(n, 82, 0.01f)),
                                         floats("v", positive_vec(n, 83))};
                for (int s = 1; s <= steps; s++) t.push_back(floats(grad_of_step(s), random_vec(n, 90 + s, 0.05f)));
                return t;
            },
            [=](Backend& be, Bufs& b) {
                for (int s = 1; s <= steps; s++)
                    be.adamw_update(b.f("p"), b.f(grad_of_step(s)), b.f("m"), b.f("v"), n, 1e-2f, 0.9f,
                                    0.95f, 1e-8f, 0.1f, 0.7f, s, nullptr, 1);
            },
            {{"p", Compare::close, kFp32}, {"m", Compare::close, kFp32}, {"v", Compare::close, kFp32}}};
}

// ---------------------------------------------------------------- power iteration

// The dashboard's sigma_max: a few iterations from the same start, wide and tall matrices (the
// two GEMV orientations), the result copied into a one-float tensor so the table compares it.
OpCase power_iteration_case(int rows, int cols, int iters, uint64_t seed) {
    return {"power_iteration" + dims({{"rows", rows}, {"cols", cols}, {"iters", iters}}),
            [=] {
                return std::vector<Tensor>{floats("w", random_vec((size_t)rows * cols, seed, 0.02f)),
                                           floats("v", random_vec(cols, seed + 1)), floats("u", nan_vec(rows)),
                                           floats("sigma", nan_vec(1))};
            },
            [=](Backend& be, Bufs& b) {
                const float sigma = be.power_iteration(b.f("w"), rows, cols, b.f("v"), b.f("u"), iters);
                be.to_device(b.f("sigma"), &sigma, sizeof(float));
            },
            {{"v", Compare::close, kFp32}, {"u", Compare::close, kFp32}, {"sigma", Compare::close, kFp32},
             {"w", Compare::unchanged}},
            kFp32Only};
}

// W = 0: sigma 0 and v zeroed ("restart it"), exactly.
OpCase power_iteration_zero_case() {
    const int rows = 17, cols = 9;
    return {"power_iteration zero matrix",
            [=] {
                return std::vector<Tensor>{floats("w", std::vector<float>((size_t)rows * cols, 0.0f)),
                                           floats("v", random_vec(cols, 5)), floats("u", nan_vec(rows)),
                                           floats("sigma", nan_vec(1))};
            },
            [=](Backend& be, Bufs& b) {
                const float sigma = be.power_iteration(b.f("w"), rows, cols, b.f("v"), b.f("u"), 3);
                be.to_device(b.f("sigma"), &sigma, sizeof(float));
            },
            {{"v", Compare::same_bits}, {"sigma", Compare::same_bits}},
            kFp32Only,
            [](const Results& got) {
                EXPECT_EQ(got.at("sigma")[0], 0.0f);
                for (float x : got.at("v")) EXPECT_EQ(x, 0.0f);
            }};
}

// ---------------------------------------------------------------- the table

std::vector<OpCase> make_table() {
    std::vector<OpCase> t;
    for (MatmulShape s : kMatmulShapes)
        for (bool bias : {true, false}) t.push_back(matmul_forward_case(s, bias, 10));
    t.push_back(matmul_unaligned_case());
    for (MatmulShape s : kMatmulShapes)
        for (bool bias : {true, false}) t.push_back(matmul_backward_case(s, bias, 30));
    uint64_t seed = 100;
    for (MatmulShape s : kBf16Shapes)
        for (bool bias : {true, false}) {
            t.push_back(matmul_forward_case(s, bias, seed));
            t.back().name += " bf16";
            t.back().precisions = kBf16Only;
            seed += 3;
        }
    seed = 200;
    for (MatmulShape s : kBf16Shapes)
        for (bool bias : {true, false}) {
            t.push_back(matmul_backward_case(s, bias, seed));
            t.back().name += " bf16";
            t.back().precisions = kBf16Only;
            seed += 6;
        }
    t.push_back(matmul_scratch_reuse_case());
    for (AttentionShape s : kAttentionShapes)
        for (Dropout d : {Dropout{0.0f, 0}, Dropout{0.25f, 987654321}}) t.push_back(attention_case(s, d));
    for (uint64_t s : {1ull, 2ull, 0xFFFFFFFFFFull}) t.push_back(attention_mask_case(s));
    for (CeShape s : kCeShapes)
        for (bool grad : {false, true}) t.push_back(crossentropy_case(s, grad));
    t.push_back(encoder_forward_case());
    t.push_back(encoder_backward_case());
    for (LnShape s : kLayerNormShapes) t.push_back(layernorm_forward_case(s));
    for (LnShape s : kLayerNormShapes) t.push_back(layernorm_backward_case(s));
    for (size_t off : kOffsets) {
        t.push_back(gelu_forward_case(off));
        t.push_back(gelu_backward_case(off));
        t.push_back(residual_case(off));
        t.push_back(dropout_forward_case(off));
        t.push_back(dropout_backward_case(off));
    }
    t.push_back(dropout_inactive_case());
    t.push_back(adamw_case());
    // GPT-2's qkvw (2304 x 768) and fcprojw (768 x 3072), odd sizes, one iteration.
    for (auto [rows, cols, iters] : {std::tuple{2304, 768, 3}, std::tuple{768, 3072, 2}, std::tuple{37, 53, 1},
                                     std::tuple{65, 128, 20}})
        t.push_back(power_iteration_case(rows, cols, iters, 400 + rows));
    t.push_back(power_iteration_zero_case());
    return t;
}

const std::vector<OpCase>& table() {
    static const std::vector<OpCase> t = make_table();
    return t;
}

// "matmul_forward N=37 C=24 OC=53 bias" -> "matmul_forward_N37_C24_OC53_bias" (a gtest name).
std::string test_name(const std::string& name) {
    std::string s;
    for (char ch : name) {
        if (std::isalnum((unsigned char)ch) || ch == '_') s += ch;
        else if (ch == ' ' || ch == '.') s += '_';
    }
    return s;
}

std::string name_of(const testing::TestParamInfo<int>& info) { return test_name(table()[info.param].name); }

#ifdef NANOGPT_HAS_CUDA

class BackendOps : public testing::TestWithParam<int> {
protected:
    // One backend per precision for the whole binary (creating one per row would only test
    // fresh scratch buffers).
    static CudaBackend& gpu(Precision p) {
        auto& b = gpus()[p];
        if (!b) b = std::make_unique<CudaBackend>(p);
        return *b;
    }
    static void TearDownTestSuite() { gpus().clear(); }

private:
    static std::map<Precision, std::unique_ptr<CudaBackend>>& gpus() {
        static std::map<Precision, std::unique_ptr<CudaBackend>> g;
        return g;
    }
};

TEST_P(BackendOps, CudaMatchesCpu) {
    SKIP_WITHOUT_GPU();
    const OpCase& c = table()[GetParam()];
    const std::vector<Tensor> tensors = c.inputs();
    CpuBackend cpu;
    const Results ref = run_case(c, tensors, cpu);
    for (Precision p : c.precisions) {
        SCOPED_TRACE(c.name + " at " + precision_name(p));
        const Results got = run_case(c, tensors, gpu(p));
        expect_matches(c, tensors, got, ref, p);
        if (c.also) c.also(got);
    }
}

INSTANTIATE_TEST_SUITE_P(Table, BackendOps, testing::Range(0, (int)table().size()), name_of);

#else

class BackendOpsOnCpu : public testing::TestWithParam<int> {};

// The reference against itself: "close" and "same_bits" hold trivially, "unchanged" and the
// extra expectations are what this checks.
TEST_P(BackendOpsOnCpu, RowHoldsOnTheReference) {
    const OpCase& c = table()[GetParam()];
    const std::vector<Tensor> tensors = c.inputs();
    CpuBackend cpu;
    const Results ref = run_case(c, tensors, cpu);
    expect_matches(c, tensors, ref, ref, Precision::fp32);
    if (c.also) c.also(ref);
}

INSTANTIATE_TEST_SUITE_P(Table, BackendOpsOnCpu, testing::Range(0, (int)table().size()), name_of);

#endif

}  // namespace
