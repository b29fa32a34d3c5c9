#include "trainer/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/counter_rng.h"
#include "common/error.h"

namespace nanogpt {

AdamW::AdamW(GPT2& model, const AdamWSettings& s) : model_(model), s_(s) {
    m_ = model_.backend().alloc(model_.num_params());
    v_ = model_.backend().alloc(model_.num_params());
}

AdamW::~AdamW() {
    model_.backend().release(m_);
    model_.backend().release(v_);
    for (float* p : sigma_v_)
        if (p) model_.backend().release(p);
    if (sigma_u_) model_.backend().release(sigma_u_);
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
    int first_slab = 0;
    for (const ParamTensorInfo& info : model_.layout().tensors) {
        TensorStats* tensor_stats = slab;
        if (slab) slab += info.layers;
        const int tensor_first_slab = first_slab;
        first_slab += info.layers;
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
        if (tensor_stats && info.is_matrix) estimate_sigma(info, tensor_first_slab, tensor_stats);
    }
    return norm;
}

// Reads the updated parameters only, into buffers of its own: the training is untouched.
void AdamW::estimate_sigma(const ParamTensorInfo& info, int first_slab, TensorStats* stats) {
    Backend& be = model_.backend();
    // wte's padding rows are not part of the model (as its statistics above).
    const int rows = std::strcmp(info.name, "wte") == 0 ? model_.config().vocab_size : info.rows;
    for (int l = 0; l < info.layers; l++) {
        if (!stats[l].want_sigma) continue;
        if (sigma_v_.empty()) sigma_v_.assign(num_slabs(), nullptr);
        if (!sigma_u_) {
            int longest = 0;
            for (const ParamTensorInfo& t : model_.layout().tensors)
                if (t.is_matrix) longest = std::max(longest, t.rows);
            sigma_u_ = be.alloc(longest);
        }
        float*& v = sigma_v_[first_slab + l];
        int iters = kSigmaIters;
        if (!v) {
            v = be.alloc(info.cols);
            iters = kSigmaFirstIters;
        }
        const float* W = model_.params() + info.offset + (size_t)l * info.rows * info.cols;
        for (int attempt = 0; attempt < 2; attempt++) {
            if (iters == kSigmaFirstIters) {  // a fixed pseudo-random start (any seed would do)
                std::vector<float> start(info.cols);
                for (int j = 0; j < info.cols; j++) start[j] = uniform_at(0x51ea, (uint64_t)j) - 0.5f;
                be.to_device(v, start.data(), start.size() * sizeof(float));
            }
            stats[l].sigma_max = be.power_iteration(W, rows, info.cols, v, sigma_u_, iters);
            if (stats[l].sigma_max > 0.0f || iters == kSigmaFirstIters) break;
            iters = kSigmaFirstIters;  // the vector fell into W's null space: start again
        }
    }
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
