// registry.h: builds a compute backend by name, the one place that knows which backends this
// build has (ggml's backend registry in spirit, for our two devices).
//
// Callers link nanogpt_kernels and get the CUDA backend with it whenever this build has one;
// they never include a backend's own header or test NANOGPT_HAS_CUDA. What they got is asked of
// the Backend itself: name(), device_name(), precision().
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.h"

namespace nanogpt {

// device: "auto", "cpu" or "cuda". "auto" is CUDA when this build has it and a GPU is present,
// else the CPU. precision ("fp32", "tf32", "bf16", kernels/precision.h) chooses the
// matrix-product precision on CUDA; the CPU is always fp32 and ignores it, but the name is
// checked in every build. Errors (unknown names, no CUDA in this build, no GPU) say what to do.
// gpu: which CUDA device (a data-parallel rank's local rank); the CPU ignores it.
std::unique_ptr<Backend> make_backend(const std::string& device, const std::string& precision = "bf16",
                                      int gpu = 0);

// True when this binary was built with the CUDA backend.
bool built_with_cuda();

}  // namespace nanogpt
