// optimizer.h: AdamW over the GPT2 parameter buffer, with global-norm gradient clipping.
// Weight decay applies to 2-D tensors only (nanoGPT's groups: embeddings and Linear weights);
// with bias = false, bias tensors are frozen at zero (equivalent to a model without biases).
#pragma once
#include <vector>

#include "trainer/gpt2.h"

namespace nanogpt {

struct AdamWSettings {
    float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
    float weight_decay = 0.1f;
    float grad_clip = 1.0f;  // 0: no clipping
    bool train_biases = true;
};

class AdamW {
public:
    AdamW(GPT2& model, const AdamWSettings& s);
    ~AdamW();
    AdamW(const AdamW&) = delete;
    AdamW& operator=(const AdamW&) = delete;

    // Clips, updates every parameter, and returns the gradient norm before clipping.
    // t counts optimizer steps from 1 (bias correction). stats, when not null, points to one
    // TensorStats per layer of every tensor, in layout order (num_slabs() of them): the
    // dashboard's exact statistics, computed in the same pass. A 2-D slab whose stats ask for
    // it (want_sigma) also gets its top singular value after the update (sigma_max), by power
    // iteration warm-started from its vector of the last snapshot that asked.
    float step(float lr, int t, TensorStats* stats = nullptr);
    int num_slabs() const;
    float grad_norm();

    std::vector<float> save_m() const;
    std::vector<float> save_v() const;
    void load(const std::vector<float>& m, const std::vector<float>& v);

    // Power iterations per snapshot for sigma_max: from a fresh start vector, then warm.
    static constexpr int kSigmaFirstIters = 30, kSigmaIters = 2;

private:
    void estimate_sigma(const ParamTensorInfo& info, int first_slab, TensorStats* stats);

    GPT2& model_;
    AdamWSettings s_;
    float* m_ = nullptr;
    float* v_ = nullptr;
    // sigma_max's warm starts: a right singular vector per slab (device, allocated the first
    // time the slab is asked for, null until then) and the scratch of the longest column.
    std::vector<float*> sigma_v_;
    float* sigma_u_ = nullptr;
};

}  // namespace nanogpt
