// device_options.h: where a command computes: --device, --precision, --threads, declared once
// for train, eval and sample (config files: device, precision, threads).
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.h"

namespace CLI { class App; }

namespace nanogpt {

struct DeviceChoice {
    std::string device = "auto";     // auto | cpu | cuda
    std::string precision = "bf16";  // fp32 | tf32 | bf16: CUDA matrix products; the CPU is fp32
    int threads = 0;                 // OpenMP threads; 0 = all cores

    // Throws Error naming the key.
    void validate() const;
    // Sets the CPU thread count (when given) and makes the backend; gpu: which CUDA device.
    std::unique_ptr<Backend> make(int gpu = 0) const;
};

void add_device_options(CLI::App& cmd, DeviceChoice& choice);

}  // namespace nanogpt
