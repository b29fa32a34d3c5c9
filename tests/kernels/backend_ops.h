// backend_ops.h: the harness of the table-driven backend parity test (test_backend_ops.cpp), in
// the spirit of ggml's test-backend-ops: each row (OpCase) names an op and a shape, makes its
// tensors' starting contents (only when the row runs), calls the op on any Backend, and says
// which tensors to compare afterwards with which tolerance per precision. The same row runs on CpuBackend (the
// reference) and on CudaBackend at each precision it lists, from the same starting contents.
//
// Starting contents follow two rules that make the comparison bite:
//   - outputs the op overwrites start as NaN (nan_vec): an element left unwritten fails;
//   - gradients start random and non-zero: a "+=" done as "=" fails.
// Compare::close is rel_error (max |gpu - cpu| / max |cpu|, tests/support/compare.h) below the
// row's tolerance; same_bits and unchanged are byte comparisons (with the CPU's result, or with
// the tensor's own starting contents).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <map>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/precision.h"
#include "tests/support/compare.h"

namespace nanogpt::test {

// Tolerance of one tensor per precision of the matrix products.
struct Tol {
    double fp32, tf32, bf16;
    double at(Precision p) const {
        switch (p) {
            case Precision::fp32: return fp32;
            case Precision::tf32: return tf32;
            case Precision::bf16: return bf16;
        }
        return 0;
    }
};
// Ops without matrix products compute in fp32 whatever the precision: fp32 rounding only.
constexpr Tol kFp32{1e-5, 1e-5, 1e-5};
// Ops built on matrix products (matmul, attention): tf32 keeps 10 mantissa bits, bf16 7.
constexpr Tol kProducts{1e-5, 2e-3, 1e-2};

constexpr Precision kAllPrecisions[] = {Precision::fp32, Precision::tf32, Precision::bf16};

// One tensor of a case and its contents before the op.
struct Tensor {
    std::string name;
    std::vector<float> values;
    std::vector<int> ints;  // token ids instead of values, when is_int
    bool is_int = false;
};
inline Tensor floats(std::string name, std::vector<float> v) { return {std::move(name), std::move(v), {}, false}; }
inline Tensor ints(std::string name, std::vector<int> v) { return {std::move(name), {}, std::move(v), true}; }

enum class Compare {
    close,      // rel_error against the CPU below the tolerance
    same_bits,  // byte for byte the CPU's result
    unchanged,  // byte for byte the tensor's starting contents (the op must not touch it)
};

struct Check {
    std::string tensor;
    Compare how = Compare::close;
    Tol tol = kFp32;
    size_t begin = 0, end = SIZE_MAX;  // the elements compared: [begin, min(end, size))
};

// The device buffers of a case's tensors on one backend, by name.
class Bufs {
public:
    float* f(const std::string& name) { return static_cast<float*>(at(name)); }
    int* i(const std::string& name) { return static_cast<int*>(at(name)); }
    void add(const std::string& name, void* p) { p_[name] = p; }
    const std::map<std::string, void*>& all() const { return p_; }

private:
    void* at(const std::string& name) {
        auto it = p_.find(name);
        if (it == p_.end()) throw std::out_of_range("no tensor '" + name + "' in this case");
        return it->second;
    }
    std::map<std::string, void*> p_;
};

// Every float tensor's contents after the op, by name.
using Results = std::map<std::string, std::vector<float>>;

struct OpCase {
    std::string name;  // op and shape: "matmul_forward N=37 C=24 OC=53 bias"
    std::function<std::vector<Tensor>()> inputs;  // every tensor the op touches, as it starts
    std::function<void(Backend&, Bufs&)> run;
    std::vector<Check> checks;
    std::vector<Precision> precisions{std::begin(kAllPrecisions), std::end(kAllPrecisions)};
    // Further expectations on the CUDA result alone (exact zeros the contract promises, ...).
    std::function<void(const Results&)> also{};
};

// Uploads the tensors to `be`, runs the case's op, reads every float tensor back.
inline Results run_case(const OpCase& c, const std::vector<Tensor>& tensors, Backend& be) {
    Bufs bufs;
    for (const Tensor& t : tensors) {
        if (t.is_int) {
            int* p = be.alloc_ints(t.ints.size());
            be.to_device(p, t.ints.data(), t.ints.size() * sizeof(int));
            bufs.add(t.name, p);
        } else {
            float* p = be.alloc(t.values.size());
            be.to_device(p, t.values.data(), t.values.size() * sizeof(float));
            bufs.add(t.name, p);
        }
    }
    c.run(be, bufs);
    be.synchronize();
    Results out;
    for (const Tensor& t : tensors) {
        if (t.is_int) continue;
        std::vector<float>& h = out[t.name];
        h.resize(t.values.size());
        be.to_host(h.data(), bufs.all().at(t.name), h.size() * sizeof(float));
    }
    for (const auto& [name, p] : bufs.all()) be.release(p);
    return out;
}

inline const Tensor& tensor_named(const std::vector<Tensor>& tensors, const std::string& name) {
    for (const Tensor& t : tensors)
        if (t.name == name) return t;
    throw std::out_of_range("no tensor '" + name + "' in this case");
}

// The expectations of the case's checks: `got` (CUDA at precision p) against `ref` (CPU), or
// against the starting contents `tensors` for Compare::unchanged.
inline void expect_matches(const OpCase& c, const std::vector<Tensor>& tensors, const Results& got,
                           const Results& ref, Precision p) {
    for (const Check& check : c.checks) {
        const std::vector<float>& g = got.at(check.tensor);
        const std::vector<float>& r = check.how == Compare::unchanged
                                          ? tensor_named(tensors, check.tensor).values
                                          : ref.at(check.tensor);
        const size_t end = std::min(check.end, g.size()), begin = std::min(check.begin, end);
        const size_t n = end - begin;
        ASSERT_EQ(g.size(), r.size()) << check.tensor;
        switch (check.how) {
            case Compare::close: {
                const double err = rel_error(g.data() + begin, r.data() + begin, n);
                EXPECT_LT(err, check.tol.at(p)) << check.tensor << ": rel_error " << err;
                break;
            }
            case Compare::same_bits:
            case Compare::unchanged:
                EXPECT_EQ(0, std::memcmp(g.data() + begin, r.data() + begin, n * sizeof(float)))
                    << check.tensor << (check.how == Compare::unchanged ? " was changed" : " differs from the CPU's bits");
                break;
        }
    }
}

}  // namespace nanogpt::test
