// test_cuda_step.cpp: whole GPT-2 training steps on CUDA against the CPU backend, on a tiny
// model (L=2, C=64, NH=4, T=32, V=65 -> Vp=128, B=4) from the same initialisation:
//   fp32: the loss and every parameter gradient of one step within 1e-5 (relative, per tensor);
//         ten AdamW steps with dropout 0.1: each loss within 1e-4;
//   tf32, bf16: ten AdamW steps with dropout 0.1: each loss within 1e-2.
// Label "gpu": skipped without a device.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "common/counter_rng.h"
#include "tests/kernels/cuda_test_support.h"
#include "trainer/gpt2.h"
#include "trainer/optimizer.h"

using namespace nanogpt;
using nanogpt::test::rel_error;

namespace {

constexpr int B = 4, T = 32;
const ModelConfig kTiny{T, 65, 128, 2, 4, 64};

struct Batch {
    std::vector<int> x, y;
};

Batch batch(uint64_t seed) {
    Batch b{nanogpt::test::random_tokens((size_t)B * T, 65, seed),
            nanogpt::test::random_tokens((size_t)B * T, 65, seed + 1000)};
    return b;
}

double rel(double a, double ref) { return std::fabs(a - ref) / std::fabs(ref); }

// Slice of a parameter-shaped buffer holding tensor k.
std::vector<float> slice(const std::vector<float>& all, const ParamTensorInfo& t) {
    return std::vector<float>(all.begin() + t.offset, all.begin() + t.offset + t.size);
}

// Losses of `steps` AdamW steps with dropout, from the same weights, on one batch (random
// tokens have nothing else to learn: the model memorises it, so the loss falls).
std::vector<float> train_losses(Backend& be, int steps, float dropout) {
    GPT2 model(be, kTiny);
    model.init_random(11);
    AdamW opt(model, AdamWSettings{});
    std::vector<float> losses;
    const Batch bt = batch(100);
    for (int s = 0; s < steps; s++) {
        PassOptions po;
        po.dropout = dropout;
        po.dropout_seed = derive_seed(5, 4, (uint64_t)s);
        po.dloss = 1.0f / (B * T);
        model.zero_grad();
        losses.push_back(model.forward(bt.x.data(), bt.y.data(), B, T, po));
        model.backward();
        opt.step(1e-3f, s + 1);
    }
    return losses;
}

TEST(CudaStep, Fp32LossAndEveryGradientMatchTheCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    GPT2 a(cpu, kTiny), b(gpu, kTiny);
    a.init_random(7);
    b.init_random(7);
    ASSERT_EQ(a.save_params(), b.save_params()) << "same initialisation on both devices";
    Batch bt = batch(1);
    PassOptions po;
    po.dloss = 1.0f / (B * T);
    a.zero_grad();
    b.zero_grad();
    float la = a.forward(bt.x.data(), bt.y.data(), B, T, po);
    float lb = b.forward(bt.x.data(), bt.y.data(), B, T, po);
    EXPECT_LT(rel(lb, la), 1e-5) << "cpu " << la << " cuda " << lb;
    a.backward();
    b.backward();
    std::vector<float> ga = a.save_grads(), gb = b.save_grads();
    for (const ParamTensorInfo& t : a.layout().tensors)
        EXPECT_LT(rel_error(slice(gb, t), slice(ga, t)), 1e-5) << "gradient of " << t.name;
}

TEST(CudaStep, Fp32TenAdamWStepsWithDropoutMatchTheCpu) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    CudaBackend gpu(Precision::fp32);
    std::vector<float> ref = train_losses(cpu, 10, 0.1f), got = train_losses(gpu, 10, 0.1f);
    ASSERT_EQ(got.size(), ref.size());
    for (size_t s = 0; s < ref.size(); s++)
        EXPECT_LT(rel(got[s], ref[s]), 1e-4) << "step " << s << ": cpu " << ref[s] << " cuda " << got[s];
    EXPECT_LT(ref.back(), ref.front()) << "the model must learn the batch in ten steps";
}

TEST(CudaStep, ReducedPrecisionTenStepsStayWithinOnePercent) {
    SKIP_WITHOUT_GPU();
    CpuBackend cpu;
    std::vector<float> ref = train_losses(cpu, 10, 0.1f);
    for (Precision p : {Precision::tf32, Precision::bf16}) {
        CudaBackend gpu(p);
        std::vector<float> got = train_losses(gpu, 10, 0.1f);
        ASSERT_EQ(got.size(), ref.size());
        for (size_t s = 0; s < ref.size(); s++)
            EXPECT_LT(rel(got[s], ref[s]), 1e-2)
                << precision_name(p) << " step " << s << ": cpu " << ref[s] << " cuda " << got[s];
    }
}

}  // namespace
