// lab.h: what every kernel lab shares (bench/kernels/<op>.cu, llm.c's dev/cuda in spirit):
// device tensors that return to their starting contents before each run, the validate-then-time
// loop over an op's versions, and the table it prints. See bench/kernels/README.md.
//
// The loop, for each version in order:
//   1. reset every tensor to its starting contents (outputs NaN, gradients random non-zero, as
//      the parity test: an unwritten element or a "+=" done as "=" fails);
//   2. run the version once and compare every output with the CPU backend's (rel_error: max
//      |gpu - cpu| / max |cpu|) against the version's tolerance;
//   3. only a valid version is timed: 2 warm-up runs, then `reps` runs, each between two
//      cudaEvents on the backend's stream (kernels/op_timer.h); the median is reported.
// The exit status is 1 when a version fails validation, so a GPU machine's ctest catches it.
// Without a CUDA device a lab prints "[  SKIPPED ] no CUDA device" and exits 0. With --device cpu
// it runs version 1 (the Backend call) on a CpuBackend against the CPU reference: a check of
// the lab's own set-up, validation and table that needs no GPU (ctest label unit).
//
// Host code only (nvcc compiles it with each lab, as C++17).
#pragma once
#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/counter_rng.h"
#include "common/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cuda/cuda_backend.h"
#include "kernels/op_timer.h"
#include "tests/support/compare.h"

namespace nanogpt::lab {

// The tolerance a version's outputs must meet, by the precision its products run in. Looser
// than the parity test's (1e-5 on small shapes): lab shapes reach GPT-2's (T = 1024, 8192 rows),
// whose longer sums round more; a wrong kernel lands near 1e-1, far above any of these.
inline double tolerance(Precision p) {
    switch (p) {
        case Precision::fp32: return 1e-4;
        case Precision::tf32: return 5e-3;
        case Precision::bf16: return 2e-2;
    }
    return 0;
}

// Uniform values in [-scale, scale), a pure function of (seed, index).
inline std::vector<float> random_values(size_t n, uint64_t seed, float scale = 1.0f) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) v[i] = (uniform_at(seed, i) - 0.5f) * 2.0f * scale;
    return v;
}

inline std::vector<float> nan_values(size_t n) {
    return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN());
}

// A float tensor on the backend, with the contents it starts every run from.
class DeviceTensor {
public:
    DeviceTensor(Backend& be, std::vector<float> start)
        : be_(be), start_(std::move(start)), p_(be.alloc(start_.size())) {
        reset();
    }
    ~DeviceTensor() { be_.release(p_); }
    DeviceTensor(const DeviceTensor&) = delete;
    DeviceTensor& operator=(const DeviceTensor&) = delete;

    void reset() { be_.to_device(p_, start_.data(), start_.size() * sizeof(float)); }
    std::vector<float> read() const {
        std::vector<float> h(start_.size());
        be_.to_host(h.data(), p_, h.size() * sizeof(float));
        return h;
    }
    float* p() { return p_; }
    const std::vector<float>& start() const { return start_; }

private:
    Backend& be_;
    std::vector<float> start_;
    float* p_;
};

// One output to validate: its device tensor and the CPU's result.
struct Output {
    const char* name;
    DeviceTensor* gpu;
    const std::vector<float>* cpu;
};

struct Version {
    int number;
    std::string what;       // one line: what this version does differently
    Precision precision;    // what its products run in (its tolerance); fp32 without products
};

// Version 1's line: the production path on CUDA, the CPU backend in a --device cpu self-check.
inline std::string version1(Backend& be, const std::string& production) {
    return be.name() == "cpu" ? "CpuBackend (--device cpu: a self-check of the lab)" : "production: " + production;
}

// One op's lab: its versions, the tensors to reset, how to run a version, what to compare.
struct LabOp {
    std::string title;                   // "layernorm_backward N=8192 C=768"
    std::vector<Version> versions;
    std::vector<DeviceTensor*> tensors;  // reset before every validation run
    std::vector<Output> outputs;
    std::function<void(int version)> run;
    double bytes = 0;                    // memory traffic of one call, for GB/s (0: no column)
};

// The backend a lab runs on: --device cuda (every version) or cpu (version 1 only).
class LabDevice {
public:
    LabDevice(const std::string& device, Precision precision) {
        if (device == "cpu") {
            cpu_ = std::make_unique<CpuBackend>();
            be_ = cpu_.get();
        } else if (device != "cuda") {
            throw Error("unknown --device " + device, "use --device cuda or cpu");
        } else if (cuda_device_count() > 0) {
            cuda_ = std::make_unique<CudaBackend>(precision);
            be_ = cuda_.get();
        }
    }
    // False for --device cuda on a machine without a GPU: the lab says so and exits 0.
    bool present() const { return be_ != nullptr; }
    Backend& backend() { return *be_; }
    // The CUDA backend, null on the CPU: versions other than 1 need its stream.
    CudaBackend* cuda() { return cuda_.get(); }

private:
    std::unique_ptr<CudaBackend> cuda_;
    std::unique_ptr<CpuBackend> cpu_;
    Backend* be_ = nullptr;
};

inline int no_device(const char* lab) {
    std::printf("[  SKIPPED ] %s: no CUDA device, nothing to validate or time\n", lab);
    return 0;
}

// Validates every version (only `only` when it is not 0), times the valid ones, prints the
// table; returns the exit status (1 when a version is invalid).
inline int run_lab(const LabOp& op, Backend& gpu, int only, int reps) {
    if (only != 0 && std::none_of(op.versions.begin(), op.versions.end(),
                                  [&](const Version& v) { return v.number == only; }))
        throw Error("no version " + std::to_string(only) + " of " + op.title,
                    "run without --version to see the versions there are");
    std::printf("%s on %s: %d timed runs per version (median; on CUDA between cudaEvents on the "
                "backend's stream)\n",
                op.title.c_str(), gpu.device_name().c_str(), reps);
    std::printf("%-3s %-66s %-5s %10s %8s %6s %10s %8s\n", "v", "what", "prec", "rel err", "tol",
                "valid", "median ms", "GB/s");
    int status = 0;
    std::unique_ptr<OpTimer> timer = make_op_timer(gpu);
    for (const Version& v : op.versions) {
        if (only != 0 && v.number != only) continue;
        for (DeviceTensor* t : op.tensors) t->reset();
        op.run(v.number);
        gpu.synchronize();
        double err = 0;
        for (const Output& o : op.outputs) err = std::max(err, test::rel_error(o.gpu->read(), *o.cpu));
        const double tol = tolerance(v.precision);
        const bool valid = err < tol;
        std::string ms = "-", gbs = "-";
        if (valid) {
            for (int w = 0; w < 2; w++) op.run(v.number);
            std::vector<double> times;
            for (int r = 0; r < reps; r++) {
                timer->begin();
                op.run(v.number);
                times.push_back(timer->end());
            }
            std::sort(times.begin(), times.end());
            const double med = times[times.size() / 2];
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.4f", med);
            ms = buf;
            if (op.bytes > 0 && med > 0) {
                std::snprintf(buf, sizeof buf, "%.0f", op.bytes / (med * 1e-3) / 1e9);
                gbs = buf;
            }
        } else {
            status = 1;
        }
        std::printf("%-3d %-66s %-5s %10.2e %8.0e %6s %10s %8s\n", v.number, v.what.c_str(),
                    precision_name(v.precision), err, tol, valid ? "yes" : "NO", ms.c_str(), gbs.c_str());
    }
    std::fflush(stdout);
    return status;
}

}  // namespace nanogpt::lab
