// random_inputs.h: the starting contents of the kernel tests' tensors: random values (never
// zeros: they hide unwritten outputs), NaN for outputs that must be overwritten, token ids.
// Pure host code, usable without CUDA.
#pragma once
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace nanogpt::test {

// Fresh random values for every check (never zeros: they hide unwritten outputs).
inline std::vector<float> random_vec(size_t n, uint64_t seed, float scale = 1.0f) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

// Small non-negative values, as AdamW's second moments.
inline std::vector<float> positive_vec(size_t n, uint64_t seed) {
    std::vector<float> v = random_vec(n, seed, 0.01f);
    for (float& x : v) x = x * x;
    return v;
}

// Outputs an op must overwrite start as NaN: an element left unwritten fails any comparison.
inline std::vector<float> nan_vec(size_t n) {
    return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN());
}

inline std::vector<int> random_tokens(size_t n, int vocab, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> d(0, vocab - 1);
    std::vector<int> v(n);
    for (int& x : v) x = d(rng);
    return v;
}

}  // namespace nanogpt::test
