// model_desc.cpp: the model as a watcher sees it (model_desc.h).
#include "trainer/model_desc.h"

#include <algorithm>
#include <utility>

namespace nanogpt {

ModelDesc describe_model(const GPT2& model, const TokenDataset* train, const Tokenizer* tokenizer) {
    const ModelConfig& c = model.config();
    ModelDesc d;
    d.L = c.num_layers;
    d.NH = c.num_heads;
    d.C = c.channels;
    d.V = c.vocab_size;
    d.Vp = c.padded_vocab_size;
    d.maxT = c.max_seq_len;
    for (const ParamTensorInfo& t : model.layout().tensors)
        d.tensors.push_back({t.name, t.offset, t.layers, t.rows, t.cols});
    if (train) {
        std::vector<std::pair<uint64_t, int>> counts(c.vocab_size);
        for (int i = 0; i < c.vocab_size; i++) counts[i] = {0, i};
        train->count_tokens([&](int token) { counts[token].first++; });
        std::stable_sort(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.first > b.first; });
        for (auto& [n, token] : counts)
            if (n > 0) d.tokens_by_frequency.push_back(token);
    }
    if (tokenizer) {
        d.token_text.resize(c.vocab_size);
        for (int i = 0; i < c.vocab_size && i < tokenizer->vocab_size(); i++) {
            try {
                d.token_text[i] = tokenizer->decode_token(i);
            } catch (const std::exception&) {
            }
        }
    }
    return d;
}

std::unique_ptr<PendingCopy> HostParamReader::gather(const std::vector<uint64_t>& indices,
                                                     float* values, float* grads) {
    return model_.backend().gather_async(model_.params(), model_.grads(), indices.data(),
                                         indices.size(), values, grads);
}

}  // namespace nanogpt

