// compare.h: how tests compare tensors: max |a - ref| / max |ref| over the whole tensor, the
// per-tensor measure llm.c's test_gpt2 uses. A non-finite value or a size mismatch never passes.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace nanogpt::test {

template <typename A, typename R>
double rel_error(const A* a, const R* ref, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        const double x = (double)a[i], r = (double)ref[i];
        if (!std::isfinite(x)) return std::numeric_limits<double>::infinity();
        num = std::max(num, std::fabs(x - r));
        den = std::max(den, std::fabs(r));
    }
    return den > 0 ? num / den : num;
}

template <typename A, typename R>
double rel_error(const std::vector<A>& a, const std::vector<R>& ref) {
    if (a.size() != ref.size()) return std::numeric_limits<double>::infinity();
    return rel_error(a.data(), ref.data(), a.size());
}

}  // namespace nanogpt::test
