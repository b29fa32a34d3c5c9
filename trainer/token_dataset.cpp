#include "trainer/token_dataset.h"

#include <algorithm>

#include "common/error.h"
#include "data/shard.h"
#include "common/counter_rng.h"

namespace nanogpt {

TokenDataset::TokenDataset(const std::string& shard_path)
    : path_(shard_path), tokens_(read_shard(shard_path)) {
    for (uint16_t t : tokens_) max_token_ = std::max<int>(max_token_, t);
}

void TokenDataset::require_window(int T) const {
    if (tokens_.size() < (size_t)T + 2)
        throw Error("shard '" + path_ + "' has " + std::to_string(tokens_.size()) +
                        " tokens, too few for sequences of block_size " + std::to_string(T),
                    "use a smaller block_size or more text");
}

void TokenDataset::random_batch(uint64_t key, int B, int T, std::vector<int>& x, std::vector<int>& y,
                                int first) const {
    require_window(T);
    x.resize((size_t)B * T);
    y.resize((size_t)B * T);
    uint64_t range = tokens_.size() - T - 1 + 1;  // offsets 0 .. size-T-1 inclusive
    for (int b = 0; b < B; b++) {
        size_t off = rng_at(key, (uint64_t)(first + b)) % range;
        for (int t = 0; t < T; t++) {
            x[(size_t)b * T + t] = tokens_[off + t];
            y[(size_t)b * T + t] = tokens_[off + t + 1];
        }
    }
}

bool TokenDataset::sequential_batch(size_t i, int B, int T, std::vector<int>& x,
                                    std::vector<int>& y) const {
    size_t n = (size_t)B * T, start = i * n;
    if (start + n + 1 > tokens_.size()) return false;
    x.resize(n);
    y.resize(n);
    for (size_t j = 0; j < n; j++) {
        x[j] = tokens_[start + j];
        y[j] = tokens_[start + j + 1];
    }
    return true;
}

}  // namespace nanogpt
