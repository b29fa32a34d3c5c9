// registry.cpp: make_backend (contract in registry.h). The CUDA branch exists only where
// nanogpt_kernels_cuda is linked, whose compile definition NANOGPT_HAS_CUDA reaches this file.
#include "kernels/registry.h"

#include "common/error.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/precision.h"
#ifdef NANOGPT_HAS_CUDA
#include "kernels/cuda/cuda_backend.h"
#endif

namespace nanogpt {

bool built_with_cuda() {
#ifdef NANOGPT_HAS_CUDA
    return true;
#else
    return false;
#endif
}

std::unique_ptr<Backend> make_backend(const std::string& device, const std::string& precision, int gpu) {
    [[maybe_unused]] const Precision p = parse_precision(precision);  // checked in every build
    if (device != "auto" && device != "cpu" && device != "cuda")
        throw Error("unknown device '" + device + "'", "use auto, cpu or cuda");
#ifdef NANOGPT_HAS_CUDA
    if (device == "cuda" || device == "auto") {
        const int gpus = cuda_device_count();
        if (gpus > 0) {
            if (gpu < 0 || gpu >= gpus)
                throw Error("GPU " + std::to_string(gpu) + " asked for, but this machine has " + std::to_string(gpus),
                            "start at most one rank per GPU on each machine (mpirun -np <GPUs>)");
            return std::make_unique<CudaBackend>(p, gpu);
        }
        if (device == "cuda")
            throw Error("no CUDA device found",
                        "check nvidia-smi and the driver (and CUDA_VISIBLE_DEVICES), or use --device cpu");
    }
#else
    (void)gpu;
    if (device == "cuda")
        throw Error("this build has no CUDA backend",
                    "rebuild with nvcc installed (cmake -DNANOGPT_CUDA=ON), or use --device cpu");
#endif
    return std::make_unique<CpuBackend>();
}

}  // namespace nanogpt
