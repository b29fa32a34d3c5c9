// probe.cpp: one probe forward pass and its copies (contract in probe.h).
#include "trainer/probe.h"

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

namespace nanogpt {

namespace {

void check_request(const GPT2& model, const TokenDataset& val, int block_size, const ProbeRequest& r) {
    const ModelConfig& cfg = model.config();
    auto refuse = [&](const std::string& why) {
        throw Error("probe request refused: " + why, "the watcher's make_probe_request must keep T <= block_size");
    };
    if (r.B < 1 || r.T < 2) refuse("B=" + std::to_string(r.B) + ", T=" + std::to_string(r.T));
    if (r.T > block_size || r.T > cfg.max_seq_len)
        refuse("T=" + std::to_string(r.T) + " exceeds block_size " + std::to_string(block_size));
    if (r.val_sequences < 0 || r.val_sequences > r.B) refuse("val_sequences=" + std::to_string(r.val_sequences));
    if (r.tokens.size() != (size_t)r.B * r.T)
        refuse(std::to_string(r.tokens.size()) + " tokens for B*T=" + std::to_string(r.B * r.T));
    for (size_t i = (size_t)r.val_sequences * r.T; i < r.tokens.size(); i++)
        if (r.tokens[i] < 0 || r.tokens[i] >= cfg.vocab_size) refuse("token " + std::to_string(r.tokens[i]));
    const size_t windows = val.size() > 0 ? (val.size() - 1) / (size_t)r.T : 0;
    if (r.val_sequences > 0 && windows < (size_t)r.val_sequences)
        refuse("the validation split has " + std::to_string(val.size()) + " tokens");
}

}  // namespace

ProbeResult run_probe(GPT2& model, const TokenDataset& val, int block_size, const ProbeRequest& request) {
    const auto t0 = std::chrono::steady_clock::now();
    check_request(model, val, block_size, request);
    const int B = request.B, T = request.T;
    ProbeResult res;
    res.step = request.step;
    res.B = B;
    res.T = T;
    res.L = model.config().num_layers;
    res.NH = model.config().num_heads;
    res.C = model.config().channels;
    res.val_sequences = request.val_sequences;
    res.tokens = request.tokens;

    // The validation rows: evenly spaced windows, fixed by the split alone.
    const size_t windows = val.size() > 0 ? (val.size() - 1) / (size_t)T : 0;
    std::vector<int> x, y;
    for (int r = 0; r < request.val_sequences; r++) {
        val.sequential_batch((size_t)r * (windows / (size_t)request.val_sequences), 1, T, x, y);
        std::copy(x.begin(), x.end(), res.tokens.begin() + (size_t)r * T);
    }
    // Targets: the next token of the row; the last column has none (its loss is set to 0).
    std::vector<int> targets(res.tokens.size());
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const size_t i = (size_t)b * T + t;
            targets[i] = t + 1 < T ? res.tokens[i + 1] : res.tokens[i];
        }

    model.forward(res.tokens.data(), targets.data(), B, T, PassOptions{});  // no dropout, dloss 0
    model.read_attention(res.att);
    model.read_mlp_pre_gelu(res.fc_pre);
    res.losses = model.read_losses();
    for (int b = 0; b < B; b++) res.losses[(size_t)b * T + T - 1] = 0.0f;
    res.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace nanogpt
