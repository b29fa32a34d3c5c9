// cuda_test_support.h: shared pieces of the CUDA parity tests: skipping without a GPU, random
// inputs, device buffers and the error measure. Compiled by the host compiler (no kernels here).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/cuda_backend.h"

namespace nanogpt::test {

// Every CUDA test starts with this: without a device the test is reported as skipped.
#define SKIP_WITHOUT_GPU()                                                   \
    do {                                                                     \
        if (::nanogpt::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device"; \
    } while (0)

// Fresh random values for every check (never zeros: they hide unwritten outputs).
inline std::vector<float> random_vec(size_t n, uint64_t seed, float scale = 1.0f) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

inline std::vector<int> random_tokens(size_t n, int vocab, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> d(0, vocab - 1);
    std::vector<int> v(n);
    for (int& x : v) x = d(rng);
    return v;
}

// max |a - ref| / max |ref| (llm.c-style per-tensor tolerance); NaN never passes.
inline double rel_err(const std::vector<float>& a, const std::vector<float>& ref) {
    if (a.size() != ref.size()) return INFINITY;
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); i++) {
        if (!std::isfinite(a[i])) return INFINITY;
        num = std::max(num, (double)std::fabs(a[i] - ref[i]));
        den = std::max(den, (double)std::fabs(ref[i]));
    }
    return den > 0 ? num / den : num;
}

// A buffer on one backend, filled from / read back to host vectors.
class Buf {
public:
    Buf(Backend& be, size_t n) : be_(be), n_(n), p_(be.alloc(n)) {}
    Buf(Backend& be, const std::vector<float>& h) : Buf(be, h.size()) { set(h); }
    ~Buf() { be_.release(p_); }
    Buf(const Buf&) = delete;
    Buf& operator=(const Buf&) = delete;
    void set(const std::vector<float>& h) { be_.to_device(p_, h.data(), h.size() * sizeof(float)); }
    std::vector<float> get() const {
        std::vector<float> h(n_);
        be_.to_host(h.data(), p_, n_ * sizeof(float));
        return h;
    }
    float* p() { return p_; }
    size_t size() const { return n_; }

private:
    Backend& be_;
    size_t n_;
    float* p_;
};

class IntBuf {
public:
    IntBuf(Backend& be, const std::vector<int>& h) : be_(be), p_(be.alloc_ints(h.size())) {
        be.to_device(p_, h.data(), h.size() * sizeof(int));
    }
    ~IntBuf() { be_.release(p_); }
    IntBuf(const IntBuf&) = delete;
    IntBuf& operator=(const IntBuf&) = delete;
    int* p() { return p_; }

private:
    Backend& be_;
    int* p_;
};

}  // namespace nanogpt::test
