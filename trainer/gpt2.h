// gpt2.h: the GPT-2 model: parameters, gradients, activations, and one forward/backward pass
// composed from Backend layer calls. Architecture as GPT-2 / nanoGPT: learned token and position
// embeddings, pre-LayerNorm blocks (causal self-attention, tanh-GELU MLP), final LayerNorm, LM
// head tied to the token embedding. Dropout where nanoGPT puts it: after the embeddings, on the
// attention probabilities, after each block's output projection.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/backend.h"
#include "trainer/model_config.h"

namespace nanogpt {

struct PassOptions {
    float dropout = 0.0f;
    uint64_t dropout_seed = 0;  // one per micro-step; every layer derives its own from it
    // Gradient of the loss seen by each token's cross-entropy: 1/(B*T*accumulation_steps) when
    // training, 0 for evaluation (then logits are kept and backward() must not be called).
    float dloss = 0.0f;
    // The index of this pass's first sequence in the whole batch (a data-parallel rank's
    // slice starts at rank * B): dropout masks are those of the whole batch.
    int first_sequence = 0;
};

class GPT2 {
public:
    // buffer_floats: room for the parameter and gradient buffers, at least num_params(); more
    // pads them with zeros (data-parallel shards of equal size need size * shard floats).
    GPT2(Backend& backend, const ModelConfig& cfg, size_t buffer_floats = 0);
    ~GPT2();
    GPT2(const GPT2&) = delete;
    GPT2& operator=(const GPT2&) = delete;

    const ModelConfig& config() const { return cfg_; }
    const ParamLayout& layout() const { return layout_; }
    Backend& backend() { return be_; }
    size_t num_params() const { return layout_.total; }
    size_t buffer_floats() const { return buffer_floats_; }
    float* params() { return params_; }  // device buffer, layout() order
    float* grads() { return grads_; }
    const float* param(ParamIndex i) const { return params_ + layout_.tensors[i].offset; }

    // GPT-2's initialisation (normal 0.02; residual projections 0.02/sqrt(2L); LayerNorm 1/0;
    // biases and the padded vocabulary rows 0), from counter-based RNG: same seed, same weights.
    void init_random(uint64_t seed);
    void load_params(const std::vector<float>& host);  // size must be num_params()
    std::vector<float> save_params() const;
    std::vector<float> save_grads() const;

    // Runs the model on tokens (B*T, host) and, when targets (host) are given, the loss.
    // Returns the mean loss over B*T (0 when targets is null). B*T may vary between calls;
    // T must not exceed maxT.
    float forward(const int* tokens, const int* targets, int B, int T, const PassOptions& opt);
    // Adds this pass's gradients into grads(); needs forward() with targets and dloss != 0.
    void backward();
    void zero_grad();

    // Logits (first V of Vp) at batch row b, position t of the last forward without dloss.
    void read_logits(int b, int t, std::vector<float>& out) const;
    // Per-token losses of the last forward (B*T).
    std::vector<float> read_losses() const;
    // Activations of the last forward, copied to the host (a device-to-host copy on CUDA; the
    // probe reads them, trainer/probe.h): the attention probabilities before dropout
    // (L, B, NH, T, T; zeros above the diagonal) and the MLP activations before GELU (L, B, T, 4C).
    void read_attention(std::vector<float>& out) const;
    void read_mlp_pre_gelu(std::vector<float>& out) const;

private:
    struct Activations;
    void ensure_activations(int B, int T);
    Dropout layer_dropout(int layer, int site) const;

    Backend& be_;
    ModelConfig cfg_;
    ParamLayout layout_;
    float* params_ = nullptr;
    float* grads_ = nullptr;
    size_t buffer_floats_ = 0;
    Activations* acts_ = nullptr;
    int B_ = 0, T_ = 0;  // shape of the last forward
    PassOptions last_opt_;
    bool have_targets_ = false;
};

}  // namespace nanogpt
