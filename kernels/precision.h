// precision.h: the precision of a backend's matrix products, by name (--precision).
//   fp32 - exact fp32 products, for parity tests against the CPU;
//   tf32 - tensor cores with fp32 inputs rounded to tf32;
//   bf16 - tensor cores with inputs rounded to bf16, fp32 accumulation and master weights.
// The CPU always computes in fp32; the names are checked in every build, CUDA or not.
#pragma once
#include <string>

namespace nanogpt {

enum class Precision { fp32, tf32, bf16 };

bool is_precision_name(const std::string& name);
Precision parse_precision(const std::string& name);  // throws Error on an unknown name
const char* precision_name(Precision p);
// TRANSITIONAL: the canonical name of a precision given by name (throws on an unknown one). Only
// trainer/device.cpp calls it, on Backend::precision(); delete it with device.cpp when the
// trainer moves to kernels/registry.h.
inline const char* precision_name(const std::string& name) { return precision_name(parse_precision(name)); }

}  // namespace nanogpt
