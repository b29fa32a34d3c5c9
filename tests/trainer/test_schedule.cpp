// test_schedule.cpp: nanoGPT's learning-rate schedule and the dropout gradient.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/cpu_backend.h"
#include "trainer/gpt2.h"
#include "trainer/train_config.h"

using namespace nanogpt;

namespace {

TEST(Schedule, WarmupCosineAndFloor) {
    TrainConfig c;
    c.learning_rate = 1e-3f;
    c.min_lr = 1e-4f;
    c.warmup_iters = 100;
    c.lr_decay_iters = 1100;
    EXPECT_FLOAT_EQ(learning_rate_at(c, 0), 1e-3f * 1 / 101);
    EXPECT_FLOAT_EQ(learning_rate_at(c, 99), 1e-3f * 100 / 101);
    EXPECT_FLOAT_EQ(learning_rate_at(c, 100), 1e-3f);
    EXPECT_NEAR(learning_rate_at(c, 600), 0.5 * (1e-3 + 1e-4), 1e-9);  // halfway down the cosine
    EXPECT_FLOAT_EQ(learning_rate_at(c, 1100), 1e-4f);
    EXPECT_FLOAT_EQ(learning_rate_at(c, 5000), 1e-4f);
    c.decay_lr = false;
    EXPECT_FLOAT_EQ(learning_rate_at(c, 5000), 1e-3f);
}

// With dropout on, the analytic gradient must match a central difference of the loss along
// a random direction (same dropout seed on both sides). A wrong mask in backward fails this.
TEST(Dropout, GradientMatchesFiniteDifferences) {
    CpuBackend be;
    ModelConfig mc{8, 13, pad_vocab(13), 2, 2, 16};
    GPT2 m(be, mc);
    m.init_random(5);
    const int B = 2, T = 8;
    std::vector<int> x(B * T), y(B * T);
    for (int i = 0; i < B * T; i++) {
        x[i] = (i * 5) % 13;
        y[i] = (i * 3 + 1) % 13;
    }
    PassOptions po;
    po.dropout = 0.3f;
    po.dropout_seed = 99;
    po.dloss = 1.0f / (B * T);
    m.zero_grad();
    m.forward(x.data(), y.data(), B, T, po);
    m.backward();
    std::vector<float> g = m.save_grads(), p0 = m.save_params(), dir(p0.size());
    double gd = 0.0;
    for (size_t i = 0; i < dir.size(); i++) {
        dir[i] = (float)std::sin(i * 12.9898) ;  // a fixed pseudo-random direction
        gd += (double)g[i] * dir[i];
    }
    const float eps = 1e-3f;
    auto loss_at = [&](float s) {
        std::vector<float> p = p0;
        for (size_t i = 0; i < p.size(); i++) p[i] += s * dir[i];
        m.load_params(p);
        PassOptions eval = po;
        eval.dloss = 0.0f;
        return (double)m.forward(x.data(), y.data(), B, T, eval);
    };
    double fd = (loss_at(eps) - loss_at(-eps)) / (2 * eps);
    EXPECT_NEAR(fd, gd, 2e-2 * std::fabs(gd)) << "finite difference " << fd << " vs analytic " << gd;
    // And the mask matters: without dropout the loss is different.
    m.load_params(p0);
    PassOptions none;
    double with = loss_at(0.0f), without = m.forward(x.data(), y.data(), B, T, none);
    EXPECT_NE(with, without);
}

}  // namespace
