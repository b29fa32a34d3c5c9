// file_io.h: small checked file helpers (read whole files, atomic writes) with clear errors.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nanogpt {

// Reads a whole file; throws Error naming the path when it cannot be opened or read.
std::string read_file(const std::string& path);

// Writes bytes to path atomically: a temporary file beside it, fsync, then rename.
// A crash leaves either the old file or the new one, never a torn one.
void write_file_atomic(const std::string& path, const void* data, size_t bytes);

bool file_exists(const std::string& path);

}  // namespace nanogpt
