// counter_rng.h: stateless random numbers keyed by (seed, counter).
// Dropout masks, batch offsets and sampling all draw from here, so a value depends only on
// where it is used (step, layer, element), never on thread count or on what ran before:
// that is what makes CPU runs deterministic and resume exact. Usable from CUDA too.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define NANOGPT_HD __host__ __device__ __forceinline__
#else
#define NANOGPT_HD inline
#endif

namespace nanogpt {

// splitmix64 finaliser: a bijective mix with good avalanche, cheap enough per element.
NANOGPT_HD uint64_t mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

NANOGPT_HD uint64_t rng_at(uint64_t seed, uint64_t counter) {
    return mix64(seed ^ mix64(counter));
}

// Uniform in [0, 1) with 24 bits, as a float.
NANOGPT_HD float uniform_at(uint64_t seed, uint64_t counter) {
    return static_cast<float>(rng_at(seed, counter) >> 40) * (1.0f / 16777216.0f);
}

// Derives a new seed for a sub-stream (e.g. one per step and per layer).
NANOGPT_HD uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
    return mix64(mix64(mix64(seed ^ 0xD1B54A32D192ED03ull) ^ a) ^ (b * 0x9E3779B97F4A7C15ull)) ^ c;
}

// Dropout keep decision with probability 1 - p; scale is 1 / (1 - p).
NANOGPT_HD bool dropout_keep(uint64_t seed, uint64_t i, float p) {
    return uniform_at(seed, i) >= p;
}

}  // namespace nanogpt
