// probe.cpp: one probe forward pass and its copies (contract in probe.h).
#include "trainer/probe.h"

#include <algorithm>
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
    const size_t needed = (size_t)(r.val_sequences + 1) / 2 * (r.T + r.T / 2) + 1;
    if (r.val_sequences > 0 && val.size() < needed)
        refuse("the validation split has " + std::to_string(val.size()) + " tokens, the probe needs " +
               std::to_string(needed));
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

    // The validation rows, fixed by the split alone: pairs of windows spread evenly over it,
    // the second of a pair T/2 tokens after the first (probe.h says why).
    const size_t pairs = ((size_t)request.val_sequences + 1) / 2;
    const size_t stride = (val.size() - 1 - T - T / 2) / std::max<size_t>(pairs, 1);
    std::vector<int> x, y;
    for (int r = 0; r < request.val_sequences; r++) {
        const size_t start = (size_t)r / 2 * stride + (size_t)(r % 2) * (T / 2);
        for (int t = 0; t < T; t++) {
            val.sequential_batch(start + t, 1, 1, x, y);  // window i of length 1: token i
            res.tokens[(size_t)r * T + t] = x[0];
        }
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
