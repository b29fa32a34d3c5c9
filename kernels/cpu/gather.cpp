// gather.cpp: copies the dashboard's watched values out of the parameters and gradients.
// Host memory is already where the values must go, so the copy is done on return.
#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

namespace {
struct DoneCopy final : PendingCopy {
    void wait() override {}
};
}  // namespace

std::unique_ptr<PendingCopy> CpuBackend::gather_async(const float* params, const float* grads,
                                                      const uint64_t* indices, size_t n,
                                                      float* values, float* grad_values) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        values[i] = params[indices[i]];
        grad_values[i] = grads[indices[i]];
    }
    return std::make_unique<DoneCopy>();
}

}  // namespace nanogpt
