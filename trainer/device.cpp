#include "trainer/device.h"

#include "common/error.h"
#include "kernels/cpu/cpu_backend.h"

namespace nanogpt {

std::unique_ptr<Backend> make_backend(const std::string& device) {
    if (device == "cpu" || device == "auto") return std::make_unique<CpuBackend>();
    if (device == "cuda")
        throw Error("this build has no CUDA backend yet", "use --device cpu (or auto)");
    throw Error("unknown device '" + device + "'", "use auto, cpu or cuda");
}

}  // namespace nanogpt
