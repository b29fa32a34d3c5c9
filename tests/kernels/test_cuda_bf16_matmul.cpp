// test_cuda_bf16_matmul.cpp: the linear layers in bf16 mode (matmul.cu + bf16_convert.cu).
//
// bf16 mode must really multiply bf16 operands: the fp32 inputs are rounded to the nearest bf16
// (ties to even) and the products accumulate in fp32. Checked exactly here: with an identity
// matrix as the other operand every output is one input, so it must equal, bit for bit, that
// input rounded to bf16 (fp32 and tf32 modes keep it as is). Outputs the op overwrites are
// poisoned with NaN first. Parity with the CPU on random inputs in bf16 mode (odd sizes with
// conversion tails, GPT-2 shapes, scratch grown then reused) is in the table of
// test_backend_ops.cpp. Without a GPU every test skips, except the host reference's own test.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/kernels/cuda_test_support.h"

using namespace nanogpt;
using namespace nanogpt::test;

namespace {

uint32_t bits_of(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}
float float_of(uint32_t u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// x rounded to the nearest bf16, ties to even (finite x): the host reference for
// __float2bfloat16_rn. Adding 0x7FFF plus the lowest kept bit carries into the kept bits
// exactly when the dropped half is above the halfway point, or at it with an odd kept part.
float bf16_rne(float x) {
    uint32_t u = bits_of(x);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return float_of(u & 0xFFFF0000u);
}

// x with its mantissa cut to tf32's 10 bits: such values pass through fp32 and tf32 products
// unchanged, so only bf16 mode may alter them.
float tf32_exact(float x) { return float_of(bits_of(x) & 0xFFFFE000u); }

// Values that tell bf16 round-to-nearest-even from truncation and from ties-away, then random
// tf32-exact values (one in eight of which is again a bf16 tie).
std::vector<float> rounding_probe(size_t n, uint64_t seed) {
    const float ulp = 1.0f / 128;  // bf16's spacing in [1, 2)
    const std::vector<float> special = {
        1.0f + ulp / 8,      // below half an ulp: down to 1
        1.0f + ulp / 2,      // tie, 1 is even: down
        1.0f + 1.5f * ulp,   // tie, 1 + ulp is odd: up to 1 + 2 ulp
        -(1.0f + 1.5f * ulp),
        1.0f + ulp,          // exact
        1.0f + 0.75f * ulp,  // above half: up
        3.0f,
    };
    std::vector<float> v = random_vec(n, seed, 2.0f);
    for (size_t i = 0; i < n; i++) v[i] = i < special.size() ? special[i] : tf32_exact(v[i]);
    return v;
}

std::vector<float> identity(int n) {
    std::vector<float> m((size_t)n * n, 0.0f);
    for (int i = 0; i < n; i++) m[(size_t)i * n + i] = 1.0f;
    return m;
}

std::vector<float> expected_rounding(const std::vector<float>& x, Precision prec) {
    std::vector<float> e(x);
    if (prec == Precision::bf16)
        for (float& v : e) v = bf16_rne(v);
    return e;
}

// Bit-for-bit comparison (NaN never passes), reporting the first mismatch.
void expect_bits_equal(const std::vector<float>& got, const std::vector<float>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); i++)
        ASSERT_EQ(bits_of(got[i]), bits_of(want[i]))
            << "element " << i << ": got " << got[i] << ", want " << want[i];
}

}  // namespace

TEST(CudaBf16Matmul, HostReferenceRoundsToNearestEven) {
    // The reference itself (no GPU needed): ties go to the even neighbour.
    const float ulp = 1.0f / 128;
    EXPECT_EQ(bf16_rne(1.0f + ulp / 2), 1.0f);
    EXPECT_EQ(bf16_rne(1.0f + 1.5f * ulp), 1.0f + 2 * ulp);
    EXPECT_EQ(bf16_rne(-(1.0f + 1.5f * ulp)), -(1.0f + 2 * ulp));
    EXPECT_EQ(bf16_rne(1.0f + 0.75f * ulp), 1.0f + ulp);
    EXPECT_EQ(bf16_rne(1.0f + ulp / 8), 1.0f);
    EXPECT_EQ(bf16_rne(3.0f), 3.0f);
}

