// arrays.h: a run's history as named dense arrays, the content of npz and safetensors
// exports (the two formats differ only in how they lay the same arrays out).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nanogpt::viz::exporting {

enum class DType { F32, I32 };

struct ExportArray {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::vector<float> f32;    // the data when dtype is F32 (row-major)
    std::vector<int32_t> i32;  // the data when dtype is I32

    const void* data() const;
    size_t bytes() const;
};

// In order: "steps" int32 [F]; one float32 [F, ...shape] array per frame tensor,
// "<name>.<field>" or "<name>.<field>.L<layer>", in order of first appearance, NaN where a
// frame lacks it; "metrics.step" int32 [M] (-1 where a line has no step) and "metrics.<col>"
// float32 [M] per numeric column (NaN where absent).
// Throws nanogpt::Error when the run has no frames, a frame does not decode, or a tensor
// changes shape between frames.
std::vector<ExportArray> collect_arrays(const std::string& run_dir);

}  // namespace nanogpt::viz::exporting
