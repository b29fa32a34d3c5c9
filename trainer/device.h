// device.h: picks the compute backend for --device auto|cpu|cuda and --precision, and tells the
// rest of the trainer what it got (the card's name and the precision, for MFU).
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.h"

namespace nanogpt {

// "auto" is CUDA when this build has it and a GPU is present, else the CPU. precision
// ("fp32", "tf32", "bf16") chooses the matrix-product precision on CUDA; the CPU is always fp32
// and ignores it. Errors (no CUDA in this build, no GPU) say what to do instead.
std::unique_ptr<Backend> make_backend(const std::string& device, const std::string& precision = "bf16");

// The device's model name for the MFU peak table ("NVIDIA H100 80GB HBM3"); "cpu" on the CPU.
std::string device_model_name(const Backend& backend);
// The precision the matrix products actually run in: "fp32" on the CPU.
std::string effective_precision(const Backend& backend);

// True when this binary was built with the CUDA backend.
bool built_with_cuda();

}  // namespace nanogpt
