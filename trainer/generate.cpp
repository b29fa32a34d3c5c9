#include "trainer/generate.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/counter_rng.h"

namespace nanogpt {

// Each token reruns the model on the whole (cropped) context: no KV cache. Sampling is for
// short previews during training, where simplicity wins over speed.
std::vector<int> generate(GPT2& model, const std::vector<int>& prompt, const SampleOptions& opt,
                          const std::function<void(int)>& on_token) {
    if (prompt.empty()) throw Error("sampling needs at least one prompt token");
    const int max_ctx = opt.max_context > 0 ? std::min(opt.max_context, model.config().max_seq_len)
                                            : model.config().max_seq_len;
    std::vector<int> ctx = prompt, out;
    std::vector<float> logits;
    std::vector<std::pair<float, int>> ranked;
    for (int i = 0; i < opt.num_tokens; i++) {
        int T = std::min<int>((int)ctx.size(), max_ctx);
        const int* window = ctx.data() + ctx.size() - T;
        model.forward(window, nullptr, 1, T, PassOptions{});
        model.read_logits(0, T - 1, logits);
        const int V = (int)logits.size();
        ranked.resize(V);
        for (int j = 0; j < V; j++) ranked[j] = {logits[j] / opt.temperature, j};
        int k = (opt.top_k > 0 && opt.top_k < V) ? opt.top_k : V;
        std::partial_sort(ranked.begin(), ranked.begin() + k, ranked.end(),
                          [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
        double maxv = ranked[0].first, sum = 0.0;
        for (int j = 0; j < k; j++) sum += std::exp(ranked[j].first - maxv);
        double u = uniform_at(opt.seed, (uint64_t)i) * sum, acc = 0.0;
        int pick = ranked[k - 1].second;
        for (int j = 0; j < k; j++) {
            acc += std::exp(ranked[j].first - maxv);
            if (u < acc) { pick = ranked[j].second; break; }
        }
        ctx.push_back(pick);
        out.push_back(pick);
        if (on_token) on_token(pick);
    }
    return out;
}

}  // namespace nanogpt
