// token_dataset.h: batches from one token shard (llm.c format), held in memory.
//
// Training batches are nanoGPT's: B windows of T+1 tokens at random offsets. The offsets are
// drawn from counter-based RNG keyed by (seed, step, micro-step), so a resumed run reads the
// same batches as one that never stopped, with no loader state to save.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nanogpt {

class TokenDataset {
public:
    explicit TokenDataset(const std::string& shard_path);
    size_t size() const { return tokens_.size(); }
    const std::string& path() const { return path_; }
    int max_token() const { return max_token_; }

    // Throws Error when the shard is too short for windows of T+1 tokens.
    void require_window(int T) const;
    // x, y get B*T tokens: window b starts at an offset drawn from (key, first + b); y is x
    // shifted by one. first: where this slice starts in a larger batch drawn with the same key
    // (a data-parallel rank takes windows rank*B .. rank*B + B-1 of the global batch).
    void random_batch(uint64_t key, int B, int T, std::vector<int>& x, std::vector<int>& y,
                      int first = 0) const;
    // Batch i read in order: tokens [i*B*T, i*B*T + B*T + 1). False past the end of the shard.
    bool sequential_batch(size_t i, int B, int T, std::vector<int>& x, std::vector<int>& y) const;
    // Calls f(token) for every token of the shard, in order.
    template <typename F>
    void count_tokens(F&& f) const {
        for (uint16_t t : tokens_) f((int)t);
    }

private:
    std::string path_;
    std::vector<uint16_t> tokens_;
    int max_token_ = 0;
};

}  // namespace nanogpt
