// test_reference.cpp: the CPU trainer against PyTorch (float64) on a small GPT-2.
// The fixture comes from tests/reference/gpt2_reference.py (see its docstring for the format).
//
// Tolerance: relative error per tensor, max|ours - ref| / max|ref|, under 1e-4 (the bar
// for float32). A correct float32 implementation lands near 1e-6; a wrong gradient formula
// lands near 1e-1, so the bar separates the two by orders of magnitude.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/file_io.h"
#include "kernels/cpu/cpu_backend.h"
#include "trainer/checkpoint.h"
#include "trainer/gpt2.h"
#include "trainer/optimizer.h"

using namespace nanogpt;

namespace {

constexpr double kTolerance = 1e-4;

struct Reference {
    int B, T, steps, L, NH, C, maxT, V, Vp;
    float lr, beta1, beta2, eps, wd, clip;
    std::vector<int> x, y;
    std::vector<float> logits, grads, losses, norms, params;
    float loss;
};

Reference load_reference(const std::string& path) {
    std::string bytes = read_file(path);
    const char* p = bytes.data();
    int32_t h[256];
    std::memcpy(h, p, sizeof h);
    p += sizeof h;
    EXPECT_EQ(h[0], 20261127);
    EXPECT_EQ(h[1], 1);
    Reference r;
    r.B = h[2]; r.T = h[3]; r.steps = h[4]; r.L = h[5]; r.NH = h[6]; r.C = h[7]; r.maxT = h[8];
    r.V = h[9]; r.Vp = h[10];
    float f[6];
    std::memcpy(f, &h[16], sizeof f);
    r.lr = f[0]; r.beta1 = f[1]; r.beta2 = f[2]; r.eps = f[3]; r.wd = f[4]; r.clip = f[5];
    auto take = [&](auto& vec, size_t n) {
        vec.resize(n);
        std::memcpy(vec.data(), p, n * sizeof(vec[0]));
        p += n * sizeof(vec[0]);
    };
    size_t N = (size_t)r.B * r.T;
    ModelConfig mc{r.maxT, r.V, r.Vp, r.L, r.NH, r.C};
    size_t P = ParamLayout::make(mc).total;
    take(r.x, N);
    take(r.y, N);
    take(r.logits, N * r.V);
    std::vector<float> loss;
    take(loss, 1);
    r.loss = loss[0];
    take(r.grads, P);
    take(r.losses, (size_t)r.steps);
    take(r.norms, (size_t)r.steps);
    take(r.params, P);
    EXPECT_EQ((size_t)(p - bytes.data()), bytes.size()) << "fixture size";
    return r;
}

double rel_error(const float* ours, const float* ref, size_t n) {
    double maxdiff = 0.0, maxref = 0.0;
    for (size_t i = 0; i < n; i++) {
        maxdiff = std::max(maxdiff, (double)std::fabs(ours[i] - ref[i]));
        maxref = std::max(maxref, (double)std::fabs(ref[i]));
    }
    return maxdiff / std::max(maxref, 1e-30);
}

class ReferenceTest : public ::testing::Test {
protected:
    void SetUp() override {
        ref = load_reference(std::string(REFERENCE_DIR) + "/reference.bin");
        ModelFile mf = load_model(std::string(REFERENCE_DIR) + "/model.bin");
        model = std::make_unique<GPT2>(backend, mf.config);
        model->load_params(mf.params);
    }
    CpuBackend backend;
    Reference ref;
    std::unique_ptr<GPT2> model;
};

TEST_F(ReferenceTest, LogitsMatchPyTorch) {
    model->forward(ref.x.data(), nullptr, ref.B, ref.T, PassOptions{});
    std::vector<float> ours, row;
    for (int b = 0; b < ref.B; b++)
        for (int t = 0; t < ref.T; t++) {
            model->read_logits(b, t, row);
            ours.insert(ours.end(), row.begin(), row.end());
        }
    ASSERT_EQ(ours.size(), ref.logits.size());
    double err = rel_error(ours.data(), ref.logits.data(), ours.size());
    std::printf("logits: relative error %.2e\n", err);
    EXPECT_LT(err, kTolerance);
}

TEST_F(ReferenceTest, LossAndEveryGradientMatchPyTorch) {
    model->zero_grad();
    PassOptions po;
    po.dloss = 1.0f / (ref.B * ref.T);
    float loss = model->forward(ref.x.data(), ref.y.data(), ref.B, ref.T, po);
    model->backward();
    double loss_err = std::fabs(loss - ref.loss) / std::fabs(ref.loss);
    std::printf("loss: ours %.6f, PyTorch %.6f, relative error %.2e\n", loss, ref.loss, loss_err);
    EXPECT_LT(loss_err, kTolerance);
    std::vector<float> grads = model->save_grads();
    for (const ParamTensorInfo& t : model->layout().tensors) {
        double err = rel_error(grads.data() + t.offset, ref.grads.data() + t.offset, t.size);
        std::printf("grad %-9s relative error %.2e\n", t.name, err);
        EXPECT_LT(err, kTolerance) << "gradient of " << t.name;
    }
    // The key bias gets no gradient (see the AdamW test below): ours must be ~0 too.
    const ParamTensorInfo& qkvb = model->layout().tensors[P_QKVB];
    double gmax = 0.0, kmax = 0.0;
    for (int l = 0; l < ref.L; l++)
        for (int c = 0; c < 3 * ref.C; c++) {
            double g = std::fabs(grads[qkvb.offset + (size_t)l * 3 * ref.C + c]);
            gmax = std::max(gmax, g);
            if (c >= ref.C && c < 2 * ref.C) kmax = std::max(kmax, g);
        }
    EXPECT_LT(kmax, 1e-5 * gmax) << "key-bias gradient should vanish";
}

TEST_F(ReferenceTest, FiveAdamWStepsMatchPyTorch) {
    AdamWSettings s;
    s.beta1 = ref.beta1;
    s.beta2 = ref.beta2;
    s.eps = ref.eps;
    s.weight_decay = ref.wd;
    s.grad_clip = ref.clip;
    AdamW opt(*model, s);
    PassOptions po;
    po.dloss = 1.0f / (ref.B * ref.T);
    for (int step = 0; step < ref.steps; step++) {
        model->zero_grad();
        float loss = model->forward(ref.x.data(), ref.y.data(), ref.B, ref.T, po);
        model->backward();
        float norm = opt.step(ref.lr, step + 1);
        double lerr = std::fabs(loss - ref.losses[step]) / std::fabs(ref.losses[step]);
        double nerr = std::fabs(norm - ref.norms[step]) / std::fabs(ref.norms[step]);
        std::printf("step %d: loss %.6f vs %.6f (rel %.2e), norm %.6f vs %.6f (rel %.2e)\n", step,
                    loss, ref.losses[step], lerr, norm, ref.norms[step], nerr);
        EXPECT_LT(lerr, kTolerance) << "loss at step " << step;
        EXPECT_LT(nerr, kTolerance) << "gradient norm at step " << step;
    }
    // Parameters after the steps, relative to each tensor's scale. One slice is left out: the
    // key bias. Its gradient is exactly zero in exact arithmetic (softmax ignores a shift shared
    // by all keys), so in float32 it is rounding noise, and Adam, which divides by the
    // gradient's magnitude, turns that noise into steps of +-lr; float64 PyTorch does not move.
    // The gradient test above already checks that this gradient is zero.
    std::vector<float> params = model->save_params();
    const int C = ref.C;
    for (int l = 0; l < ref.L; l++) {
        size_t k0 = model->layout().tensors[P_QKVB].offset + (size_t)l * 3 * C + C;
        for (int c = 0; c < C; c++) params[k0 + c] = ref.params[k0 + c];
    }
    for (const ParamTensorInfo& t : model->layout().tensors) {
        double err = rel_error(params.data() + t.offset, ref.params.data() + t.offset, t.size);
        std::printf("params %-9s relative error %.2e\n", t.name, err);
        EXPECT_LT(err, kTolerance) << "parameters of " << t.name << " after " << ref.steps << " steps";
    }
}

}  // namespace

TEST(SafetensorsTest, HuggingFaceLayoutLoadsToTheSameWeights) {
    ModelFile bin = load_model(std::string(REFERENCE_DIR) + "/model.bin");
    ModelFile st = load_model_any(std::string(REFERENCE_DIR) + "/model.safetensors", bin.config.num_heads);
    EXPECT_EQ(st.config.num_layers, bin.config.num_layers);
    EXPECT_EQ(st.config.channels, bin.config.channels);
    EXPECT_EQ(st.config.vocab_size, bin.config.vocab_size);
    EXPECT_EQ(st.config.max_seq_len, bin.config.max_seq_len);
    EXPECT_EQ(st.config.padded_vocab_size, bin.config.padded_vocab_size);
    ASSERT_EQ(st.params.size(), bin.params.size());
    EXPECT_EQ(0, std::memcmp(st.params.data(), bin.params.data(), bin.params.size() * sizeof(float)));
}
