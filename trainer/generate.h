// generate.h: autoregressive text sampling (temperature, top-k) from a GPT2.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "trainer/gpt2.h"

namespace nanogpt {

struct SampleOptions {
    int num_tokens = 200;
    float temperature = 0.8f;
    int top_k = 200;  // 0: the whole vocabulary
    uint64_t seed = 1337;
    int max_context = 0;  // 0: the model's maxT
};

// Appends num_tokens sampled tokens to prompt and returns the new ones. on_token, when set,
// sees each token as it is produced (for streaming to the terminal).
std::vector<int> generate(GPT2& model, const std::vector<int>& prompt, const SampleOptions& opt,
                          const std::function<void(int)>& on_token = {});

}  // namespace nanogpt
