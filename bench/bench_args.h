// bench_args.h: what the CPU benchmarks share: the model shapes they time and their
// `--key value` arguments.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/counter_rng.h"
#include "trainer/model_config.h"

namespace nanogpt::bench {

// gpt2-124m: GPT-2 small; char-small: nanoGPT's shakespeare_char CPU demo model.
inline bool shape_config(const std::string& shape, ModelConfig& out) {
    if (shape == "gpt2-124m") out = ModelConfig{1024, 50257, pad_vocab(50257), 12, 12, 768};
    else if (shape == "char-small") out = ModelConfig{64, 65, pad_vocab(65), 4, 4, 128};
    else return false;
    return true;
}

// Parses `--key value` pairs into `values` (pre-filled with the defaults); false on an
// unknown key, after saying which.
inline bool parse_args(int argc, char** argv, std::map<std::string, std::string>& values) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i];
        if (key.rfind("--", 0) != 0 || !values.count(key.substr(2))) {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return false;
        }
        values[key.substr(2)] = argv[i + 1];
    }
    return true;
}

// A fixed pseudo-random batch: inputs and targets of B*T tokens below `vocab`, a pure function
// of the seeds, so every benchmark (and every run of it) steps on the same data.
inline void random_batch(int B, int T, int vocab, std::vector<int>& x, std::vector<int>& y,
                         uint64_t x_seed = 1, uint64_t y_seed = 2) {
    x.resize((size_t)B * T);
    y.resize((size_t)B * T);
    for (size_t i = 0; i < x.size(); i++) {
        x[i] = (int)(rng_at(x_seed, i) % vocab);
        y[i] = (int)(rng_at(y_seed, i) % vocab);
    }
}

}  // namespace nanogpt::bench
