#include "trainer/optimizer.h"

#include <cmath>
#include <cstring>

#include "common/error.h"

namespace nanogpt {

AdamW::AdamW(GPT2& model, const AdamWSettings& s) : model_(model), s_(s) {
    m_ = model_.backend().alloc(model_.num_params());
    v_ = model_.backend().alloc(model_.num_params());
}

AdamW::~AdamW() {
    model_.backend().release(m_);
    model_.backend().release(v_);
}

float AdamW::grad_norm() {
    return (float)std::sqrt(model_.backend().sum_squares(model_.grads(), model_.num_params()));
}

int AdamW::num_slabs() const {
    int n = 0;
    for (const ParamTensorInfo& info : model_.layout().tensors) n += info.layers;
    return n;
}

float AdamW::step(float lr, int t, TensorStats* stats) {
    Backend& be = model_.backend();
    float norm = grad_norm();
    // PyTorch's clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
    float scale = 1.0f;
    if (s_.grad_clip > 0.0f && std::isfinite(norm)) {
        float coef = s_.grad_clip / (norm + 1e-6f);
        if (coef < 1.0f) scale = coef;
    }
    TensorStats* slab = stats;
    for (const ParamTensorInfo& info : model_.layout().tensors) {
        TensorStats* tensor_stats = slab;
        if (slab) slab += info.layers;
        if (info.is_bias && !s_.train_biases) continue;  // frozen at zero: no stats either
        float wd = info.is_matrix ? s_.weight_decay : 0.0f;
        // wte's rows past the vocabulary are padding (Vp > V, as llm.c): zeros that are not
        // part of the model, so its statistics cover the first V rows only. AdamW is
        // elementwise, so updating the padding in a second call changes nothing else.
        size_t stat_size = info.size;
        if (tensor_stats && std::strcmp(info.name, "wte") == 0)
            stat_size = (size_t)model_.config().vocab_size * info.cols;
        be.adamw_update(model_.params() + info.offset, model_.grads() + info.offset,
                        m_ + info.offset, v_ + info.offset, stat_size, lr, s_.beta1, s_.beta2,
                        s_.eps, wd, scale, t, tensor_stats, info.layers);
        if (stat_size < info.size) {
            const size_t o = info.offset + stat_size;
            be.adamw_update(model_.params() + o, model_.grads() + o, m_ + o, v_ + o,
                            info.size - stat_size, lr, s_.beta1, s_.beta2, s_.eps, wd, scale, t);
        }
    }
    return norm;
}

std::vector<float> AdamW::save_m() const {
    std::vector<float> h(model_.num_params());
    model_.backend().to_host(h.data(), m_, h.size() * sizeof(float));
    return h;
}

std::vector<float> AdamW::save_v() const {
    std::vector<float> h(model_.num_params());
    model_.backend().to_host(h.data(), v_, h.size() * sizeof(float));
    return h;
}

void AdamW::load(const std::vector<float>& m, const std::vector<float>& v) {
    if (m.size() != model_.num_params() || v.size() != model_.num_params())
        throw Error("optimizer state does not match the model's parameter count");
    model_.backend().to_device(m_, m.data(), m.size() * sizeof(float));
    model_.backend().to_device(v_, v.data(), v.size() * sizeof(float));
}

}  // namespace nanogpt
