// model_config.h: the shape of a GPT-2 model and the layout of its parameters.
//
// Parameters live in one contiguous buffer in llm.c's order and layout, so that checkpoint
// files are a header plus one copy of that buffer, interchangeable with llm.c's.
#pragma once
#include <array>
#include <cstddef>
#include <string>

namespace nanogpt {

struct ModelConfig {
    int max_seq_len = 1024;  // maxT: rows of wpe
    int vocab_size = 50257;  // V
    int padded_vocab_size = 50304;  // Vp: V rounded up (rows of wte), as llm.c does for speed
    int num_layers = 12;     // L
    int num_heads = 12;      // NH
    int channels = 768;      // C

    // Throws Error when the shape is inconsistent (C % NH, positive sizes, Vp >= V, V <= 65536).
    void validate() const;
    std::string describe() const;  // "L=12 NH=12 C=768 maxT=1024 V=50257 (Vp=50304)"
};

// llm.c pads V up to a multiple of 128 (50257 -> 50304): matrix products on round sizes run faster.
int pad_vocab(int V);

constexpr int kNumParamTensors = 16;

// The parameter tensors, in llm.c's order. Shapes (L layers stacked on the first axis):
enum ParamIndex {
    P_WTE,       // (Vp, C)   token embedding, also the LM head (tied)
    P_WPE,       // (maxT, C) position embedding
    P_LN1W,      // (L, C)
    P_LN1B,      // (L, C)
    P_QKVW,      // (L, 3C, C)
    P_QKVB,      // (L, 3C)
    P_ATTPROJW,  // (L, C, C)
    P_ATTPROJB,  // (L, C)
    P_LN2W,      // (L, C)
    P_LN2B,      // (L, C)
    P_FCW,       // (L, 4C, C)
    P_FCB,       // (L, 4C)
    P_FCPROJW,   // (L, C, 4C)
    P_FCPROJB,   // (L, C)
    P_LNFW,      // (C)
    P_LNFB,      // (C)
};

struct ParamTensorInfo {
    const char* name;     // llm.c name: "wte", "qkvw", ...
    size_t size;          // number of floats (all layers)
    size_t offset;        // in floats, from the start of the parameter buffer
    int rows, cols;       // per-layer matrix shape (cols 1 for vectors); rows*cols*layers == size
    int layers;           // L for per-layer tensors, 1 otherwise
    bool is_matrix;       // 2-D weights: the ones AdamW decays (nanoGPT: dim >= 2)
    bool is_bias;         // biases (linear and LayerNorm), frozen at zero when bias = false
};

struct ParamLayout {
    std::array<ParamTensorInfo, kNumParamTensors> tensors;
    size_t total = 0;  // floats in the whole buffer
    static ParamLayout make(const ModelConfig& cfg);
};

}  // namespace nanogpt
