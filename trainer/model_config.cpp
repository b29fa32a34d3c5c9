#include "trainer/model_config.h"

#include "common/error.h"

namespace nanogpt {

int pad_vocab(int V) { return (V + 127) / 128 * 128; }

void ModelConfig::validate() const {
    auto positive = [](int v, const char* what) {
        if (v <= 0) throw Error(std::string(what) + " must be positive, got " + std::to_string(v));
    };
    positive(max_seq_len, "block_size (maxT)");
    positive(vocab_size, "vocab_size");
    positive(num_layers, "n_layer");
    positive(num_heads, "n_head");
    positive(channels, "n_embd");
    if (channels % num_heads != 0)
        throw Error("n_embd (" + std::to_string(channels) + ") must be divisible by n_head (" +
                    std::to_string(num_heads) + ")");
    if (padded_vocab_size < vocab_size)
        throw Error("padded vocab " + std::to_string(padded_vocab_size) + " is smaller than vocab " +
                    std::to_string(vocab_size));
    if (vocab_size > 65536)
        throw Error("vocab_size " + std::to_string(vocab_size) + " does not fit uint16 tokens");
}

std::string ModelConfig::describe() const {
    return "L=" + std::to_string(num_layers) + " NH=" + std::to_string(num_heads) +
           " C=" + std::to_string(channels) + " maxT=" + std::to_string(max_seq_len) +
           " V=" + std::to_string(vocab_size) + " (Vp=" + std::to_string(padded_vocab_size) + ")";
}

ParamLayout ParamLayout::make(const ModelConfig& cfg) {
    const int L = cfg.num_layers, C = cfg.channels;
    struct Shape { const char* name; int layers, rows, cols; bool matrix, bias; };
    const Shape shapes[kNumParamTensors] = {
        {"wte", 1, cfg.padded_vocab_size, C, true, false},
        {"wpe", 1, cfg.max_seq_len, C, true, false},
        {"ln1w", L, C, 1, false, false},
        {"ln1b", L, C, 1, false, true},
        {"qkvw", L, 3 * C, C, true, false},
        {"qkvb", L, 3 * C, 1, false, true},
        {"attprojw", L, C, C, true, false},
        {"attprojb", L, C, 1, false, true},
        {"ln2w", L, C, 1, false, false},
        {"ln2b", L, C, 1, false, true},
        {"fcw", L, 4 * C, C, true, false},
        {"fcb", L, 4 * C, 1, false, true},
        {"fcprojw", L, C, 4 * C, true, false},
        {"fcprojb", L, C, 1, false, true},
        {"lnfw", 1, C, 1, false, false},
        {"lnfb", 1, C, 1, false, true},
    };
    ParamLayout layout;
    size_t offset = 0;
    for (int i = 0; i < kNumParamTensors; i++) {
        const Shape& s = shapes[i];
        size_t size = (size_t)s.layers * s.rows * s.cols;
        layout.tensors[i] = {s.name, size, offset, s.rows, s.cols, s.layers, s.matrix, s.bias};
        offset += size;
    }
    layout.total = offset;
    return layout;
}

}  // namespace nanogpt
