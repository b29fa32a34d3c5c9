// test_optimizer_stats.cpp: the dashboard's statistics out of AdamW's pass describe the model:
// wte's padding rows (Vp > V) are not counted, and asking for statistics leaves the update
// bit-identical.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "trainer/gpt2.h"
#include "trainer/optimizer.h"

using namespace nanogpt;

namespace {

ModelConfig small_config() { return ModelConfig{16, 50, pad_vocab(50), 2, 2, 32}; }

// One training pass on fixed tokens, then one AdamW step with or without statistics.
std::vector<float> step_once(CpuBackend& be, std::vector<TensorStats>* stats) {
    GPT2 model(be, small_config());
    model.init_random(7);
    AdamW opt(model, AdamWSettings{});
    std::vector<int> x(2 * 16), y(2 * 16);
    for (size_t i = 0; i < x.size(); i++) {
        x[i] = (int)(i * 7 % 50);
        y[i] = (int)(i * 11 % 50);
    }
    PassOptions po;
    po.dloss = 1.0f / (float)x.size();
    model.zero_grad();
    model.forward(x.data(), y.data(), 2, 16, po);
    model.backward();
    if (stats) stats->assign(opt.num_slabs(), TensorStats{});
    opt.step(1e-3f, 1, stats ? stats->data() : nullptr);
    return model.save_params();
}

}  // namespace

TEST(OptimizerStats, WteStatisticsCoverTheVocabularyNotThePadding) {
    CpuBackend be;
    std::vector<TensorStats> stats;
    step_once(be, &stats);
    const ModelConfig cfg = small_config();
    ASSERT_GT(cfg.padded_vocab_size, cfg.vocab_size) << "the test needs padding rows";
    // Slab 0 is wte (llm.c order); its statistics count V rows of C, not Vp rows.
    EXPECT_EQ(stats[0].count, (uint64_t)cfg.vocab_size * cfg.channels);
    uint64_t hist_total = 0;
    for (uint32_t c : stats[0].hist) hist_total += c;
    EXPECT_EQ(hist_total, (uint64_t)cfg.vocab_size * cfg.channels);
}

TEST(OptimizerStats, AskingForStatisticsLeavesTheUpdateBitIdentical) {
    CpuBackend be;
    std::vector<TensorStats> stats;
    std::vector<float> with = step_once(be, &stats);
    std::vector<float> without = step_once(be, nullptr);
    ASSERT_EQ(with.size(), without.size());
    EXPECT_EQ(0, std::memcmp(with.data(), without.data(), with.size() * sizeof(float)));
}
