#include "kernels/precision.h"

#include "common/error.h"

namespace nanogpt {

bool is_precision_name(const std::string& name) {
    return name == "fp32" || name == "tf32" || name == "bf16";
}

Precision parse_precision(const std::string& name) {
    if (name == "fp32") return Precision::fp32;
    if (name == "tf32") return Precision::tf32;
    if (name == "bf16") return Precision::bf16;
    throw Error("unknown precision '" + name + "'", "use one of fp32, tf32, bf16");
}

const char* precision_name(Precision p) {
    switch (p) {
        case Precision::fp32: return "fp32";
        case Precision::tf32: return "tf32";
        case Precision::bf16: return "bf16";
    }
    return "unknown";
}

}  // namespace nanogpt
