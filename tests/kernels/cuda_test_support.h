// cuda_test_support.h: shared pieces of the CUDA tests: skipping without a GPU, random inputs
// (random_inputs.h) and device buffers. Tensors are compared with nanogpt::test::rel_error
// (tests/support/compare.h). Compiled by the host compiler (no kernels here).
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/cuda_backend.h"
#include "tests/kernels/random_inputs.h"
#include "tests/support/compare.h"

namespace nanogpt::test {

// Every CUDA test starts with this: without a device the test is reported as skipped.
#define SKIP_WITHOUT_GPU()                                                   \
    do {                                                                     \
        if (::nanogpt::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device"; \
    } while (0)


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
