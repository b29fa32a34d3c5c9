// op_timer.h: times one interval of device work, for profiling (bench/op_profile.cpp, the kernel
// lab in bench/kernels/).
//
// Contract: begin() marks the start, stop() the end, both in the backend's queue order and
// without waiting; elapsed_ms() waits for the end mark and returns the milliseconds between
// the two marks. end() is stop() + elapsed_ms(), for the simple synchronous begin()/end() use.
// A timer may be reused: begin() starts a new interval.
//
// make_op_timer(backend): the backend's own timer when it has one (Backend::make_timer; the
// CudaBackend's is a pair of cudaEvents recorded on its stream, kernels/cuda/op_timer.cu: GPU
// time, no host serialisation until elapsed_ms()); otherwise the host clock with
// backend.synchronize() at each mark (for the CPU, whose calls finish on return, the same).
// No CUDA header is needed here: every build includes this file.
#pragma once
#include <chrono>
#include <memory>

#include "kernels/backend.h"

namespace nanogpt {

class OpTimer {
public:
    virtual ~OpTimer() = default;
    virtual void begin() = 0;
    virtual void stop() = 0;
    virtual double elapsed_ms() = 0;
    double end() {
        stop();
        return elapsed_ms();
    }
};

// Host wall clock around synchronize(): for backends without a timer of their own.
class HostOpTimer final : public OpTimer {
public:
    explicit HostOpTimer(Backend& backend) : backend_(backend) {}
    void begin() override {
        backend_.synchronize();
        t0_ = std::chrono::steady_clock::now();
    }
    void stop() override {
        backend_.synchronize();
        t1_ = std::chrono::steady_clock::now();
    }
    double elapsed_ms() override { return std::chrono::duration<double, std::milli>(t1_ - t0_).count(); }

private:
    Backend& backend_;
    std::chrono::steady_clock::time_point t0_, t1_;
};

inline std::unique_ptr<OpTimer> make_op_timer(Backend& backend) {
    if (auto timer = backend.make_timer()) return timer;
    return std::make_unique<HostOpTimer>(backend);
}

}  // namespace nanogpt
