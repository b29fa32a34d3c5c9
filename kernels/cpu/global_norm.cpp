// global_norm.cpp: sum_squares, the squared global gradient norm AdamW is clipped by.
#include <vector>

#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

// Fixed-size blocks summed in parallel, each in float, then the block sums in double in block
// order: the result does not depend on the thread count.
double CpuBackend::sum_squares(const float* x, size_t n) {
    constexpr size_t kBlock = 8192;
    size_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<double> partial(blocks);
#pragma omp parallel for schedule(static)
    for (size_t bi = 0; bi < blocks; bi++) {
        size_t i0 = bi * kBlock, i1 = i0 + kBlock < n ? i0 + kBlock : n;
        float acc = 0.0f;  // a block of 8k float squares is accurate enough in float
        for (size_t i = i0; i < i1; i++) acc += x[i] * x[i];
        partial[bi] = acc;
    }
    double total = 0.0;
    for (double p : partial) total += p;
    return total;
}

}  // namespace nanogpt
