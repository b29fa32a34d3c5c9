// device_options.cpp: the device options (device_options.h).
#include "trainer/device_options.h"

#include <omp.h>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "kernels/precision.h"
#include "kernels/registry.h"

namespace nanogpt {

void add_device_options(CLI::App& cmd, DeviceChoice& c) {
    cmd.add_option("--device", c.device, "auto (CUDA when a GPU is present, else the CPU) | cpu | cuda")
        ->capture_default_str();
    cmd.add_option("--precision", c.precision,
                   "fp32 | tf32 | bf16: precision of the matrix products on CUDA (bf16: bf16 inputs, fp32 "
                   "accumulation and fp32 master weights). The CPU ignores it: it always computes in fp32")
        ->capture_default_str();
    cmd.add_option("--threads", c.threads, "CPU threads (0: all cores)")->capture_default_str();
}

void DeviceChoice::validate() const {
    auto need = [](bool ok, const std::string& key, const std::string& what) {
        if (!ok) throw Error("bad value for " + key + ": " + what);
    };
    need(device == "auto" || device == "cpu" || device == "cuda", "device", "must be auto, cpu or cuda");
    need(is_precision_name(precision), "precision", "must be fp32, tf32 or bf16");
    need(threads >= 0, "threads", "must be >= 0");
}

std::unique_ptr<Backend> DeviceChoice::make(int gpu) const {
    if (threads > 0) omp_set_num_threads(threads);
    return make_backend(device, precision, gpu);
}

}  // namespace nanogpt
