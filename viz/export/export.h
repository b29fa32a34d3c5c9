// export.h: `nanogpt export`, a run's history in standard formats (viz/export/formats.h).
#pragma once
#include <string>

namespace nanogpt::viz::exporting {

// nanogpt export: the run's history as NumPy .npz (libzip), safetensors, or CSV (metrics).
// npz/safetensors arrays: "steps" (int32 [F]) and, for each frame tensor, "<name>.<field>"
// (+ ".L<layer>" for per-layer tensors) stacked over frames as float32 [F, ...shape].
// Throws nanogpt::Error naming the problem (unknown run, no frames, unwritable output).
void export_run(const std::string& run_dir, const std::string& format, const std::string& out_path);

}  // namespace nanogpt::viz::exporting
