// test_mfu.cpp: the FLOP count per token (nanoGPT's estimate) and the peak table behind MFU:
// known cards at each precision, unknown cards and the CPU without a number.
#include <gtest/gtest.h>

#include "trainer/mfu.h"
#include "trainer/model_config.h"

using namespace nanogpt;

namespace {

TEST(Mfu, Gpt2SmallParametersAndFlopsPerToken) {
    ModelConfig gpt2{1024, 50257, pad_vocab(50257), 12, 12, 768};
    // GPT-2 small has 124,439,808 parameters; nanoGPT's non-embedding count drops wpe (1024 x 768).
    EXPECT_EQ(params_for_flops(gpt2), 124439808.0 - 1024.0 * 768);
    // 6 N + 12 L C T at T = 1024.
    EXPECT_EQ(flops_per_token(gpt2, 1024), 6.0 * 123653376 + 12.0 * 12 * 768 * 1024);
    // The attention term scales with the sequence length trained on, not maxT.
    EXPECT_EQ(flops_per_token(gpt2, 1024) - flops_per_token(gpt2, 512), 12.0 * 12 * 768 * 512);
}

TEST(Mfu, ParameterCountMatchesTheLayoutWithoutWpeAndPadding) {
    for (ModelConfig mc : {ModelConfig{64, 65, pad_vocab(65), 4, 4, 128},
                           ModelConfig{256, 65, pad_vocab(65), 6, 6, 384},
                           ModelConfig{8, 10, 128, 1, 2, 4}}) {
        ParamLayout layout = ParamLayout::make(mc);
        double expected = (double)layout.total - (double)mc.max_seq_len * mc.channels -
                          (double)(mc.padded_vocab_size - mc.vocab_size) * mc.channels;
        EXPECT_EQ(params_for_flops(mc), expected) << mc.describe();
    }
}

TEST(Mfu, PeaksOfKnownCardsByPrecision) {
    const char* sxm = "NVIDIA H100 80GB HBM3";
    EXPECT_EQ(peak_tflops(sxm, "bf16"), 989.0);
    EXPECT_EQ(peak_tflops(sxm, "tf32"), 495.0);
    EXPECT_EQ(peak_tflops(sxm, "fp32"), 67.0);
    EXPECT_EQ(peak_tflops("NVIDIA H100 PCIe", "bf16"), 756.0);
    EXPECT_EQ(peak_tflops("NVIDIA H100 PCIe", "tf32"), 378.0);
    EXPECT_EQ(peak_tflops("NVIDIA H100 PCIe", "fp32"), 51.0);
    EXPECT_EQ(peak_tflops("NVIDIA H200", "bf16"), 989.0);
    EXPECT_EQ(peak_tflops("NVIDIA H200", "fp32"), 67.0);
    EXPECT_EQ(peak_tflops("NVIDIA A100-SXM4-80GB", "bf16"), 312.0);
    EXPECT_EQ(peak_tflops("NVIDIA A100-PCIE-40GB", "tf32"), 156.0);
    EXPECT_EQ(peak_tflops("NVIDIA A100 80GB PCIe", "fp32"), 19.5);
}

TEST(Mfu, UnknownCardsTheCpuAndUnknownPrecisionsHaveNoPeak) {
    EXPECT_FALSE(peak_tflops("cpu", "fp32"));
    EXPECT_FALSE(peak_tflops("", "bf16"));
    EXPECT_FALSE(peak_tflops("NVIDIA GeForce RTX 4090", "bf16"));
    EXPECT_FALSE(peak_tflops("NVIDIA GH200 480GB", "bf16")) << "GH200 is not an H200";
    EXPECT_FALSE(peak_tflops("NVIDIA H100 NVL", "bf16")) << "NVL cards run at other clocks";
    EXPECT_FALSE(peak_tflops("NVIDIA H200 NVL", "bf16"));
    EXPECT_FALSE(peak_tflops("NVIDIA A100X", "bf16"));
    EXPECT_FALSE(peak_tflops("NVIDIA H100 80GB HBM3", "fp16"));
}

TEST(Mfu, UtilisationIsAchievedOverPeakAndAbsentWithoutPeak) {
    // 1e6 FLOPs per token at 494.5e6 tokens/s = 494.5 TFLOP/s: half of 989.
    auto u = model_flops_utilisation(1e6, 494.5e6, 989.0);
    ASSERT_TRUE(u);
    EXPECT_DOUBLE_EQ(*u, 0.5);
    EXPECT_FALSE(model_flops_utilisation(1e6, 494.5e6, std::nullopt));
}

}  // namespace
