// device.h: picks the compute backend for --device auto|cpu|cuda.
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.h"

namespace nanogpt {

// "auto" is CUDA when this build has it and a GPU is present, else the CPU.
std::unique_ptr<Backend> make_backend(const std::string& device);

}  // namespace nanogpt