// out = inp @ I^T + bias: every output is one input, rounded as the precision says.
TEST(CudaBf16Matmul, ForwardRoundsOperandsToNearestEvenBf16) {
    SKIP_WITHOUT_GPU();
    const int N = 5, C = 7, OC = 7;  // 35 and 49 elements: vectorised conversion with tails
    const auto inp = rounding_probe((size_t)N * C, 40);
    const auto w = identity(C);
    std::vector<float> bias(OC);
    for (int j = 0; j < OC; j++) bias[j] = (float)(j - 3);  // small integers: sums stay exact
    for (Precision prec : {Precision::fp32, Precision::tf32, Precision::bf16}) {
        CudaBackend gpu(prec);
        const auto rounded = expected_rounding(inp, prec);
        for (bool with_bias : {true, false}) {
            std::vector<float> want(rounded);
            if (with_bias)
                for (size_t i = 0; i < want.size(); i++) want[i] += bias[i % OC];
            {
                SCOPED_TRACE(std::string(precision_name(prec)) + " aligned" +
                             (with_bias ? " bias" : ""));
                Buf d_inp(gpu, inp), d_w(gpu, w), d_bias(gpu, bias), d_out(gpu, nan_vec(want.size()));
                gpu.matmul_forward(d_out.p(), d_inp.p(), d_w.p(), with_bias ? d_bias.p() : nullptr,
                                   N, C, OC);
                expect_bits_equal(d_out.get(), want);
            }
            {
                // Operands at odd float offsets of one slab: the element-wise conversion.
                SCOPED_TRACE(std::string(precision_name(prec)) + " unaligned" +
                             (with_bias ? " bias" : ""));
                const size_t o_inp = 1, o_w = o_inp + inp.size() + 2, o_b = o_w + w.size() + 1,
                             o_out = o_b + bias.size() + 1, total = o_out + want.size() + 1;
                std::vector<float> slab = nan_vec(total);
                std::copy(inp.begin(), inp.end(), slab.begin() + o_inp);
                std::copy(w.begin(), w.end(), slab.begin() + o_w);
                std::copy(bias.begin(), bias.end(), slab.begin() + o_b);
                Buf d(gpu, slab);
                gpu.matmul_forward(d.p() + o_out, d.p() + o_inp, d.p() + o_w,
                                   with_bias ? d.p() + o_b : nullptr, N, C, OC);
                auto got = d.get();
                expect_bits_equal(std::vector<float>(got.begin() + o_out, got.end() - 1), want);
            }
        }
    }
}

// dinp = dout @ I and dweight = dout^T @ I: each gradient element is one dout, rounded.
TEST(CudaBf16Matmul, BackwardRoundsOperandsToNearestEvenBf16) {
    SKIP_WITHOUT_GPU();
    const int N = 7, C = 7, OC = 7;
    const auto dout = rounding_probe((size_t)N * OC, 41);
    const auto eye = identity(7);  // both the weight (OC x C) and the input (N x C)
    std::vector<float> dout_t(dout.size());
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) dout_t[(size_t)o * N + i] = dout[(size_t)i * OC + o];
    for (Precision prec : {Precision::fp32, Precision::tf32, Precision::bf16}) {
        SCOPED_TRACE(precision_name(prec));
        CudaBackend gpu(prec);
        Buf d_inp(gpu, eye), d_w(gpu, eye), d_dout(gpu, dout);
        Buf d_dinp(gpu, std::vector<float>(dout.size(), 0.0f));
        Buf d_dw(gpu, std::vector<float>(dout.size(), 0.0f));
        gpu.matmul_backward(d_dinp.p(), d_dw.p(), nullptr, d_dout.p(), d_inp.p(), d_w.p(), N, C, OC);
        expect_bits_equal(d_dinp.get(), expected_rounding(dout, prec));
        expect_bits_equal(d_dw.get(), expected_rounding(dout_t, prec));
    }
}
