// op_timer.cu: CudaBackend::make_timer, the cudaEvent OpTimer (contract in kernels/op_timer.h).
// Both events are recorded on the CudaBackend's stream, so an interval is the GPU time between
// the work queued before begin() finishing and the work queued before stop() finishing;
// elapsed_ms() waits for the stop event.
#include "kernels/cuda/cuda_backend.h"
#include "kernels/cuda/cuda_check.cuh"
#include "kernels/op_timer.h"

namespace nanogpt {

namespace {

class CudaEventTimer final : public OpTimer {
public:
    explicit CudaEventTimer(cudaStream_t stream) : stream_(stream) {
        CUDA_CHECK(cudaEventCreate(&start_));
        CUDA_CHECK(cudaEventCreate(&stop_));
    }
    ~CudaEventTimer() override {
        // Never throws from a destructor: a failure here only leaks two events.
        cudaEventDestroy(start_);
        cudaEventDestroy(stop_);
    }
    CudaEventTimer(const CudaEventTimer&) = delete;
    CudaEventTimer& operator=(const CudaEventTimer&) = delete;

    void begin() override { CUDA_CHECK(cudaEventRecord(start_, stream_)); }
    void stop() override { CUDA_CHECK(cudaEventRecord(stop_, stream_)); }
    double elapsed_ms() override {
        CUDA_CHECK(cudaEventSynchronize(stop_));
        float ms = 0.0f;
        CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
        return ms;
    }

private:
    cudaStream_t stream_;
    cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

}  // namespace

std::unique_ptr<OpTimer> CudaBackend::make_timer() { return std::make_unique<CudaEventTimer>(stream_); }

}  // namespace nanogpt
