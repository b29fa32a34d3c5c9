// formats.h: the three file formats of `nanogpt export`. Each writes atomically (the
// output appears whole under out_path or not at all) and throws nanogpt::Error on failure.
#pragma once
#include <string>
#include <vector>

#include "viz/export/arrays.h"
#include "viz/export/metrics.h"

namespace nanogpt::viz::exporting {

// NumPy's .npz: a zip (written with libzip, stored uncompressed like numpy.savez) holding one
// "<name>.npy" per array, NPY format 1.0.
void write_npz(const std::vector<ExportArray>& arrays, const std::string& out_path);

// Hugging Face safetensors: u64 header length, JSON header padded with spaces to 8 bytes,
// then the arrays' data back to back. __metadata__ carries {"session": session}.
void write_safetensors(const std::vector<ExportArray>& arrays, const std::string& session,
                       const std::string& out_path);

// The metrics table as CSV (RFC 4180 quoting), one row per metrics line.
void write_csv(const MetricsTable& table, const std::string& out_path);

// The NPY 1.0 header of an array (magic through the padded dict), so the data that follows
// starts at a multiple of 64 bytes.
std::string npy_header(const ExportArray& array);

}  // namespace nanogpt::viz::exporting
